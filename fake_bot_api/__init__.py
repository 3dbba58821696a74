"""A local Telegram Bot API server for tests, benchmarks and ``python -m bot chat``.

It answers PTB's real HTTP stack as Telegram would where it matters: HTML entity parsing and
length limits, keyboards, flood limits, blocked users, migrated groups, injected outages.
"""

from fake_bot_api.errors import ApiError
from fake_bot_api.models import (
    CallbackAnswer,
    FakeChat,
    FakeUser,
    FaultKind,
    RequestRecord,
    SentDocument,
    SentMessage,
)
from fake_bot_api.server import DEFAULT_TOKEN, LocalBotApi
from fake_bot_api.telegram_html import (
    MessageEntity,
    ParsedHtml,
    TelegramHtmlError,
    parse_telegram_html,
    utf16_length,
)

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "CallbackAnswer",
    "FakeChat",
    "FakeUser",
    "FaultKind",
    "LocalBotApi",
    "MessageEntity",
    "ParsedHtml",
    "RequestRecord",
    "SentDocument",
    "SentMessage",
    "TelegramHtmlError",
    "parse_telegram_html",
    "utf16_length",
]
