"""What several handlers share: the command record, button matches, the group-admin check,
reading a command's argument, and how a reader's schedule is described."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import date
from html import escape
from typing import Any

from telegram import Chat, Update
from telegram.constants import ChatMemberStatus, ChatType

from bot.callbacks import ALL
from bot.context import BotContext
from bot.parsing import command_argument
from bot.replies import reply
from content.topics import TopicCatalog
from digests.schedule import local_now
from digests.subscribers import Subscriber
from digests.timezones import zone_label
from ui import french

logger = logging.getLogger(__name__)

_GROUP_MANAGERS = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)

Callback = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


@dataclass(frozen=True, slots=True)
class Command:
    """A /command and the handler that answers it; each handler module exports its own."""

    name: str
    callback: Callback


def button_match(context: BotContext) -> re.Match[str]:
    """The match of the pattern a button handler was registered with."""
    assert context.matches, "button handlers are registered with a pattern"
    return context.matches[0]


async def refuse_stale_button(update: Update, context: BotContext) -> None:
    """A button this bot did not make, or one naming what no longer exists: say so politely."""
    query = update.callback_query
    assert query is not None
    logger.info("Stale or forged button %r from user %s", query.data, query.from_user.id)
    await query.answer(french.STALE_BUTTON, show_alert=True)


def known_topic(context: BotContext, topic: str) -> bool:
    """A button's topic still exists (``ALL`` always does)."""
    return topic == ALL or context.services.catalog.get(topic) is not None


async def refuse_unknown_topic(update: Update, context: BotContext, topic: str) -> bool:
    """Answer a button naming a topic no longer in the catalog as stale; True when refused."""
    if known_topic(context, topic):
        return False
    await refuse_stale_button(update, context)
    return True


def argument(update: Update) -> str:
    """The text after the command (« /heure 7h30 » → « 7h30 »), stripped."""
    message = update.effective_message
    assert message is not None and message.text is not None  # command handlers only
    return command_argument(message.text).strip()


def chat_of(update: Update) -> Chat:
    chat = update.effective_chat
    assert chat is not None  # every handled update comes from a chat
    return chat


async def may_manage(update: Update, context: BotContext) -> bool:
    """In a group only its administrators change the group's subscription."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    assert chat is not None
    if chat.type == ChatType.PRIVATE:
        return True
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id == chat.id  # an anonymous admin posting as the group
    if user is None:
        return False
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in _GROUP_MANAGERS


async def refuse_unless_manager(update: Update, context: BotContext) -> bool:
    """Reply with the refusal and return True when the sender may not manage this chat."""
    if await may_manage(update, context):
        return False
    if update.callback_query is not None:
        await update.callback_query.answer(french.GROUP_ADMINS_ONLY, show_alert=True)
    else:
        await reply(update, [french.GROUP_ADMINS_ONLY])
    return True


def topic_list(catalog: TopicCatalog, subscriber: Subscriber) -> str:
    """« tous les sujets », or the topics' labels: « AES, Mali et Russie » (plain text)."""
    if subscriber.all_topics:
        return french.STATUS_ALL_TOPICS
    keys = subscriber.topic_keys(catalog.keys)
    return french.listing([topic.label for key in keys if (topic := catalog.get(key))])


async def schedule_line(context: BotContext, subscriber: Subscriber) -> str:
    """« Elle arrive chaque jour à 7 h (Bamako). Prochaine revue : demain à 7 h. »"""
    upcoming = await context.services.subscriptions.next_delivery(subscriber)
    return french.SCHEDULE_LINE.format(
        time=french.clock(subscriber.delivery_time),
        zone=escape(zone_label(subscriber.timezone)),
        next=describe_next(context, subscriber, upcoming.local_date, upcoming.now_due),
    )


def describe_next(context: BotContext, subscriber: Subscriber, day: date, now_due: bool) -> str:
    at = french.clock(subscriber.delivery_time)
    if now_due:
        return french.NEXT_SOON
    today = local_now(context.services.clock(), subscriber.timezone).date()
    return (french.NEXT_TODAY if day == today else french.NEXT_TOMORROW).format(time=at)


async def next_or_hint(context: BotContext, subscriber: Subscriber) -> str:
    if not subscriber.subscribed:
        return french.NOT_YET_SUBSCRIBED_HINT
    upcoming = await context.services.subscriptions.next_delivery(subscriber)
    if upcoming.received_today:
        return french.ALREADY_RECEIVED_TODAY
    next_text = describe_next(context, subscriber, upcoming.local_date, upcoming.now_due)
    return french.STATUS_NEXT.format(next=next_text)
