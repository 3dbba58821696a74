"""Telegram's side of the digest delivery path: send, and translate Telegram's verdicts.

``digests`` never imports ``telegram``; it raises and catches its own exceptions. This adapter is
the one place that knows which Telegram error means what for a subscriber.
"""

from __future__ import annotations

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from digests.delivery import ChatMoved, ChatUnreachable, MessageRejected, RetryLater

_GONE_MARKERS = (
    "chat not found",
    "user not found",
    "bot was kicked",
    "bot is not a member",
    "group chat was deactivated",
    "peer_id_invalid",
    "have no rights to send",
    "not enough rights to send text",
)
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def is_chat_gone(error: BadRequest) -> bool:
    """A 400 that means "this chat cannot receive anything", not "this message is wrong"."""
    text = error.message.lower()
    return any(marker in text for marker in _GONE_MARKERS)


class TelegramSender:
    """Sends HTML messages through the Application's bot (and so through its rate limiter)."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send_html(self, chat_id: int, html: str) -> None:
        try:
            await self._bot.send_message(
                chat_id, html, parse_mode=ParseMode.HTML, link_preview_options=_NO_PREVIEW
            )
        except Forbidden as error:
            raise ChatUnreachable(error.message) from error
        except ChatMigrated as error:
            raise ChatMoved(error.new_chat_id) from error
        except BadRequest as error:
            if is_chat_gone(error):
                raise ChatUnreachable(error.message) from error
            raise MessageRejected(error.message) from error
        except RetryAfter as error:
            raise RetryLater(f"flood wait: {error.message}") from error
        except (TimedOut, NetworkError) as error:  # TimedOut first: it is a NetworkError
            raise RetryLater(f"{type(error).__name__}: {error.message}") from error
