"""Turning whatever a reader types into a safe SQLite FTS5 query.

FTS5 has its own query language (AND, OR, NEAR, quotes, parentheses, ``*``, column filters); a
reader's « (AES) * "Mali » must neither raise a syntax error nor change the meaning. We keep only
word tokens and quote each one, so the query is always a plain conjunction of words.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"[^\W_]+")
_STOP_WORDS = frozenset(
    {"le", "la", "les", "de", "des", "du", "un", "une", "et", "ou", "en", "au", "aux", "qu"}
    | {"que", "qui", "ce", "se", "sa", "son", "ses", "sur", "par", "pour", "dans", "est"}
)
PREFIX_MIN_LENGTH = 4
"""Tokens this long also match longer words (« russe » finds « russes »): French inflects."""


def search_terms(user_text: str) -> list[str]:
    """The words of ``user_text`` worth searching, in order, without duplicates or stop words."""
    terms: list[str] = []
    for token in _TOKEN.findall(user_text.lower()):
        if len(token) < 2 or token in _STOP_WORDS or token in terms:
            continue
        terms.append(token)
    return terms[:12]


def fts_query(terms: list[str], *, any_term: bool = False) -> str:
    """Build an FTS5 MATCH expression: every term (or any term) quoted, long ones as prefixes."""
    quoted = [f'"{term}"*' if len(term) >= PREFIX_MIN_LENGTH else f'"{term}"' for term in terms]
    return (" OR " if any_term else " ").join(quoted)
