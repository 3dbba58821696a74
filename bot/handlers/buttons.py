"""One entry point for every inline button: parse the payload, route it, refuse the rest."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest

from bot import callbacks
from bot.context import BotContext
from bot.handlers import admin, reading, subscriptions
from bot.replies import reply
from ui import french

logger = logging.getLogger(__name__)


async def on_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    action = callbacks.decode(query.data)
    if action is None or not _topic_exists(context, action):
        logger.info("Stale or forged button %r from user %s", query.data, query.from_user.id)
        await query.answer(french.STALE_BUTTON, show_alert=True)
        return
    match action:
        case callbacks.Page(topic, offset):
            await _show_page(update, context, topic, offset)
        case callbacks.SearchPage(terms, offset, broadened):
            await _show_search_page(update, context, terms, offset, broadened)
        case callbacks.ShowTopic(topic):
            await query.answer()
            page = await reading.topic_page(context, topic, 0)
            if page is None:
                label = context.services.catalog.get(topic)
                await reply(
                    update,
                    [
                        french.TOPIC_EMPTY.format(
                            label=label.label if label else topic,
                            command=label.command if label else "",
                        )
                    ],
                )
            else:
                await reply(update, [page.html], markup=page.markup)
        case callbacks.Toggle(topic):
            await subscriptions.toggle_button(update, context, topic)
        case callbacks.KeyboardDone():
            await subscriptions.keyboard_done_button(update, context)
        case callbacks.OpenKeyboard():
            await subscriptions.open_keyboard_button(update, context)
        case callbacks.SubscribeAll():
            await subscriptions.subscribe_all_button(update, context)
        case callbacks.ConfirmDelete(article_id):
            await admin.confirm_delete_button(update, context, article_id)
        case callbacks.CancelDelete():
            await admin.cancel_delete_button(update, context)


def _topic_exists(context: BotContext, action: callbacks.Action) -> bool:
    topic = getattr(action, "topic", None)
    return (
        topic is None or topic == callbacks.ALL or context.services.catalog.get(topic) is not None
    )


async def _show_page(update: Update, context: BotContext, topic: str, offset: int) -> None:
    query = update.callback_query
    assert query is not None
    page = await reading.topic_page(context, topic, offset)
    if page is None:
        await query.answer(french.STALE_BUTTON, show_alert=True)
        return
    await query.answer()
    await _edit(update, page.html, page.markup)


async def _show_search_page(
    update: Update, context: BotContext, terms: tuple[str, ...], offset: int, broadened: bool
) -> None:
    query = update.callback_query
    assert query is not None
    page = await reading.search_results(
        context, " ".join(terms), offset=offset, broadened=broadened
    )
    if isinstance(page, str):
        await query.answer(french.STALE_BUTTON, show_alert=True)
        return
    await query.answer()
    await _edit(update, page.html, page.markup)


async def _edit(update: Update, html: str, markup: object) -> None:
    query = update.callback_query
    assert query is not None
    try:
        await query.edit_message_text(html, reply_markup=markup)  # type: ignore[arg-type]
    except BadRequest as error:
        # Two quick taps on the same button ask for the page already shown.
        if "message is not modified" not in error.message.lower():
            raise
