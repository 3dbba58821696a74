"""Button payloads: short ASCII codes under Telegram's 64-byte limit, parsed strictly.

Anyone can forge callback data, and old buttons outlive the state they were made for; every
payload is parsed back into a typed value, and anything that does not parse (or names a topic
that no longer exists) is answered politely by the handler instead of raising.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

MAX_CALLBACK_BYTES = 64
ALL = "*"


@dataclass(frozen=True, slots=True)
class Page:
    """A page of a topic (``topic``) or of all topics (``topic == ALL``)."""

    topic: str
    offset: int


@dataclass(frozen=True, slots=True)
class SearchPage:
    terms: tuple[str, ...]
    offset: int
    broadened: bool


@dataclass(frozen=True, slots=True)
class ShowTopic:
    topic: str


@dataclass(frozen=True, slots=True)
class Toggle:
    """Flip a topic in the /abonner keyboard (``ALL``: all on or all off)."""

    topic: str


@dataclass(frozen=True, slots=True)
class KeyboardDone:
    pass


@dataclass(frozen=True, slots=True)
class OpenKeyboard:
    pass


@dataclass(frozen=True, slots=True)
class SubscribeAll:
    pass


@dataclass(frozen=True, slots=True)
class ConfirmDelete:
    article_id: int


@dataclass(frozen=True, slots=True)
class CancelDelete:
    pass


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
ADMIN_ACTIONS = (ConfirmDelete, CancelDelete)

_TOPIC = r"([a-z0-9_]{1,16}|\*)"
_NUMBER = r"(0|[1-9][0-9]{0,8})"
_PARSERS: list[tuple[re.Pattern[str], Callable[[tuple[str, ...]], Action]]] = [
    (re.compile(rf"p:{_TOPIC}:{_NUMBER}"), lambda g: Page(g[0], int(g[1]))),
    (
        re.compile(rf"r:{_NUMBER}:([01]):([a-z0-9 ]{{1,50}})"),
        lambda g: SearchPage(tuple(g[2].split()), int(g[0]), g[1] == "1"),
    ),
    (re.compile(rf"l:{_TOPIC}"), lambda g: ShowTopic(g[0])),
    (re.compile(rf"t:{_TOPIC}"), lambda g: Toggle(g[0])),
    (re.compile(r"t:\."), lambda g: KeyboardDone()),
    (re.compile(r"k"), lambda g: OpenKeyboard()),
    (re.compile(r"s:\*"), lambda g: SubscribeAll()),
    (re.compile(rf"x:d:{_NUMBER}"), lambda g: ConfirmDelete(int(g[0]))),
    (re.compile(r"x:n"), lambda g: CancelDelete()),
]


def encode(action: Action) -> str:
    """The payload for ``action``; raises ValueError if it would exceed 64 bytes."""
    match action:
        case Page(topic, offset):
            data = f"p:{topic}:{offset}"
        case SearchPage(terms, offset, broadened):
            data = f"r:{offset}:{int(broadened)}:{' '.join(terms)}"
        case ShowTopic(topic):
            data = f"l:{topic}"
        case Toggle(topic):
            data = f"t:{topic}"
        case KeyboardDone():
            data = "t:."
        case OpenKeyboard():
            data = "k"
        case SubscribeAll():
            data = "s:*"
        case ConfirmDelete(article_id):
            data = f"x:d:{article_id}"
        case CancelDelete():
            data = "x:n"
    if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
    return data


def decode(data: str | None) -> Action | None:
    """Parse a payload; None for anything this bot did not make."""
    if not data or len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        return None
    for pattern, build in _PARSERS:
        match = pattern.fullmatch(data)
        if match is not None:
            return build(match.groups())
    return None
