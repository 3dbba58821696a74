"""The daily digest: /abonner, /desabonner, /heure, /fuseau, /statut, /digest."""

from __future__ import annotations

import logging
from html import escape

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus, ChatType

from bot import callbacks
from bot.context import BotContext
from bot.parsing import command_argument, parse_clock, parse_topics
from bot.replies import reply
from content import french
from content.topics import TopicCatalog
from digests.delivery import Outcome
from digests.schedule import local_now
from digests.subscribers import Subscriber
from digests.timezones import resolve_timezone

logger = logging.getLogger(__name__)

_GROUP_MANAGERS = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


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


async def _refuse_unless_manager(update: Update, context: BotContext) -> bool:
    """Reply with the refusal and return True when the sender may not manage this chat."""
    if await may_manage(update, context):
        return False
    if update.callback_query is not None:
        await update.callback_query.answer(french.GROUP_ADMINS_ONLY, show_alert=True)
    else:
        await reply(update, [french.GROUP_ADMINS_ONLY])
    return True


def _chat(update: Update) -> Chat:
    chat = update.effective_chat
    assert chat is not None
    return chat


def topic_list(catalog: TopicCatalog, subscriber: Subscriber) -> str:
    if subscriber.all_topics:
        return french.STATUS_ALL_TOPICS
    keys = subscriber.topic_keys(catalog.keys)
    return ", ".join(topic.label for key in keys if (topic := catalog.get(key)))


def zone_label(timezone: str) -> str:
    return timezone.replace("_", " ")


async def schedule_line(context: BotContext, subscriber: Subscriber) -> str:
    """« Elle arrive chaque jour à 07:00 (Africa/Bamako). Prochaine revue : demain à 07:00. »"""
    upcoming = await context.services.digests.next_delivery(subscriber)
    return french.SCHEDULE_LINE.format(
        time=subscriber.delivery_time.strftime("%H:%M"),
        zone=escape(zone_label(subscriber.timezone)),
        next=describe_next(context, subscriber, upcoming.local_date, upcoming.now_due),
    )


def describe_next(context: BotContext, subscriber: Subscriber, day: object, now_due: bool) -> str:
    at = subscriber.delivery_time.strftime("%H:%M")
    if now_due:
        return french.NEXT_SOON
    today = local_now(context.services.clock(), subscriber.timezone).date()
    return (french.NEXT_TODAY if day == today else french.NEXT_TOMORROW).format(time=at)


def topics_keyboard(catalog: TopicCatalog, subscriber: Subscriber | None) -> InlineKeyboardMarkup:
    chosen = set(subscriber.topic_keys(catalog.keys)) if subscriber else set()
    buttons = [
        InlineKeyboardButton(
            french.TOPIC_CHECKED.format(label=topic.label) if topic.key in chosen else topic.label,
            callback_data=callbacks.encode(callbacks.Toggle(topic.key)),
        )
        for topic in catalog.topics
    ]
    rows = [buttons[index : index + 2] for index in range(0, len(buttons), 2)]
    every = set(catalog.keys) <= chosen
    rows.append(
        [
            InlineKeyboardButton(
                french.BUTTON_NO_TOPIC if every else french.BUTTON_ALL_TOPICS,
                callback_data=callbacks.encode(callbacks.Toggle(callbacks.ALL)),
            ),
            InlineKeyboardButton(
                french.BUTTON_DONE, callback_data=callbacks.encode(callbacks.KeyboardDone())
            ),
        ]
    )
    return InlineKeyboardMarkup(rows)


async def subscribe_command(update: Update, context: BotContext) -> None:
    """/abonner [sujets…|tout]; without arguments, the keyboard of topics."""
    message = update.effective_message
    assert message is not None and message.text is not None
    if await _refuse_unless_manager(update, context):
        return
    services = context.services
    chat = _chat(update)
    argument = command_argument(message.text).strip()
    if not argument:
        current = await services.digests.subscriber(chat.id)
        await reply(
            update, [french.KEYBOARD_PROMPT], markup=topics_keyboard(services.catalog, current)
        )
        return
    choice = parse_topics(argument, services.catalog)
    keys = ", ".join(services.catalog.keys)
    if not choice.everything and not choice.topics:
        await reply(update, [french.NO_TOPIC_NAMED.format(keys=keys)])
        return
    wanted = None if choice.everything else tuple(topic.key for topic in choice.topics)
    subscriber = await services.digests.subscribe(chat.id, chat.type, wanted)
    await reply(update, [await confirmation(context, subscriber, choice.unknown)])


