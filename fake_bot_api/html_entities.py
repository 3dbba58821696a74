"""Bot API MessageEntity records and the small rules around them: TDLib's entity order, HTML
character references, UTF-16 lengths and which link targets Telegram keeps."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_TYPE_PRIORITY = {
    "mention": 50, "hashtag": 50, "bot_command": 50, "url": 50, "email": 50, "bold": 90,
    "italic": 91, "code": 20, "pre": 11, "text_link": 49, "text_mention": 49, "cashtag": 50,
    "phone_number": 50, "underline": 92, "strikethrough": 93, "blockquote": 0,
    "spoiler": 94, "custom_emoji": 99, "expandable_blockquote": 0,
}  # fmt: skip
NAMED_REFERENCES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_USER_LINK = re.compile(r"tg://user\?id=(\d{1,19})$", re.IGNORECASE)
_URL_SCHEMES = ("http", "https", "tg", "ton", "ftp")
_NUL = "\0"


@dataclass(frozen=True, slots=True)
class MessageEntity:
    """One Bot API MessageEntity; offsets and lengths in UTF-16 code units."""

    type: str
    offset: int
    length: int
    url: str | None = None
    language: str | None = None
    custom_emoji_id: str | None = None
    user_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type, "offset": self.offset, "length": self.length}
        if self.url is not None:
            data["url"] = self.url
        if self.language is not None:
            data["language"] = self.language
        if self.custom_emoji_id is not None:
            data["custom_emoji_id"] = self.custom_emoji_id
        if self.user_id is not None:
            data["user"] = {"id": self.user_id, "is_bot": False, "first_name": ""}
        return data


def utf16_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (a character outside the BMP counts 2)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def sort_entities(entities: list[MessageEntity]) -> tuple[MessageEntity, ...]:
    """TDLib's canonical entity order, which is also the order the Bot API answers with."""
    return tuple(
        sorted(entities, key=lambda e: (e.offset, -e.length, _TYPE_PRIORITY.get(e.type, 50)))
    )


def decode_references(raw: str) -> str:
    """Every reference TDLib recognises decoded; anything else kept literally."""
    pieces: list[str] = []
    position = 0
    while (ampersand := raw.find("&", position)) >= 0:
        decoded, stop = decode_reference(raw, ampersand)
        pieces.append(raw[position:ampersand])
        pieces.append(decoded if decoded is not None else "&")
        position = stop if decoded is not None else ampersand + 1
    pieces.append(raw[position:])
    return "".join(pieces)


def decode_reference(text: str, start: int) -> tuple[str | None, int]:
    """TDLib's decode_html_entity: the character and the index after it, or (None, start)."""

    def at(index: int) -> str:
        return text[index] if index < len(text) else _NUL

    stop = start + 1
    if at(stop) == "#":
        stop += 1
        hexadecimal = at(stop) == "x"
        if hexadecimal:
            stop += 1
        digits = "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
        while at(stop) != _NUL and at(stop) in digits:
            stop += 1
        number = text[start + (3 if hexadecimal else 2) : stop]
        code = int(number, 16 if hexadecimal else 10) if number else 0
        if code == 0 or code >= 0x10FFFF or stop - start >= 10:
            return None, start
        character = chr(code)
    else:
        while at(stop).isascii() and at(stop).isalpha():
            stop += 1
        named = NAMED_REFERENCES.get(text[start + 1 : stop])
        if named is None:
            return None, start
        character = named
    return character, stop + 1 if at(stop) == ";" else stop


def link_entity(url: str, offset: int, length: int) -> MessageEntity | None:
    """text_link (or text_mention for tg://user links); None when Telegram would drop the link."""
    user = _USER_LINK.match(url.strip())
    if user:
        return MessageEntity("text_mention", offset, length, user_id=int(user.group(1)))
    checked = checked_url(url.strip())
    return None if checked is None else MessageEntity("text_link", offset, length, url=checked)


def checked_url(url: str) -> str | None:
    if not url or any(character in url for character in " \n\t<>"):
        return None
    scheme, separator, rest = url.partition("://")
    if not separator:
        return f"http://{url}" if "." in url or url.startswith("localhost") else None
    if scheme.lower() not in _URL_SCHEMES or not rest:
        return None
    return url
