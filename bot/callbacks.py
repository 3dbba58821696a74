"""Button payloads: short ASCII codes under Telegram's 64-byte limit, parsed strictly.

Each family of buttons is a dataclass with the pattern its handler is registered with
(``CallbackQueryHandler(pattern=Family.PATTERN)``, as in python-telegram-bot's inlinekeyboard2
example), how to write its payload and how to read one back from the pattern's match. Anyone can
forge callback data, and old buttons outlive the state they were made for: a payload that matches
no pattern goes to the stale-button handler, and one naming a topic that no longer exists is
answered politely by its handler.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

MAX_CALLBACK_BYTES = 64
ALL = "*"

_TOPIC = r"([a-z0-9_]{1,16}|\*)"
_NUMBER = r"(0|[1-9][0-9]{0,8})"


@dataclass(frozen=True, slots=True)
class Page:
    """A page of a topic (``topic``) or of all topics (``topic == ALL``)."""

    topic: str
    offset: int
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"p:{_TOPIC}:{_NUMBER}\Z")

    @property
    def data(self) -> str:
        return f"p:{self.topic}:{self.offset}"

    @classmethod
    def parse(cls, match: re.Match[str]) -> Page:
        return cls(match[1], int(match[2]))


@dataclass(frozen=True, slots=True)
class SearchPage:
    terms: tuple[str, ...]
    offset: int
    broadened: bool
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"r:{_NUMBER}:([01]):([a-z0-9 ]{{1,50}})\Z")

    @property
    def data(self) -> str:
        return f"r:{self.offset}:{int(self.broadened)}:{' '.join(self.terms)}"

    @classmethod
    def parse(cls, match: re.Match[str]) -> SearchPage:
        return cls(tuple(match[3].split()), int(match[1]), match[2] == "1")


@dataclass(frozen=True, slots=True)
class ShowTopic:
    topic: str
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"l:{_TOPIC}\Z")

    @property
    def data(self) -> str:
        return f"l:{self.topic}"

    @classmethod
    def parse(cls, match: re.Match[str]) -> ShowTopic:
        return cls(match[1])


@dataclass(frozen=True, slots=True)
class Toggle:
    """Flip a topic in the /abonner keyboard (``ALL``: all on or all off)."""

    topic: str
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"t:{_TOPIC}\Z")

    @property
    def data(self) -> str:
        return f"t:{self.topic}"

    @classmethod
    def parse(cls, match: re.Match[str]) -> Toggle:
        return cls(match[1])


@dataclass(frozen=True, slots=True)
class KeyboardDone:
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"t:\.\Z")

    @property
    def data(self) -> str:
        return "t:."

    @classmethod
    def parse(cls, match: re.Match[str]) -> KeyboardDone:
        return cls()


@dataclass(frozen=True, slots=True)
class OpenKeyboard:
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"k\Z")

    @property
    def data(self) -> str:
        return "k"

    @classmethod
    def parse(cls, match: re.Match[str]) -> OpenKeyboard:
        return cls()


@dataclass(frozen=True, slots=True)
class SubscribeAll:
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"s:\*\Z")

    @property
    def data(self) -> str:
        return "s:*"

    @classmethod
    def parse(cls, match: re.Match[str]) -> SubscribeAll:
        return cls()


@dataclass(frozen=True, slots=True)
class ConfirmDelete:
    article_id: int
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"x:d:{_NUMBER}\Z")

    @property
    def data(self) -> str:
        return f"x:d:{self.article_id}"

    @classmethod
    def parse(cls, match: re.Match[str]) -> ConfirmDelete:
        return cls(int(match[1]))


@dataclass(frozen=True, slots=True)
class CancelDelete:
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"x:n\Z")

    @property
    def data(self) -> str:
        return "x:n"

    @classmethod
    def parse(cls, match: re.Match[str]) -> CancelDelete:
        return cls()


Action = (
    Page
    | SearchPage
    | ShowTopic
    | Toggle
    | KeyboardDone
    | OpenKeyboard
    | SubscribeAll
    | ConfirmDelete
    | CancelDelete
)
FAMILIES: tuple[type[Action], ...] = (
    Page,
    SearchPage,
    ShowTopic,
    Toggle,
    KeyboardDone,
    OpenKeyboard,
    SubscribeAll,
    ConfirmDelete,
    CancelDelete,
)
ADMIN_ACTIONS = (ConfirmDelete, CancelDelete)


def encode(action: Action) -> str:
    """The payload for ``action``; raises ValueError if it would exceed 64 bytes."""
    data = action.data
    if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
    return data


def decode(data: str | None) -> Action | None:
    """Parse a payload as the handlers' patterns do; None for anything this bot did not make."""
    if not data or len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        return None
    for family in FAMILIES:
        match = family.PATTERN.match(data)
        if match is not None:
            return family.parse(match)
    return None
