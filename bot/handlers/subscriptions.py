"""The daily digest's subscription: /abonner (with its keyboard of topics) and /desabonner."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from bot import callbacks
from bot.context import BotContext
from bot.handlers.common import (
    Command,
    argument,
    button_match,
    chat_of,
    refuse_unknown_topic,
    refuse_unless_manager,
    schedule_line,
    topic_list,
)
from bot.parsing import TopicChoice, parse_topics
from bot.replies import reply
from content.topics import TopicCatalog
from digests.subscribers import Subscriber
from ui import french

_UNKNOWN_SHOWN = 10
"""Unknown words named back to the reader; the others are counted (« et 20 autres mots »)."""


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
    if await refuse_unless_manager(update, context):
        return
    services = context.services
    chat = chat_of(update)
    text = argument(update)
    if not text:
        current = await services.subscriptions.subscriber(chat.id)
        await reply(
            update, [french.KEYBOARD_PROMPT], markup=topics_keyboard(services.catalog, current)
        )
        return
    choice = parse_topics(text, services.catalog)
    if not choice.everything and not choice.topics:
        keys = ", ".join(services.catalog.keys)
        await reply(update, [french.NO_TOPIC_NAMED.format(text=escape(text[:100]), keys=keys)])
        return
    wanted = tuple(topic.key for topic in choice.topics)
    if choice.exact:
        subscriber = await services.subscriptions.choose(chat.id, chat.type, wanted)
    else:
        wanted_or_all = None if choice.everything else wanted
        subscriber = await services.subscriptions.subscribe(chat.id, chat.type, wanted_or_all)
    await reply(update, [await confirmation(context, subscriber, choice.unknown)])


def unknown_line(catalog: TopicCatalog, unknown: tuple[str, ...]) -> str:
    """« Je ne connais pas : « licornes » et « dragons ». Les sujets : aes, mali… »; each word
    once and at most a few, so that a message full of words gets a reply that fits."""
    distinct = list(dict.fromkeys(word[:40] for word in unknown))
    shown = [french.quoted(escape(word)) for word in distinct[:_UNKNOWN_SHOWN]]
    if len(distinct) > _UNKNOWN_SHOWN:
        shown.append(french.plural(len(distinct) - _UNKNOWN_SHOWN, "autre mot", "autres mots"))
    return french.UNKNOWN_TOPICS.format(words=french.listing(shown), keys=", ".join(catalog.keys))


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
        lines.append(unknown_line(catalog, unknown))
    return "\n".join(lines)


async def subscribe_all_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    if await refuse_unless_manager(update, context):
        return
    chat = chat_of(update)
    subscriber = await context.services.subscriptions.subscribe(chat.id, chat.type, None)
    await query.answer()
    await query.edit_message_text(await confirmation(context, subscriber))


async def open_keyboard_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    if await refuse_unless_manager(update, context):
        return
    current = await context.services.subscriptions.subscriber(chat_of(update).id)
    await query.answer()
    await query.edit_message_text(
        french.KEYBOARD_PROMPT, reply_markup=topics_keyboard(context.services.catalog, current)
    )


async def toggle_button(update: Update, context: BotContext) -> None:
    """A topic of the /abonner keyboard, or its « Tous les sujets / Aucun sujet » button."""
    query = update.callback_query
    assert query is not None
    topic_key = callbacks.Toggle.parse(button_match(context)).topic
    if await refuse_unknown_topic(update, context, topic_key):
        return
    if await refuse_unless_manager(update, context):
        return
    subscriptions = context.services.subscriptions
    chat = chat_of(update)
    if topic_key == callbacks.ALL:
        subscriber = await subscriptions.toggle_all(chat.id, chat.type)
    else:
        subscriber = await subscriptions.toggle_topic(chat.id, chat.type, topic_key)
    await query.answer()
    await query.edit_message_reply_markup(topics_keyboard(context.services.catalog, subscriber))


async def keyboard_done_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    if await refuse_unless_manager(update, context):
        return  # a group member must not close the keyboard its admins are using
    subscriber = await context.services.subscriptions.subscriber(chat_of(update).id)
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
    if await refuse_unless_manager(update, context):
        return
    services = context.services
    chat = chat_of(update)
    current = await services.subscriptions.subscriber(chat.id)
    if current is None or not current.subscribed:
        await reply(update, [french.NOT_SUBSCRIBED])
        return
    text = argument(update)
    choice = parse_topics(text, services.catalog) if text else None
    if choice is None or choice.everything:
        await services.subscriptions.unsubscribe(chat.id, None)
        await reply(update, [french.UNSUBSCRIBED_ALL])
        return
    await reply(update, [await unsubscribed_some(context, current, choice, text)])


async def unsubscribed_some(
    context: BotContext, current: Subscriber, choice: TopicChoice, text: str
) -> str:
    """Take the named topics out and say what remains (« Il vous reste : AES et Mali. ») or
    that the digest stops; topics the reader did not follow and unknown words are named."""
    services = context.services
    catalog = services.catalog
    followed = set(current.topic_keys(catalog.keys))
    removed = [topic for topic in choice.topics if topic.key in followed]
    # « tout sauf mali » lists what to drop without meaning that the reader followed it.
    named = () if choice.exact else choice.topics
    not_followed = [topic.label for topic in named if topic.key not in followed]
    lines = []
    if removed:
        updated = await services.subscriptions.unsubscribe(
            current.chat_id, tuple(t.key for t in removed)
        )
        lines.append(escape(french.topics_removed([topic.label for topic in removed])))
        if updated is None or not updated.subscribed:
            lines.append(french.NOTHING_LEFT)
        else:
            lines.append(french.TOPICS_LEFT.format(topics=escape(topic_list(catalog, updated))))
    elif choice.exact and choice.topics:  # « tout sauf mali » from a reader who keeps only Mali
        lines.append(french.TOPICS_LEFT.format(topics=escape(topic_list(catalog, current))))
    elif not not_followed:
        kept = escape(topic_list(catalog, current))
        lines.append(french.NO_TOPIC_NAMED_UNSUBSCRIBE.format(text=escape(text[:100]), topics=kept))
    if not_followed:
        lines.append(french.NOT_SUBSCRIBED_TO.format(topics=escape(french.listing(not_followed))))
        if not removed:
            lines.append(french.YOUR_TOPICS.format(topics=escape(topic_list(catalog, current))))
    if choice.unknown:
        lines.append(unknown_line(catalog, choice.unknown))
    return "\n".join(lines)


COMMANDS = (
    Command("abonner", subscribe_command),
    Command("desabonner", unsubscribe_command),
)
BUTTONS = (
    CallbackQueryHandler(toggle_button, pattern=callbacks.Toggle.PATTERN),
    CallbackQueryHandler(keyboard_done_button, pattern=callbacks.KeyboardDone.PATTERN),
    CallbackQueryHandler(open_keyboard_button, pattern=callbacks.OpenKeyboard.PATTERN),
    CallbackQueryHandler(subscribe_all_button, pattern=callbacks.SubscribeAll.PATTERN),
)