async def confirmation(
    context: BotContext, subscriber: Subscriber, unknown: tuple[str, ...] = ()
) -> str:
    catalog = context.services.catalog
    if subscriber.all_topics:
        head = french.SUBSCRIBED_ALL
    else:
        head = french.SUBSCRIBED.format(topics=escape(topic_list(catalog, subscriber)))
    lines = [head, await schedule_line(context, subscriber)]
    if unknown:
        words = ", ".join(f"« {escape(word)} »" for word in unknown)
        lines.append(french.UNKNOWN_TOPICS.format(words=words, keys=", ".join(catalog.keys)))
    return "\n".join(lines)


async def subscribe_all_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    if await _refuse_unless_manager(update, context):
        return
    chat = _chat(update)
    subscriber = await context.services.digests.subscribe(chat.id, chat.type, None)
    await query.answer()
    await query.edit_message_text(await confirmation(context, subscriber))


async def open_keyboard_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    if await _refuse_unless_manager(update, context):
        return
    current = await context.services.digests.subscriber(_chat(update).id)
    await query.answer()
    await query.edit_message_text(
        french.KEYBOARD_PROMPT, reply_markup=topics_keyboard(context.services.catalog, current)
    )


async def toggle_button(update: Update, context: BotContext, topic_key: str) -> None:
    query = update.callback_query
    assert query is not None
    if await _refuse_unless_manager(update, context):
        return
    services = context.services
    chat = _chat(update)
    if topic_key == callbacks.ALL:
        current = await services.digests.subscriber(chat.id)
        if current is not None and set(services.catalog.keys) <= set(
            current.topic_keys(services.catalog.keys)
        ):
            subscriber = await services.digests.unsubscribe(chat.id, None)
        else:
            subscriber = await services.digests.subscribe(chat.id, chat.type, None)
    else:
        subscriber = await services.digests.toggle_topic(chat.id, chat.type, topic_key)
    await query.answer()
    await query.edit_message_reply_markup(topics_keyboard(services.catalog, subscriber))


async def keyboard_done_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    if await _refuse_unless_manager(update, context):
        return  # a group member must not close the keyboard its admins are using
    subscriber = await context.services.digests.subscriber(_chat(update).id)
    await query.answer()
    if subscriber is None or not subscriber.subscribed:
        await query.edit_message_text(french.KEYBOARD_DONE_NONE)
        return
    topics = escape(topic_list(context.services.catalog, subscriber))
    text = "\n".join(
        [french.KEYBOARD_DONE.format(topics=topics), await schedule_line(context, subscriber)]
    )
    await query.edit_message_text(text)


async def unsubscribe_command(update: Update, context: BotContext) -> None:
    """/desabonner [sujets…]: stop everything, or only some topics."""
    message = update.effective_message
    assert message is not None and message.text is not None
    if await _refuse_unless_manager(update, context):
        return
    services = context.services
    chat = _chat(update)
    current = await services.digests.subscriber(chat.id)
    if current is None or not current.subscribed:
        await reply(update, [french.NOT_SUBSCRIBED])
        return
    argument = command_argument(message.text).strip()
    choice = parse_topics(argument, services.catalog) if argument else None
    if choice is None or choice.everything:
        await services.digests.unsubscribe(chat.id, None)
        await reply(update, [french.UNSUBSCRIBED_ALL])
        return
    if not choice.topics:
        keys = ", ".join(services.catalog.keys)
        await reply(update, [french.NO_TOPIC_NAMED.format(keys=keys)])
        return
    updated = await services.digests.unsubscribe(chat.id, tuple(t.key for t in choice.topics))
    if updated is None or not updated.subscribed:
        await reply(update, [french.UNSUBSCRIBED_ALL])
        return
    removed = ", ".join(topic.label for topic in choice.topics)
    kept = topic_list(services.catalog, updated)
    await reply(
        update, [french.UNSUBSCRIBED_SOME.format(removed=escape(removed), kept=escape(kept))]
    )


