"""Bot API error answers, worded as Telegram words them (PTB maps them by status and text)."""

from __future__ import annotations

from typing import Any

from fake_bot_api.models import JsonDict

CHAT_NOT_FOUND = "Bad Request: chat not found"
BOT_BLOCKED = "Forbidden: bot was blocked by the user"
USER_DEACTIVATED = "Forbidden: user is deactivated"
GROUP_UPGRADED = "Bad Request: group chat was upgraded to a supergroup chat"
MESSAGE_TOO_LONG = "Bad Request: message is too long"
MESSAGE_EMPTY = "Bad Request: message text is empty"
CAPTION_TOO_LONG = "Bad Request: message caption is too long"
BUTTON_DATA_INVALID = "Bad Request: BUTTON_DATA_INVALID"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
    "the webhook first"
)


class ApiError(Exception):
    """A Bot API error answer: HTTP status, description and optional ``parameters``."""

    def __init__(self, status: int, description: str, parameters: JsonDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def to_json(self) -> JsonDict:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(description: str) -> ApiError:
    """400; ``description`` without the "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {description}")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


def group_upgraded(new_chat_id: int) -> ApiError:
    return ApiError(400, GROUP_UPGRADED, {"migrate_to_chat_id": new_chat_id})


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def unauthorized() -> ApiError:
    return ApiError(401, "Unauthorized")


def server_error(status: int) -> ApiError:
    """An injected 5xx, as a proxy in front of Telegram would answer."""
    phrases = {500: "Internal Server Error", 502: "Bad Gateway", 504: "Gateway Timeout"}
    return ApiError(status, phrases.get(status, "Server Error"))
