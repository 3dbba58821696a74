"""Telegram's HTML parse mode, rule for rule, as a pure function.

The rules, the error texts and the byte offsets follow TDLib's ``parse_html`` (the code behind the
Bot API), so a test that runs text through :func:`parse_telegram_html` learns exactly what Telegram
would answer. One deliberate addition: ``strict`` mode (the default) also refuses a bare ``&`` or
``>``. Telegram's documentation requires them escaped, but TDLib silently keeps them, which hides
escaping bugs until the day the text contains ``&lt;``; the strict error says so in its text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from fake_bot_api.html_entities import (
    NAMED_REFERENCES,
    MessageEntity,
    decode_reference,
    decode_references,
    link_entity,
    sort_entities,
    utf16_length,
)

__all__ = [
    "SUPPORTED_TAGS",
    "MessageEntity",
    "ParsedHtml",
    "TelegramHtmlError",
    "parse_telegram_html",
    "utf16_length",
]

SUPPORTED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins",
        "tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote",
    }
)  # fmt: skip
_SIMPLE_ENTITY_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic",
    "u": "underline", "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "tg-spoiler": "spoiler", "span": "spoiler",
}  # fmt: skip
# TDLib's sort_entities: offset ascending, length descending, then this priority ascending.
_SPACES = " \t\r\n\0\v\f"  # TDLib's is_space, NUL included: it reads a C string
_NUL = "\0"
_SPECIAL = re.compile(r"[<&]")
# Runs TDLib scans byte by byte, matched in C: a tag name (up to a space or '>'), spaces (NUL
# ends the text, so it is no space to skip), an attribute name, an unquoted name token.
_TAG_NAME = re.compile(r"[^ \t\r\n\v\f\0>]*")
_SPACE_RUN = re.compile(r"[ \t\r\n\v\f]*")
_ATTRIBUTE_NAME = re.compile(r"[^ \t\r\n\v\f\0=>]*")
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.-]*")
# Fast paths for the common shapes <b> and </b>; anything else takes the general road.
_BARE_START_TAG = re.compile(r"<([A-Za-z][A-Za-z-]*)>")
_BARE_END_TAG = re.compile(r"</([A-Za-z][A-Za-z-]*)>")
_COMMON_REFERENCE = re.compile(r"&(lt|gt|amp|quot);")
_STRICT_REFERENCE = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class TelegramHtmlError(ValueError):
    """Text Telegram would refuse; ``reason`` is Telegram's wording after "can't parse entities"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def description(self) -> str:
        """The ``description`` field of Telegram's 400 answer."""
        return f"Bad Request: can't parse entities: {self.reason}"


class ParsedHtml(NamedTuple):
    text: str
    entities: tuple[MessageEntity, ...]


@dataclass(slots=True)
class _OpenTag:
    name: str
    argument: str
    utf16_offset: int
    output_index: int  # where the tag's text starts in the output pieces


def parse_telegram_html(html: str, *, strict: bool = True) -> ParsedHtml:
    """Plain text and entities of ``html`` as Telegram's HTML parse mode would produce them.

    Raises :class:`TelegramHtmlError` with Telegram's own reason (byte offsets in UTF-8).
    """
    return _HtmlParser(html, strict).parse()


