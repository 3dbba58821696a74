"""Text hygiene shared by ingestion, the summarizer, the tagger and search.

Scraped and pasted French text arrives with every Unicode variant of the same letter, curly and
straight apostrophes, non-breaking spaces around « guillemets » and stray control characters.
Normalising once, at the door, lets every later stage compare plain strings.
"""

from __future__ import annotations

import re
import unicodedata

MAX_TEXT_BYTES = 200_000
"""Articles larger than this (UTF-8) are refused: no news article is that long, a log dump is."""

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'"})
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})
_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u200e\u200f\ufeff]")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")
_USUAL_MARKS = re.compile("[\u0300-\u034e\u0350-\u036f]+")
"""The combining diacritical marks block, but U+034F (the grapheme joiner is no mark)."""
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
PHRASE_TOKEN = re.compile(r"\w+|[.,;:!?()\[\]{}«»\"“”…–—/|]")
"""Words, plus sentence punctuation as separate tokens, so that no topic phrase matches across a
full stop or a bracket. Everything else, hyphens and apostrophes included, only separates words:
« Burkina-Faso » is « Burkina Faso », « l'AES » is « l » « AES »."""


def normalize_text(text: str) -> str:
    """Return ``text`` in NFC with straight apostrophes, single spaces and at most one blank line.

    Line breaks are kept: they carry the article's structure (title, headings, paragraphs).
    """
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text.translate(_APOSTROPHES))
    lines = (_HORIZONTAL_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    return _MANY_BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def fold(text: str) -> str:
    """Lower-case ``text`` and strip its accents, so « Goïta » and « goita » compare equal.

    Every combining mark goes (``unicodedata.combining``), but character by character only
    where needed: the usual accents by one regular expression, and the other marks among the
    few non-ASCII characters left. Testing each character of an article cost a fingerprint most
    of its time (a third of a millisecond per 600 words)."""
    # Ligatures are spelled out after decomposition, so « Ǣ » (Æ with a macron) folds like « æ ».
    decomposed = unicodedata.normalize("NFKD", text).translate(_LIGATURES)
    if not decomposed.isascii():
        decomposed = _USUAL_MARKS.sub("", decomposed)
        if not decomposed.isascii():
            decomposed = _NON_ASCII.sub(_without_marks, decomposed)
    return decomposed.casefold()


def _without_marks(match: re.Match[str]) -> str:
    return "".join(ch for ch in match.group() if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """Split ``text`` into word tokens; hyphenated compounds stay whole, apostrophes split."""
    return _WORD.findall(text)


def word_count(text: str) -> int:
    """Count words the way a reader would (« l'Alliance » is two, « Russie-Afrique » one)."""
    return len(_WORD.findall(text))


def word_spans(text: str) -> list[tuple[int, int]]:
    """Where each word ``word_count`` counts starts and ends, so text can be cut by words."""
    return [match.span() for match in _WORD.finditer(text)]


def looks_binary(data: bytes) -> bool:
    """Tell whether raw bytes are a binary file rather than text (NUL bytes or many controls).

    NUL is looked for everywhere (callers cap the size first): a PDF or a text with an image
    pasted after its first pages starts like text, and its binary tail would otherwise be read
    as a legacy encoding or refused as « not UTF-8 », which sends the admin the wrong way.
    """
    if b"\x00" in data:
        return True
    sample = data[:8192]
    if not sample:
        return False
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 13))
    return controls / len(sample) > 0.05
