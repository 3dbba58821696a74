"""Turning whatever a reader types into the words to search for.

FTS5 has its own query language (AND, OR, NEAR, quotes, parentheses, ``*``, ``^``, column
filters); a reader's « (AES) * "Mali » must neither raise a syntax error nor change the meaning.
We keep only word tokens (the store quotes each one), so the query is always a plain conjunction
of words. Tokens are taken from the *folded* text: decomposed accents (« i » + U+0308, as some
keyboards send them) would otherwise cut « Goïta » in two, and stop words are recognised whatever
the case or accents (« Où », « LES »).
"""

from __future__ import annotations

import re

from content.text import fold

_TOKEN = re.compile(r"[^\W_]+")
_STOP_WORDS = frozenset(
    {"le", "la", "les", "de", "des", "du", "un", "une", "et", "ou", "en", "au", "aux", "qu"}
    | {"que", "qui", "ce", "se", "sa", "son", "ses", "sur", "par", "pour", "dans", "est"}
)
MAX_TERMS = 12
"""More words than any real query; bounds the work a pasted page of text can cause."""


def search_terms(user_text: str) -> list[str]:
    """The folded words of ``user_text`` worth searching, in order, without duplicates or stop
    words (« L’Armée » gives ``["armee"]``: the index ignores accents too)."""
    terms: list[str] = []
    for token in _TOKEN.findall(fold(user_text)):
        if len(token) < 2 or token in _STOP_WORDS or token in terms:
            continue
        terms.append(token)
        if len(terms) == MAX_TERMS:
            break
    return terms
