"""``fold`` takes the fast path of regular expressions; it must fold exactly as the plain
definition does (drop every combining mark after NFKD, spell ligatures out, casefold), or
fingerprints of stored articles would change and a text pasted again would not be recognised."""

from __future__ import annotations

import sys
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from content.text import _LIGATURES, fold


def folded_by_definition(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text).translate(_LIGATURES)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def test_every_code_point_folds_as_the_definition_says() -> None:
    points = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    for start in range(0, len(points), 512):
        chunk = "a".join(points[start : start + 512])
        assert fold(chunk) == folded_by_definition(chunk), hex(start)


def test_the_grapheme_joiner_in_the_accents_block_is_kept() -> None:
    assert fold("e\u034fe\u0301") == "e\u034fe"


@given(st.text())
def test_any_text_folds_as_the_definition_says(text: str) -> None:
    assert fold(text) == folded_by_definition(text)


def test_french_examples() -> None:
    assert fold("Goïta, l’Œuvre « Ségou »") == "goita, l’oeuvre « segou »"
