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
    zone_label,
)
from bot.parsing import parse_clock
from bot.replies import reply
from digests.delivery import Outcome
from digests.schedule import local_now
from digests.timezones import resolve_timezone
from ui import french

logger = logging.getLogger(__name__)


async def time_command(update: Update, context: BotContext) -> None:
    """/heure HH:MM (7h, 07h30, 7:30, 19h, midi…)."""
    if await refuse_unless_manager(update, context):
        return
    services = context.services
    chat = chat_of(update)
    text = argument(update)
    if not text:
        current = await services.subscriptions.subscriber(chat.id)
        shown = current.delivery_time if current else services.subscriptions.settings.default_time
        await reply(update, [french.TIME_MISSING.format(time=shown.strftime("%H:%M"))])
        return
    when = parse_clock(text)
    if when is None:
        logger.info("Rejected delivery time %r from chat %d", text[:40], chat.id)
        await reply(update, [french.TIME_BAD.format(text=escape(text[:40]))])
        return
    subscriber = await services.subscriptions.set_delivery_time(chat.id, chat.type, when)
    lines = [
        french.TIME_SET.format(
            time=when.strftime("%H:%M"), zone=escape(zone_label(subscriber.timezone))
        )
    ]
    lines.append(await next_or_hint(context, subscriber))
    await reply(update, ["\n".join(lines)])


async def timezone_command(update: Update, context: BotContext) -> None:
    """/fuseau ZONE (IANA names, cities, UTC+1)."""
    if await refuse_unless_manager(update, context):
        return
    services = context.services
    chat = chat_of(update)
    text = argument(update)
    if not text:
        current = await services.subscriptions.subscriber(chat.id)
        zone = current.timezone if current else services.subscriptions.settings.default_timezone
        await reply(update, [french.ZONE_MISSING.format(zone=escape(zone_label(zone)))])
        return
    timezone = resolve_timezone(text[:60])
    if timezone is None:
        logger.info("Rejected time zone %r from chat %d", text[:60], chat.id)
        await reply(update, [french.ZONE_BAD.format(text=escape(text[:60]))])
        return
    subscriber = await services.subscriptions.set_timezone(chat.id, chat.type, timezone)
    local_time = local_now(services.clock(), timezone).strftime("%H:%M")
    lines = [
        french.ZONE_SET.format(
            zone=escape(zone_label(timezone)),
            local_time=local_time,
            time=subscriber.delivery_time.strftime("%H:%M"),
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
        french.STATUS_TIME.format(time=at.strftime("%H:%M")),
        french.STATUS_ZONE.format(
            zone=escape(zone_label(zone)),
            local_time=local_now(services.clock(), zone).strftime("%H:%M"),
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
