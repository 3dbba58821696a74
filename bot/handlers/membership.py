"""Following the bot's membership in chats: blocked, kicked, or back."""

from __future__ import annotations

import logging

from telegram import ChatMember, Update

from bot.context import BotContext

logger = logging.getLogger(__name__)

_GONE = (ChatMember.BANNED, ChatMember.LEFT)


async def my_chat_member(update: Update, context: BotContext) -> None:
    """A reader who blocks the bot (or a group that removes it) stops receiving digests; one who
    unblocks it, or adds it back, is reachable again."""
    change = update.my_chat_member
    if change is None:
        return
    chat_id = change.chat.id
    status = change.new_chat_member.status
    reachable = status not in _GONE
    reason = None if reachable else ("blocked" if change.chat.type == "private" else "removed")
    known = await context.services.subscriptions.set_reachable(
        chat_id, reachable=reachable, reason=reason
    )
    logger.info(
        "Chat %d is now %s (member status %s%s)",
        chat_id,
        "reachable" if reachable else "unreachable",
        status,
        "" if known else ", not a subscriber",
    )
