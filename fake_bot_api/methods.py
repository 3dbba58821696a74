"""The method table: Bot API method name → handler."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fake_bot_api import methods_chat, methods_messages, methods_updates
from fake_bot_api.params import Params
from fake_bot_api.state import BotState

Handler = Callable[[BotState, Params], Any]

LONG_POLL = "getUpdates"  # the one asynchronous method, run by the core itself
HANDLERS: dict[str, Handler] = {
    "getMe": methods_chat.get_me,
    "sendMessage": methods_messages.send_message,
    "sendDocument": methods_messages.send_document,
    "editMessageText": methods_messages.edit_message_text,
    "editMessageReplyMarkup": methods_messages.edit_message_reply_markup,
    "deleteMessage": methods_messages.delete_message,
    "answerCallbackQuery": methods_messages.answer_callback_query,
    "sendChatAction": methods_messages.send_chat_action,
    "getChat": methods_chat.get_chat,
    "getChatMember": methods_chat.get_chat_member,
    "getChatAdministrators": methods_chat.get_chat_administrators,
    "getFile": methods_chat.get_file,
    "setMyCommands": methods_chat.set_my_commands,
    "getMyCommands": methods_chat.get_my_commands,
    "deleteMyCommands": methods_chat.delete_my_commands,
    "setWebhook": methods_updates.set_webhook,
    "deleteWebhook": methods_updates.delete_webhook,
    "getWebhookInfo": methods_updates.get_webhook_info,
    "close": methods_chat.accept,
    "logOut": methods_chat.accept,
    "setMyDescription": methods_chat.accept,
    "setMyShortDescription": methods_chat.accept,
    "setMyName": methods_chat.accept,
    "setChatMenuButton": methods_chat.accept,
}
# Telegram matches method names case-insensitively.
_CANONICAL = {name.lower(): name for name in (*HANDLERS, LONG_POLL)}
# Blocked/kicked bots may still look chats up; only these methods meet the 403.
MEMBERSHIP_CHECKED = frozenset(
    {"sendMessage", "sendDocument", "sendChatAction", "editMessageText", "editMessageReplyMarkup"}
)


def canonical_name(method: str) -> str | None:
    """The Bot API spelling of ``method``, or None for an unknown method."""
    return _CANONICAL.get(method.lower())
