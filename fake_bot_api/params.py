"""Request parameters decoded the way the Bot API reads them.

PTB sends form fields where strings travel raw and everything else is JSON-encoded (numbers,
booleans, nested objects), and multipart parts for files; Telegram also accepts a JSON body and a
query string. Values are decoded once, best effort, so the request log shows real types; a getter
raises the Bot API's 400 only when a handler actually needs a field that failed to decode.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fake_bot_api.errors import ApiError, bad_request
from fake_bot_api.models import JsonDict

JSON_FIELDS = frozenset(
    {
        "reply_markup", "link_preview_options", "entities", "caption_entities",
        "reply_parameters", "commands", "scope", "allowed_updates", "media", "results",
        "permissions", "menu_button", "rights",
    }
)  # fmt: skip
INT_FIELDS = frozenset(
    {
        "chat_id", "message_id", "offset", "limit", "timeout", "user_id", "from_chat_id",
        "reply_to_message_id", "message_thread_id", "cache_time", "max_connections", "until_date",
    }
)  # fmt: skip
BOOL_FIELDS = frozenset(
    {
        "disable_notification", "protect_content", "disable_web_page_preview", "show_alert",
        "drop_pending_updates", "allow_sending_without_reply", "allow_paid_broadcast",
        "only_if_banned", "revoke_messages", "disable_content_type_detection", "is_personal",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A multipart file part."""

    filename: str
    content: bytes
    content_type: str | None


class Params:
    """Decoded parameters of one request, with typed getters that fail like Telegram."""

    __slots__ = ("_files", "_invalid", "_values")

    def __init__(
        self,
        values: dict[str, Any],
        files: Mapping[str, UploadedFile] | None = None,
        invalid: frozenset[str] = frozenset(),
    ) -> None:
        self._values = values
        self._files = dict(files or {})
        self._invalid = invalid

    @classmethod
    def decode(
        cls, fields: Mapping[str, Any], files: Mapping[str, UploadedFile] | None = None
    ) -> Params:
        """Decodes form/query strings or JSON-body values field by field."""
        values: dict[str, Any] = {}
        invalid: set[str] = set()
        for name, raw in fields.items():
            try:
                values[name] = _decode_value(name, raw)
            except ValueError:
                values[name] = raw
                invalid.add(name)
        return cls(values, files, frozenset(invalid))

    def __contains__(self, name: str) -> bool:
        return name in self._values or name in self._files

    def get(self, name: str) -> Any:
        return self._values.get(name)

    def string(self, name: str) -> str | None:
        value = self._values.get(name)
        if value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def integer(self, name: str) -> int | None:
        value = self._values.get(name)
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        raise bad_request(f"invalid {name} specified")

    def required_integer(self, name: str) -> int:
        value = self.integer(name)
        if value is None:
            raise bad_request(f"{name} is empty")
        return value

    def chat_id(self) -> int | str:
        """An integer id, or an '@username' string (Telegram accepts both)."""
        value = self._values.get("chat_id")
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            return value
        raise bad_request("chat not found")

    def flag(self, name: str) -> bool:
        return self._values.get(name) is True

    def json_dict(self, name: str) -> JsonDict | None:
        value = self._checked_json(name)
        if value is None or isinstance(value, dict):
            return value
        raise _json_error(name)

    def json_list(self, name: str) -> list[Any] | None:
        value = self._checked_json(name)
        if value is None or isinstance(value, list):
            return value
        raise _json_error(name)

    def file(self, name: str) -> UploadedFile | None:
        return self._files.get(name)

    def for_record(self) -> JsonDict:
        """The parameters as the request log shows them (files summarised, not copied)."""
        record = dict(self._values)
        for name, uploaded in self._files.items():
            record[name] = f"<file {uploaded.filename!r}, {len(uploaded.content)} bytes>"
        return record

    def _checked_json(self, name: str) -> Any:
        if name in self._invalid:
            raise _json_error(name)
        return self._values.get(name)


def _json_error(name: str) -> ApiError:
    if name == "reply_markup":
        return bad_request("can't parse reply keyboard markup JSON object")
    return bad_request(f"can't parse {name} JSON object")


def _decode_value(name: str, raw: Any) -> Any:
    if not isinstance(raw, str):
        return raw
    if name in JSON_FIELDS:
        return json.loads(raw)
    if name in INT_FIELDS:
        return _integer_or_text(raw)
    if name in BOOL_FIELDS:
        return raw.strip().lower() in ("true", "1")
    return raw


def _integer_or_text(raw: str) -> int | str:
    try:
        return int(raw)
    except ValueError:
        return raw
