"""Admin commands for news feeds: /sources, /source_ajouter, /source_retirer, /source_pause,
/source_reprendre; and the feed clock that polls them and tells admins what breaks.

Admins only (``admin_only``): anyone else is refused and nothing changes.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from html import escape

from telegram import Update
from telegram.constants import ChatAction
from telegram.error import TelegramError

from bot.context import BotContext
from bot.handlers.admin import admin_only
from bot.handlers.common import Command
from bot.parsing import command_argument, parse_article_id, parse_source_request
from bot.replies import reply
from feeds.models import Feed, FeedAlert
from feeds.service import FeedRefusal, FeedRefused
from ui import french
from ui.cards import clip
from ui.messages import pack_blocks

logger = logging.getLogger(__name__)

NAME_MAX_CHARS = 80


def _text(update: Update) -> str:
    message = update.effective_message
    return (message.text or "") if message is not None else ""


@admin_only
async def sources_command(update: Update, context: BotContext) -> None:
    """/sources: every followed feed with its state, numbered for the other commands."""
    services = context.services
    feeds = await services.feeds.feeds()
    if not feeds:
        await reply(update, [french.SOURCES_NONE])
        return
    now = services.clock()
    blocks = [french.SOURCES_HEADER.format(count=french.number(len(feeds)))]
    blocks += [source_entry(feed, now) for feed in feeds]
    await reply(update, pack_blocks(blocks))


def source_entry(feed: Feed, now: datetime) -> str:
    """« n° 3 · RFI Afrique (#mali) », then its state, its articles and its next poll."""
    state = feed.state
    if feed.paused:
        status = french.SOURCE_STATE_PAUSED
    elif state.failing_since is not None:
        status = french.SOURCE_STATE_FAILING.format(
            since=french.duration(now - state.failing_since),
            error=french.feed_error(state.last_error),
        )
    elif state.last_success_at is not None:
        status = french.SOURCE_STATE_ACTIVE.format(
            when=french.relative(state.last_success_at - now)
        )
    else:
        status = french.SOURCE_STATE_NEW
    lines = [
        french.SOURCE_LINE.format(
            id=feed.id,
            name=_name(feed),
            topic=french.SOURCE_TOPIC.format(topic=escape(feed.topic)) if feed.topic else "",
            state=status,
            articles=french.articles(state.articles_added),
        )
    ]
    if not feed.paused and feed.next_poll_at <= now:
        # Due: the next tick of the feed clock polls it (not « prochain relevé il y a 2 minutes »).
        lines.append(french.SOURCE_NEXT_POLL_DUE)
    elif not feed.paused:
        lines.append(french.SOURCE_NEXT_POLL.format(when=french.relative(feed.next_poll_at - now)))
    words = [f"+{word}" for word in feed.include] + [f"-{word}" for word in feed.exclude]
    if words:
        lines.append(french.SOURCE_FILTERS.format(words=escape(" ".join(words))))
    return "\n".join(lines)


def _name(feed: Feed) -> str:
    return escape(clip(feed.name, NAME_MAX_CHARS))


@admin_only
async def add_source_command(update: Update, context: BotContext) -> None:
    """/source_ajouter URL [#sujet] [+mot] [-mot]: check the feed, then follow it."""
    request = parse_source_request(command_argument(_text(update)))
    if request.url is None:
        await reply(update, [french.SOURCE_ADD_USAGE])
        return
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_chat_action(chat.id, ChatAction.TYPING)
    user = update.effective_user
    services = context.services
    try:
        added = await services.feeds.add(
            request.url,
            added_by=f"telegram:{user.id if user else 0}",
            topic=request.topic,
            include=request.include,
            exclude=request.exclude,
        )
    except FeedRefused as refused:
        await reply(update, [refusal_text(refused, services.catalog.keys, request.topic)])
        return
    feed = added.feed
    if not added.created:
        await reply(update, [french.SOURCE_ALREADY.format(id=feed.id, name=_name(feed))])
        return
    lines = []
    if added.discovered:
        lines.append(french.SOURCE_DISCOVERED.format(url=escape(feed.url)))
    lines.append(
        french.SOURCE_ADDED.format(
            name=_name(feed),
            id=feed.id,
            topic=french.SOURCE_TOPIC.format(topic=escape(feed.topic)) if feed.topic else "",
            items=french.articles(added.items),
        )
    )
    await reply(update, ["\n".join(lines)])


def refusal_text(refused: FeedRefused, topic_keys: tuple[str, ...], topic: str | None) -> str:
    """The refusal in French; ``topic`` is the one the admin asked for."""
    template = french.SOURCE_REFUSED[refused.reason.value]
    if refused.reason is FeedRefusal.UNREACHABLE:
        return template.format(error=french.feed_error(refused.detail))
    if refused.reason is FeedRefusal.UNKNOWN_TOPIC:
        return template.format(
            topic=escape(clip(topic or "", 40)), topics=", ".join(f"#{key}" for key in topic_keys)
        )
    return template


async def _feed_from_argument(update: Update, context: BotContext, command: str) -> Feed | None:
    """The feed « /source_… N » names, or None after telling the admin why not."""
    feed_id = parse_article_id(command_argument(_text(update)))
    if feed_id is None:
        await reply(update, [french.SOURCE_ID_USAGE.format(command=command)])
        return None
    feed = await context.services.feeds.get(feed_id)
    if feed is None:
        await reply(update, [french.SOURCE_NOT_FOUND.format(id=feed_id)])
    return feed


@admin_only
async def remove_source_command(update: Update, context: BotContext) -> None:
    """/source_retirer N: stop following a feed; its articles stay."""
    feed = await _feed_from_argument(update, context, "source_retirer")
    if feed is not None and await context.services.feeds.remove(feed.id) is not None:
        await reply(update, [french.SOURCE_REMOVED.format(id=feed.id, name=_name(feed))])


@admin_only
async def pause_source_command(update: Update, context: BotContext) -> None:
    """/source_pause N: stop polling a feed until /source_reprendre N."""
    feed = await _feed_from_argument(update, context, "source_pause")
    if feed is None:
        return
    if feed.paused:
        await reply(update, [french.SOURCE_ALREADY_PAUSED.format(id=feed.id)])
        return
    if await context.services.feeds.pause(feed.id) is not None:
        await reply(update, [french.SOURCE_PAUSED.format(id=feed.id, name=_name(feed))])


@admin_only
async def resume_source_command(update: Update, context: BotContext) -> None:
    """/source_reprendre N: poll a paused feed again, at once."""
    feed = await _feed_from_argument(update, context, "source_reprendre")
    if feed is not None and await context.services.feeds.resume(feed.id) is not None:
        await reply(update, [french.SOURCE_RESUMED.format(id=feed.id, name=_name(feed))])


# --- The feed clock ---------------------------------------------------------------------------


async def feeds_tick(context: BotContext) -> None:
    """Poll the feeds that are due, then tell the admins what broke or recovered. Stops between
    feeds once the bot is stopping (``Application.stop()`` waits for this job)."""
    application = context.application
    services = context.services
    await services.feeds.poller.poll_due(keep_going=lambda: application.running)
    for alert in await services.feeds.take_alerts():
        await _tell_admins(context, alert_text(alert, await _failing_for(context, alert)))


async def _failing_for(context: BotContext, alert: FeedAlert) -> timedelta:
    """How long the feed had been failing when the alert was raised. The poll that raises it
    comes after a backoff of up to a day, so this is often well over ``alert_after``: saying
    « depuis 24 heures » of a feed down for two days would be false."""
    feeds = context.services.feeds
    floor = feeds.settings.alert_after
    if alert.kind != "failing":
        return floor
    feed = await feeds.get(alert.feed_id)
    since = feed.state.failing_since if feed is not None else None
    if since is None or since > alert.created_at:  # it recovered since (another process told)
        return floor
    return max(alert.created_at - since, floor)


def alert_text(alert: FeedAlert, failing_for: timedelta) -> str:
    name = escape(clip(alert.feed_name, NAME_MAX_CHARS))
    if alert.kind == "recovered":
        return french.FEED_RECOVERED_ALERT.format(id=alert.feed_id, name=name)
    if alert.kind == "gone":
        return french.FEED_GONE_ALERT.format(id=alert.feed_id, name=name)
    return french.FEED_FAILING_ALERT.format(
        id=alert.feed_id,
        name=name,
        since=french.duration(failing_for),
        error=french.feed_error(alert.detail),
    )


async def _tell_admins(context: BotContext, text: str) -> None:
    for admin in sorted(context.services.admins):
        try:
            await context.bot.send_message(admin, text)
        except TelegramError as error:  # an admin who never opened a chat with the bot
            logger.warning("Could not tell admin %d about a feed: %s", admin, error)


COMMANDS = (
    Command("sources", sources_command),
    Command("source_ajouter", add_source_command),
    Command("source_retirer", remove_source_command),
    Command("source_pause", pause_source_command),
    Command("source_reprendre", resume_source_command),
)
