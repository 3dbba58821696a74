"""Per-feed keyword filters: keep only the items that mention some words, drop those that
mention others (the feature readers of feed bots ask for most).

Matching is on whole words and phrases, accent- and case-insensitive: « Mali » matches « MALI »
and « au Mali, » but not « Malien » nor « Somalie »; « coup d'État » matches « coup d'etat » and
« Coup d’État ». Apostrophes and hyphens separate words, so « Burkina-Faso » matches
« Burkina Faso ». There is no stemming: an admin who wants « malien » too lists it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from content.text import fold
from feeds.models import FeedItem

_WORD = re.compile(r"[^\W_]+")
_QUOTED = re.compile(r"«([^»]*)»?|\"([^\"]*)\"?|“([^”]*)”?")
"""« … », "…" and “…” enclose a phrase; an unclosed quote runs to the end. Single quotes do not:
they are apostrophes in French (« d'État »)."""
_LIST_SEPARATOR = re.compile(r"[,;]")


def passes(item: FeedItem, *, include: Sequence[str], exclude: Sequence[str]) -> bool:
    """Whether ``item`` is kept: it mentions one of ``include`` (any item, when ``include`` is
    empty) and none of ``exclude``; exclusion wins. Title, standfirst and text are searched.

    A word without a single letter or digit (« … », « - ») matches nothing and is ignored.
    """
    include_phrases = [phrase for phrase in map(_phrase, include) if phrase]
    exclude_phrases = [phrase for phrase in map(_phrase, exclude) if phrase]
    if not include_phrases and not exclude_phrases:
        return True
    haystack = _phrase("\n".join((item.title, item.standfirst or "", item.text)))
    padded = f" {haystack} "
    if any(f" {phrase} " in padded for phrase in exclude_phrases):
        return False
    return not include_phrases or any(f" {phrase} " in padded for phrase in include_phrases)


def parse_words(text: str) -> tuple[str, ...]:
    """Split an admin's argument into words and phrases, in order, each once.

    * Quoted text (« … », "…", “…”) is one phrase: ``« coup d'État » Mali``.
    * Otherwise, if the argument has a comma or semicolon, each piece between them is one
      phrase: ``Mali, Burkina Faso`` gives « Mali » and « Burkina Faso ».
    * Otherwise spaces separate words: ``mali niger`` gives « mali » and « niger ».

    Spacing is tidied, the spelling kept (matching ignores case and accents anyway); pieces
    with no letter or digit are dropped, and so are repeats (compared the way matching does).
    """
    unquoted = _QUOTED.sub(" ", text)
    by_separator = bool(_LIST_SEPARATOR.search(unquoted))
    pieces: list[str] = []
    position = 0
    for match in _QUOTED.finditer(text):
        pieces += _split_unquoted(text[position : match.start()], by_separator)
        pieces.append(next(group for group in match.groups() if group is not None))
        position = match.end()
    pieces += _split_unquoted(text[position:], by_separator)
    found: dict[str, str] = {}
    for piece in pieces:
        tidy = " ".join(piece.split())
        key = _phrase(tidy)
        if key and key not in found:
            found[key] = tidy
    return tuple(found.values())


def _split_unquoted(text: str, by_separator: bool) -> list[str]:
    return _LIST_SEPARATOR.split(text) if by_separator else text.split()


def _phrase(text: str) -> str:
    """The folded words of ``text`` joined by single spaces: what matching compares."""
    return " ".join(_WORD.findall(fold(text)))
