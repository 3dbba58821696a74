"""The checks Telegram makes before it accepts a message, a keyboard or a command list.

Pure functions raising :class:`ApiError` with Telegram's descriptions, so a bot that passes here
passes there: lengths are measured after entity parsing and trimming, in UTF-16 code units, and
callback data in UTF-8 bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fake_bot_api import errors
from fake_bot_api.errors import bad_request
from fake_bot_api.html_entities import utf16_length
from fake_bot_api.models import JsonDict
from fake_bot_api.telegram_html import TelegramHtmlError, parse_telegram_html

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
CALLBACK_ANSWER_LIMIT = 200
COMMANDS_LIMIT = 100
COMMAND_DESCRIPTION_LIMIT = 256
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_TRIMMED = " \t\r\n\v\f"
_BUTTON_ACTIONS = frozenset(
    {
        "url", "callback_data", "web_app", "login_url", "switch_inline_query",
        "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
        "callback_game", "pay",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class RenderedText:
    """Text as the recipient sees it, with its entities (Bot API JSON)."""

    text: str
    entities: tuple[JsonDict, ...]


def render_message_text(
    raw: str | None, parse_mode: str | None, entities: list[Any] | None, *, strict: bool
) -> RenderedText:
    """The text of sendMessage / editMessageText, refused as Telegram refuses it."""
    if raw is None:
        raise errors.ApiError(400, errors.MESSAGE_EMPTY)
    rendered = _trimmed(_parsed(raw, parse_mode, entities, strict))
    if not rendered.text:
        raise errors.ApiError(400, errors.MESSAGE_EMPTY)
    if utf16_length(rendered.text) > TEXT_LIMIT:
        raise errors.ApiError(400, errors.MESSAGE_TOO_LONG)
    return rendered


def render_caption(
    raw: str | None, parse_mode: str | None, entities: list[Any] | None, *, strict: bool
) -> RenderedText | None:
    """A media caption: optional, 1,024 UTF-16 units at most."""
    if raw is None:
        return None
    rendered = _trimmed(_parsed(raw, parse_mode, entities, strict))
    if utf16_length(rendered.text) > CAPTION_LIMIT:
        raise errors.ApiError(400, errors.CAPTION_TOO_LONG)
    return rendered if rendered.text else None


def check_reply_markup(markup: JsonDict | None) -> JsonDict | None:
    """Validates a reply_markup; returns the inline keyboard Telegram echoes back, else None
    (reply keyboards and ForceReply are accepted but never appear in the returned Message)."""
    if markup is None or "inline_keyboard" not in markup:
        return None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
    for row in rows:
        for button in row:
            _check_button(button)
    return markup if any(rows) else None


def check_commands(commands: list[Any] | None) -> list[JsonDict]:
    """setMyCommands' list: at most 100, names ^[a-z0-9_]{1,32}$, descriptions 1–256."""
    if commands is None:
        raise bad_request('parameter "commands" is required')
    if len(commands) > COMMANDS_LIMIT:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    checked: list[JsonDict] = []
    for command in commands:
        if not isinstance(command, dict):
            raise bad_request("can't parse BotCommand")
        name, description = command.get("command"), command.get("description")
        if not isinstance(name, str) or not _COMMAND_NAME.fullmatch(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not (
            0 < len(description.strip()) <= COMMAND_DESCRIPTION_LIMIT
        ):
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        checked.append({"command": name, "description": description.strip()})
    return checked


def check_callback_answer_text(text: str | None) -> None:
    if text is not None and len(text) > CALLBACK_ANSWER_LIMIT:
        raise bad_request("MESSAGE_TOO_LONG")


def _parsed(
    raw: str, parse_mode: str | None, entities: list[Any] | None, strict: bool
) -> RenderedText:
    if entities is not None or not parse_mode:
        return RenderedText(raw, tuple(_checked_entities(entities or [])))
    mode = parse_mode.lower()
    if mode in ("markdown", "markdownv2"):
        raise bad_request(
            f'parse_mode "{parse_mode}" is not supported by the local test server (use HTML)'
        )
    if mode != "html":
        raise bad_request("unsupported parse_mode")
    try:
        parsed = parse_telegram_html(raw, strict=strict)
    except TelegramHtmlError as error:
        raise errors.ApiError(400, error.description) from error
    return RenderedText(parsed.text, tuple(entity.to_json() for entity in parsed.entities))


def _checked_entities(entities: list[Any]) -> list[JsonDict]:
    for entity in entities:
        if not isinstance(entity, dict) or not isinstance(entity.get("type"), str):
            raise bad_request("can't parse entities JSON object")
        if not isinstance(entity.get("offset"), int) or not isinstance(entity.get("length"), int):
            raise bad_request("can't parse MessageEntity: offset and length must be integers")
    return entities


def _trimmed(rendered: RenderedText) -> RenderedText:
    """Telegram strips leading/trailing whitespace and clips the entities to what remains."""
    text = rendered.text.strip(_TRIMMED)
    if text == rendered.text:
        return rendered
    lead = len(rendered.text) - len(rendered.text.lstrip(_TRIMMED))  # ASCII: 1 unit each
    size = utf16_length(text)
    clipped: list[JsonDict] = []
    for entity in rendered.entities:
        start = max(0, entity["offset"] - lead)
        end = min(size, entity["offset"] + entity["length"] - lead)
        if end > start:
            clipped.append({**entity, "offset": start, "length": end - start})
    return RenderedText(text, tuple(clipped))


def _check_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 0 < len(data.encode("utf-8")) <= CALLBACK_DATA_LIMIT:
            raise errors.ApiError(400, errors.BUTTON_DATA_INVALID)
    elif "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not url.strip() or " " in url.strip():
            raise bad_request("BUTTON_URL_INVALID")
    elif not _BUTTON_ACTIONS.intersection(button):
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )


class RenderCache:
    """A fan-out sends one text to thousands of chats: parse it once, not per recipient.

    Only successes are kept (a refused text is re-checked each time); bounded by clearing.
    """

    def __init__(self, capacity: int = 256) -> None:
        self._capacity = capacity
        self._rendered: dict[tuple[str, str | None, bool], RenderedText] = {}

    def message_text(
        self, raw: str | None, parse_mode: str | None, entities: list[Any] | None, *, strict: bool
    ) -> RenderedText:
        """Same contract as :func:`render_message_text`."""
        if raw is None or entities is not None:
            return render_message_text(raw, parse_mode, entities, strict=strict)
        key = (raw, parse_mode, strict)
        rendered = self._rendered.get(key)
        if rendered is None:
            rendered = render_message_text(raw, parse_mode, None, strict=strict)
            if len(self._rendered) >= self._capacity:
                self._rendered.clear()
            self._rendered[key] = rendered
        return rendered
