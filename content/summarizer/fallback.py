"""What a summary falls back on when whole sentences cannot make one within the budget.

Every card the bot and the digests show is a title and a summary: an empty summary leaves a hole
under the title, a 300-word one floods the digest. The extractive choice only quotes complete
sentences, and some articles have none (a bullet list, headings and a link, a pasted table, one
long run-on sentence without a full stop), or only one, too long for the budget. Then:

* a sentence over the budget is cut at a word boundary, at its last comma, semicolon or colon
  when that keeps most of it, and ends with « … »: it visibly continues in the article;
* an article without a usable sentence is summarised by its readable lines (list marks and web
  addresses removed, « ; » between lines that have no punctuation of their own), cut the same way;
* an article with nothing readable (emoji, numbers, links only) is summarised by its title.

Only the article's own words are used, as in the extractive summary.
"""

from __future__ import annotations

import itertools
import re

from content.summarizer.features import TITLE_REPEAT_RATIO, repeats
from content.summarizer.sentences import segment_text, tokenize
from content.text import word_count, word_spans

ELLIPSIS = "…"
_WEB_ADDRESS = re.compile(r"(?<!\w)(?:https?://|www\.)\S+", re.IGNORECASE)
_LIST_MARK = re.compile(r"^(?:[-*•·–—▪►✓✔>]+|\d{1,3}[.)])\s+")
_READABLE_WORD = re.compile(r"[^\W\d_]{2,}")
_CLAUSE_END = re.compile(r"[,;:](?=\s)")
_SPACES = re.compile(r"\s+")
_OWN_PUNCTUATION = re.compile(r"[.!?…:;,]['\"»”)\]]*$")
_TRAILING = " \u00a0\u202f,;:-–—([«\"“'"
CLAUSE_KEEP = 0.6
"""A cut moves back to the last clause end only if that keeps this share of the words."""
LINE_SEPARATOR = "\u202f; "
"""Between lines without punctuation of their own (list items): French puts a narrow no-break
space before « ; »."""


def is_readable(text: str) -> bool:
    """Tell whether ``text`` holds at least one word of two letters outside web addresses."""
    return _READABLE_WORD.search(_WEB_ADDRESS.sub(" ", text)) is not None


def clip_to_words(text: str, max_words: int) -> str:
    """``text`` if it has at most ``max_words`` words, else its start within them, with « … ».

    Words are counted as everywhere else (``content.text.word_count``), so the result passes
    the same budget check as any summary. The cut falls between two words separated by a space
    (not inside « l'armée »), at the last clause end when that keeps most of the words.
    """
    max_words = max(max_words, 1)  # a summary has at least a word
    spans = word_spans(text)
    if len(spans) <= max_words:
        return text
    first_left_out = spans[max_words][0]
    boundary = max(text.rfind(" ", 0, first_left_out), text.rfind("\n", 0, first_left_out))
    kept = text[:boundary] if boundary > 0 and word_count(text[:boundary]) else ""
    if not kept:  # no space within the budget: cut after the last word that fits
        kept = text[: spans[max_words - 1][1]]
    clause_ends = [match.start() for match in _CLAUSE_END.finditer(kept)]
    if clause_ends:
        at_clause = kept[: clause_ends[-1]]
        if word_count(at_clause) >= CLAUSE_KEEP * word_count(kept):
            kept = at_clause
    return _close(kept.rstrip(_TRAILING))


def _close(kept: str) -> str:
    """End a cut text with « … », closing a French quotation left open by the cut."""
    text = kept + ELLIPSIS
    if text.count("«") > text.count("»"):
        text += "\u202f»"
    return text


def lines_summary(title: str, body: str, max_words: int) -> str:
    """A summary of the body's readable lines when it has no usable sentence; else the title.

    A line that merely repeats the title, or an earlier line, is left out here as the choice
    leaves such sentences out: an article that only repeats its title is summarised by it.
    """
    title_words = frozenset(tokenize(title))
    pieces: list[str] = []
    seen: list[frozenset[str]] = []
    words = 0
    for segment in segment_text(body):
        piece = _LIST_MARK.sub("", _SPACES.sub(" ", _WEB_ADDRESS.sub(" ", segment.text)).strip())
        if not is_readable(piece):
            continue
        distinct = frozenset(tokenize(piece))
        if repeats(distinct, title_words, TITLE_REPEAT_RATIO) or distinct in seen:
            continue
        seen.append(distinct)
        pieces.append(piece)
        words += word_count(piece)
        if words > max_words:
            break
    if not pieces:
        return clip_to_words(title.strip(), max_words)
    text = pieces[0]
    for previous, piece in itertools.pairwise(pieces):
        separator = " " if _OWN_PUNCTUATION.search(previous) else LINE_SEPARATOR
        text += separator + piece
    return clip_to_words(text, max_words)
