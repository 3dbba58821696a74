"""Sending replies: several messages when needed, buttons on the last one."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardMarkup, Message, Update


async def reply(
    update: Update,
    messages: Sequence[str],
    *,
    markup: InlineKeyboardMarkup | None = None,
) -> Message | None:
    """Reply with ``messages`` in order (HTML, no link previews: Defaults), buttons on the last."""
    message = update.effective_message
    if message is None:
        return None
    sent = None
    for index, text in enumerate(messages):
        last = index == len(messages) - 1
        sent = await message.reply_text(text, reply_markup=markup if last else None)
    return sent