class _HtmlParser:
    """One pass over the source; positions are str indexes, reported as UTF-8 byte offsets."""

    def __init__(self, source: str, strict: bool) -> None:
        self.source = source
        self.strict = strict
        self.pieces: list[str] = []
        self.utf16_offset = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[MessageEntity] = []
        self.decoded_surrogate = False

    def parse(self) -> ParsedHtml:
        position, size = 0, len(self.source)
        while position < size:
            match = _SPECIAL.search(self.source, position)
            stop = match.start() if match else size
            if stop > position:
                self._emit_plain(position, stop)
            if match is None:
                break
            if self.source[stop] == "&":
                position = self._reference(stop)
            elif self._at(stop + 1) == "/":
                position = self._end_tag(stop)
            else:
                position = self._start_tag(stop)
        if self.stack:
            raise TelegramHtmlError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        if self.decoded_surrogate:
            raise TelegramHtmlError(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        return ParsedHtml("".join(self.pieces), sort_entities(self._without_stray_languages()))

    def _at(self, index: int) -> str:
        return self.source[index] if index < len(self.source) else _NUL

    def _byte_offset(self, index: int) -> int:
        return len(self.source[:index].encode("utf-8", "surrogatepass"))

    def _emit(self, text: str) -> None:
        self.pieces.append(text)
        # isascii() is O(1) on CPython's compact strings: most pieces skip the encoding.
        self.utf16_offset += len(text) if text.isascii() else utf16_length(text)

    def _emit_plain(self, start: int, stop: int) -> None:
        segment = self.source[start:stop]
        if self.strict and ">" in segment:
            offset = self._byte_offset(start + segment.index(">"))
            raise TelegramHtmlError(
                f'Unescaped ">" at byte offset {offset} (strict check of the local server: '
                "Telegram requires it written &gt;)"
            )
        self._emit(segment)

    def _reference(self, start: int) -> int:
        common = _COMMON_REFERENCE.match(self.source, start)
        if common:
            self._emit(NAMED_REFERENCES[common.group(1)])
            return common.end()
        decoded, stop = decode_reference(self.source, start)
        if self.strict and (decoded is None or not _STRICT_REFERENCE.match(self.source, start)):
            raise TelegramHtmlError(
                f'Unescaped "&" at byte offset {self._byte_offset(start)} (strict check of the '
                "local server: Telegram requires it written &amp;)"
            )
        if decoded is None:
            self._emit("&")
            return start + 1
        self.decoded_surrogate |= 0xD800 <= ord(decoded) <= 0xDFFF
        self._emit(decoded)
        return stop

    def _start_tag(self, begin: int) -> int:
        bare = _BARE_START_TAG.match(self.source, begin)
        if bare:
            name = bare.group(1).translate(_ASCII_LOWER)
            if name in SUPPORTED_TAGS and name != "span":
                self.stack.append(_OpenTag(name, "", self.utf16_offset, len(self.pieces)))
                return bare.end()
        index = _end_of(_TAG_NAME, self.source, begin + 1)
        if self._at(index) == _NUL:
            raise TelegramHtmlError(f"Unclosed start tag at byte offset {self._byte_offset(begin)}")
        name = self.source[begin + 1 : index].translate(_ASCII_LOWER)
        if name not in SUPPORTED_TAGS:
            raise TelegramHtmlError(
                f'Unsupported start tag "{name}" at byte offset {self._byte_offset(begin)}'
            )
        argument, index = self._attributes(name, begin, index)
        if name == "span" and argument != "spoiler":
            raise TelegramHtmlError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self._byte_offset(begin)}'
            )
        self.stack.append(_OpenTag(name, argument, self.utf16_offset, len(self.pieces)))
        return index + 1

    def _attributes(self, tag: str, begin: int, index: int) -> tuple[str, int]:
        """Reads attributes up to the closing '>'; returns the tag's argument and the '>' index."""
        argument = ""
        while self._at(index) != ">":
            index = self._skip_spaces(index)
            if self._at(index) == ">":
                break
            name_start = index
            index = _end_of(_ATTRIBUTE_NAME, self.source, index)
            attribute = self.source[name_start:index]
            if not attribute:
                raise TelegramHtmlError(
                    f'Empty attribute name in the tag "{tag}" at byte offset '
                    f"{self._byte_offset(begin)}"
                )
            index = self._skip_spaces(index)
            if self._at(index) != "=":
                argument = self._bare_attribute(tag, attribute, begin, index)
                continue
            index = self._skip_spaces(index + 1)
            if self._at(index) == _NUL:
                raise self._unclosed(tag, begin)
            value, index = self._attribute_value(index)
            if self._at(index) == _NUL:
                raise TelegramHtmlError(
                    f"Unclosed start tag at byte offset {self._byte_offset(begin)}"
                )
            argument = _tag_argument(tag, attribute, value, argument)
        return argument, index

    def _bare_attribute(self, tag: str, attribute: str, begin: int, index: int) -> str:
        """An attribute without '=': only blockquote's ``expandable`` may be written so."""
        if self._at(index) == _NUL:
            raise self._unclosed(tag, begin)
        if tag == "blockquote" and attribute == "expandable":
            return "1"
        raise TelegramHtmlError(
            f'Expected equal sign in declaration of an attribute of the tag "{tag}" at byte '
            f"offset {self._byte_offset(begin)}"
        )

    def _unclosed(self, tag: str, begin: int) -> TelegramHtmlError:
        return TelegramHtmlError(
            f'Unclosed start tag "{tag}" at byte offset {self._byte_offset(begin)}'
        )

    def _skip_spaces(self, index: int) -> int:
        return _end_of(_SPACE_RUN, self.source, index)

    def _attribute_value(self, index: int) -> tuple[str, int]:
        quote = self._at(index)
        if quote not in "'\"":
            start = index
            index = _end_of(_NAME_TOKEN, self.source, index)
            if self._at(index) not in _SPACES and self._at(index) != ">":
                raise TelegramHtmlError(
                    f"Unexpected end of name token at byte offset {self._byte_offset(start)}"
                )
            return self.source[start:index].translate(_ASCII_LOWER), index
        # A quoted string: references can hold no quote, so the first raw quote (or NUL) ends it.
        start = index + 1
        stop = self.source.find(quote, start)
        stop = len(self.source) if stop < 0 else stop
        nul = self.source.find(_NUL, start, stop)
        stop = stop if nul < 0 else nul
        raw = self.source[start:stop]
        value = decode_references(raw) if "&" in raw else raw
        return value, stop + 1 if self._at(stop) == quote else stop

    def _end_tag(self, begin: int) -> int:
        if not self.stack:
            raise TelegramHtmlError(f"Unexpected end tag at byte offset {self._byte_offset(begin)}")
        bare = _BARE_END_TAG.match(self.source, begin)
        if bare:
            end_name, index = bare.group(1).translate(_ASCII_LOWER), bare.end() - 1
        else:
            index = _end_of(_TAG_NAME, self.source, begin + 1)
            end_name = self.source[begin + 2 : index].translate(_ASCII_LOWER)
            index = self._skip_spaces(index)
            if self._at(index) != ">":
                raise TelegramHtmlError(
                    f"Unclosed end tag at byte offset {self._byte_offset(begin)}"
                )
        open_tag = self.stack.pop()
        if end_name and end_name != open_tag.name:
            raise TelegramHtmlError(
                f"Unmatched end tag at byte offset {self._byte_offset(begin)}, "
                f'expected "</{open_tag.name}>", found "</{end_name}>"'
            )
        if self.utf16_offset > open_tag.utf16_offset:
            self._close_entity(open_tag, self.utf16_offset - open_tag.utf16_offset)
        return index + 1

    def _close_entity(self, tag: _OpenTag, length: int) -> None:
        offset = tag.utf16_offset
        if tag.name in _SIMPLE_ENTITY_TYPES:
            self.entities.append(MessageEntity(_SIMPLE_ENTITY_TYPES[tag.name], offset, length))
        elif tag.name == "a":
            url = tag.argument or "".join(self.pieces[tag.output_index :])
            link = link_entity(url, offset, length)
            if link is not None:
                self.entities.append(link)
        elif tag.name in ("pre", "code"):
            self._close_code(tag, offset, length)
        elif tag.name == "blockquote":
            kind = "expandable_blockquote" if tag.argument else "blockquote"
            self.entities.append(MessageEntity(kind, offset, length))
        else:  # tg-emoji
            if not tag.argument.isdigit() or not 0 < int(tag.argument) < 2**63:
                raise TelegramHtmlError("Invalid custom emoji identifier specified")
            self.entities.append(
                MessageEntity("custom_emoji", offset, length, custom_emoji_id=tag.argument)
            )

    def _close_code(self, tag: _OpenTag, offset: int, length: int) -> None:
        """<pre><code class="language-x"> merges into one pre entity carrying the language."""
        last = self.entities[-1] if self.entities else None
        same_span = last is not None and (last.offset, last.length) == (offset, length)
        if tag.name == "pre" and same_span and last and last.type == "code" and last.language:
            self.entities[-1] = MessageEntity("pre", offset, length, language=last.language)
        elif tag.name == "code" and same_span and last and last.type == "pre" and tag.argument:
            self.entities[-1] = MessageEntity("pre", offset, length, language=tag.argument)
        elif tag.name == "pre":
            self.entities.append(MessageEntity("pre", offset, length))
        else:
            self.entities.append(
                MessageEntity("code", offset, length, language=tag.argument or None)
            )

    def _without_stray_languages(self) -> list[MessageEntity]:
        """A language survives only on pre: TDLib clears it from plain code entities."""
        return [
            MessageEntity("code", e.offset, e.length) if e.type == "code" and e.language else e
            for e in self.entities
        ]


def _tag_argument(tag: str, attribute: str, value: str, current: str) -> str:
    if (tag, attribute) in (("a", "href"), ("tg-emoji", "emoji-id")):
        return value
    if tag == "code" and attribute == "class" and value.startswith("language-"):
        return value[len("language-") :]
    if tag == "span" and attribute == "class" and value.startswith("tg-"):
        return value[len("tg-") :]
    if tag == "blockquote" and attribute == "expandable":
        return "1"
    return current


def _end_of(run: re.Pattern[str], text: str, index: int) -> int:
    match = run.match(text, index)
    return match.end() if match else index
