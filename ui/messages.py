"""Fitting HTML text into Telegram messages.

Telegram refuses a message whose text, *after* its HTML entities are parsed, exceeds 4,096 UTF-16
code units (an emoji outside the Basic Multilingual Plane counts two). Cutting HTML at an arbitrary
offset breaks tags ("can't parse entities"), so long replies are built from blocks that are each
valid HTML on their own and are only ever split between blocks.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

MESSAGE_LIMIT = 4096
"""Telegram's maximum message length, in UTF-16 code units of the parsed text."""

_TAG = re.compile(r"<[^>]*>")
_SENTENCE_END = re.compile(r"(?<=[.!?…»])\s+")


def utf16_length(text: str) -> int:
    """Length as Telegram counts it: characters outside the BMP (most emoji) count two."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def visible_length(html_text: str, *, strip: bool = True) -> int:
    """Length of what the reader sees: tags removed, entities decoded, and (as Telegram does for
    a whole message) outer whitespace stripped unless ``strip`` is False.

    Only valid for HTML this project generates (tags never contain a bare ``>``).
    """
    text = html.unescape(_TAG.sub("", html_text))
    return utf16_length(text.strip() if strip else text)


def pack_blocks(
    blocks: Sequence[str], *, limit: int = MESSAGE_LIMIT, separator: str = "\n\n"
) -> list[str]:
    """Group HTML blocks, in order, into as few messages as fit ``limit``.

    A block is never cut; one that alone exceeds the limit is a programming error (cards are
    bounded by construction) and raises ``ValueError`` rather than producing a message Telegram
    would refuse.
    """
    separator_length = utf16_length(html.unescape(separator))
    messages: list[str] = []
    current: list[str] = []
    current_length = 0
    for block in blocks:
        # Unstripped: a block's own outer whitespace counts once it sits between others.
        block_length = visible_length(block, strip=False)
        if block_length > limit:
            raise ValueError(f"a single block is longer than {limit} units: {block[:80]!r}")
        if current and current_length + separator_length + block_length > limit:
            messages.append(separator.join(current))
            current, current_length = [], 0
        current_length += block_length + (separator_length if current else 0)
        current.append(block)
    if current:
        messages.append(separator.join(current))
    return messages


def chunk_plain_text(text: str, *, limit: int) -> list[str]:
    """Cut plain text into pieces of at most ``limit`` UTF-16 units: between paragraphs when
    possible, else between sentences, else between words (a word longer than the limit is cut)."""
    pieces: list[str] = []
    for paragraph in (p.strip() for p in text.split("\n")):
        if paragraph:
            pieces.extend(_fit(paragraph, limit, level=0))
    return _merge(pieces, limit, "\n")


def _fit(text: str, limit: int, *, level: int) -> list[str]:
    if utf16_length(text) <= limit:
        return [text]
    if level == 0:
        parts, joiner = _SENTENCE_END.split(text), " "
    elif level == 1:
        parts, joiner = text.split(), " "
    else:
        return _cut_hard(text, limit)
    if len(parts) == 1:
        return _fit(text, limit, level=level + 1)
    fitted = [piece for part in parts for piece in _fit(part, limit, level=level + 1)]
    return _merge(fitted, limit, joiner)


def _cut_hard(text: str, limit: int) -> list[str]:
    """Cut a word longer than the limit, counting UTF-16 units as it goes (linear time)."""
    pieces: list[str] = []
    start = units = 0
    for index, char in enumerate(text):
        width = 2 if ord(char) > 0xFFFF else 1
        if units + width > limit:
            pieces.append(text[start:index])
            start, units = index, 0
        units += width
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def _merge(pieces: list[str], limit: int, joiner: str) -> list[str]:
    merged: list[str] = []
    for piece in pieces:
        if merged and utf16_length(merged[-1] + joiner + piece) <= limit:
            merged[-1] = merged[-1] + joiner + piece
        else:
            merged.append(piece)
    return merged
