"""The last line of defence: log everything, tell the reader something short and French."""

from __future__ import annotations

import logging

from telegram import Update

from bot.context import BotContext
from storage.errors import StorageError
from ui import french

logger = logging.getLogger(__name__)


async def error_handler(update: object, context: BotContext) -> None:
    """Log first (update id and traceback, never the token), then apologise in the chat."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    logger.error("Error while handling update %s", update_id, exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    text = french.STORAGE_DOWN if isinstance(error, StorageError) else french.SORRY
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        else:
            await context.bot.send_message(update.effective_chat.id, text)
    except Exception:  # the apology itself failed (network down): the log line is enough
        logger.warning("Could not tell chat %s about the error", update.effective_chat.id)
