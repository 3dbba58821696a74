"""The daily digest's settings and on-demand copy: /heure, /fuseau, /statut, /digest."""

from __future__ import annotations

import logging
from html import escape

from telegram import Update

from bot.context import BotContext
from bot.handlers.common import (
    Command,
    argument,
    chat_of,
    next_or_hint,
    refuse_unless_manager,
    topic_list,
)
from bot.parsing import clock_out_of_range, parse_clock
from bot.replies import reply
from digests.delivery import Outcome
from digests.schedule import local_now
from digests.timezones import offset_out_of_range, resolve_timezone, zone_label
from ui import french

logger = logging.getLogger(__name__)


async def time_command(update: Update, context: BotContext) -> None:
    """/heure HH:MM (7h, 07h30, 7:30, 19h, midi…). Without a time, any member of a group may
    read the current one: only changing it is for the group's administrators."""
    services = context.services
    chat = chat_of(update)
    text = argument(update)
    if not text:
        current = await services.subscriptions.subscriber(chat.id)
        shown = current.delivery_time if current else services.subscriptions.settings.default_time
        await reply(update, [french.TIME_MISSING.format(time=french.clock(shown))])
        return
    if await refuse_unless_manager(update, context):
        return
    when = parse_clock(text)
    if when is None:
        logger.info("Rejected delivery time %r from chat %d", text[:40], chat.id)
        template = french.TIME_OUT_OF_RANGE if clock_out_of_range(text) else french.TIME_BAD
        await reply(update, [template.format(text=escape(text[:40]))])
        return
    subscriber = await services.subscriptions.set_delivery_time(chat.id, chat.type, when)
    lines = [
        french.TIME_SET.format(
            time=french.clock(when), zone=escape(zone_label(subscriber.timezone))
        )
    ]
    lines.append(await next_or_hint(context, subscriber))
    await reply(update, ["\n".join(lines)])


async def timezone_command(update: Update, context: BotContext) -> None:
    """/fuseau ZONE (IANA names, cities, UTC+1, UTC+5:30). Without a zone, any member of a
    group may read the current one."""
    services = context.services
    chat = chat_of(update)
    text = argument(update)
    if not text:
        current = await services.subscriptions.subscriber(chat.id)
        zone = current.timezone if current else services.subscriptions.settings.default_timezone
        await reply(update, [french.ZONE_MISSING.format(zone=escape(zone_label(zone)))])
        return
    if await refuse_unless_manager(update, context):
        return
    timezone = resolve_timezone(text[:60])
    if timezone is None:
        logger.info("Rejected time zone %r from chat %d", text[:60], chat.id)
        template = french.ZONE_OUT_OF_RANGE if offset_out_of_range(text[:60]) else french.ZONE_BAD
        await reply(update, [template.format(text=escape(text[:60]))])
        return
    subscriber = await services.subscriptions.set_timezone(chat.id, chat.type, timezone)
    lines = [
        french.ZONE_SET.format(
            zone=escape(zone_label(timezone)),
            local_time=french.clock(local_now(services.clock(), timezone).time()),
            time=french.clock(subscriber.delivery_time),
        ),
        await next_or_hint(context, subscriber),
    ]
    await reply(update, ["\n".join(lines)])


async def status_command(update: Update, context: BotContext) -> None:
    """/statut: what I receive, when, in which zone."""
    services = context.services
    chat = chat_of(update)
    subscriber = await services.subscriptions.subscriber(chat.id)
    settings = services.subscriptions.settings
    if subscriber is None:
        zone, at = settings.default_timezone, settings.default_time
        topics = french.STATUS_NOT_SUBSCRIBED
    else:
        zone, at = subscriber.timezone, subscriber.delivery_time
        topics = (
            escape(topic_list(services.catalog, subscriber))
            if subscriber.subscribed
            else french.STATUS_NOT_SUBSCRIBED
        )
    lines = [
        french.STATUS_HEADER,
        french.STATUS_TOPICS.format(topics=topics),
        french.STATUS_TIME.format(time=french.clock(at)),
        french.STATUS_ZONE.format(
            zone=escape(zone_label(zone)),
            local_time=french.clock(local_now(services.clock(), zone).time()),
        ),
    ]
    if subscriber is not None and subscriber.subscribed:
        lines.append(await next_or_hint(context, subscriber))
    await reply(update, ["\n".join(lines)])


async def digest_command(update: Update, context: BotContext) -> None:
    """/digest: today's digest now, through the same path as the scheduled one."""
    chat = chat_of(update)
    _digest, outcome = await context.services.digests.send_digest_now(chat.id)
    if outcome is Outcome.DEFERRED:
        await reply(update, [french.DIGEST_UNREACHABLE])


COMMANDS = (
    Command("heure", time_command),
    Command("fuseau", timezone_command),
    Command("statut", status_command),
    Command("digest", digest_command),
)