async def time_command(update: Update, context: BotContext) -> None:
    """/heure HH:MM (7h, 07h30, 7:30, 19h, midi…)."""
    message = update.effective_message
    assert message is not None and message.text is not None
    if await _refuse_unless_manager(update, context):
        return
    services = context.services
    chat = _chat(update)
    argument = command_argument(message.text).strip()
    if not argument:
        current = await services.digests.subscriber(chat.id)
        shown = current.delivery_time if current else services.digests.settings.default_time
        await reply(update, [french.TIME_MISSING.format(time=shown.strftime("%H:%M"))])
        return
    when = parse_clock(argument)
    if when is None:
        logger.info("Rejected delivery time %r from chat %d", argument[:40], chat.id)
        await reply(update, [french.TIME_BAD.format(text=escape(argument[:40]))])
        return
    subscriber = await services.digests.set_delivery_time(chat.id, chat.type, when)
    lines = [
        french.TIME_SET.format(
            time=when.strftime("%H:%M"), zone=escape(zone_label(subscriber.timezone))
        )
    ]
    lines.append(await _next_or_hint(context, subscriber))
    await reply(update, ["\n".join(lines)])


async def _next_or_hint(context: BotContext, subscriber: Subscriber) -> str:
    if not subscriber.subscribed:
        return french.NOT_YET_SUBSCRIBED_HINT
    upcoming = await context.services.digests.next_delivery(subscriber)
    if upcoming.received_today:
        return french.ALREADY_RECEIVED_TODAY
    next_text = describe_next(context, subscriber, upcoming.local_date, upcoming.now_due)
    return french.STATUS_NEXT.format(next=next_text)


async def timezone_command(update: Update, context: BotContext) -> None:
    """/fuseau ZONE (IANA names, cities, UTC+1)."""
    message = update.effective_message
    assert message is not None and message.text is not None
    if await _refuse_unless_manager(update, context):
        return
    services = context.services
    chat = _chat(update)
    argument = command_argument(message.text).strip()
    if not argument:
        current = await services.digests.subscriber(chat.id)
        zone = current.timezone if current else services.digests.settings.default_timezone
        await reply(update, [french.ZONE_MISSING.format(zone=escape(zone_label(zone)))])
        return
    timezone = resolve_timezone(argument[:60])
    if timezone is None:
        logger.info("Rejected time zone %r from chat %d", argument[:60], chat.id)
        await reply(update, [french.ZONE_BAD.format(text=escape(argument[:60]))])
        return
    subscriber = await services.digests.set_timezone(chat.id, chat.type, timezone)
    local_time = local_now(services.clock(), timezone).strftime("%H:%M")
    lines = [
        french.ZONE_SET.format(
            zone=escape(zone_label(timezone)),
            local_time=local_time,
            time=subscriber.delivery_time.strftime("%H:%M"),
        ),
        await _next_or_hint(context, subscriber),
    ]
    await reply(update, ["\n".join(lines)])


async def status_command(update: Update, context: BotContext) -> None:
    """/statut: what I receive, when, in which zone."""
    services = context.services
    chat = _chat(update)
    subscriber = await services.digests.subscriber(chat.id)
    settings = services.digests.settings
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
        lines.append(await _next_or_hint(context, subscriber))
    await reply(update, ["\n".join(lines)])


async def digest_command(update: Update, context: BotContext) -> None:
    """/digest: today's digest now, through the same path as the scheduled one."""
    chat = _chat(update)
    _digest, outcome = await context.services.digests.send_digest_now(chat.id)
    if outcome is Outcome.DEFERRED:
        await reply(update, [french.DIGEST_UNREACHABLE])
