"""Finding the topics an article is about, with the catalog loaded by ``content.topics``.

The tagger works on word tokens rather than running one regular expression per topic: one
tokenisation pass and a dictionary lookup per word cost the same whatever the number of topics,
which keeps tagging cheap next to summarising and storing (it runs on every ingested article).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple

from content.models import TopicMention
from content.text import PHRASE_TOKEN, fold
from content.topics import Topic, TopicCatalog, term_words

LEAD_WORDS = 50
"""A topic named in the body's first 50 words (about a news lede) is tagged even if named once."""

MIN_MENTIONS = 2
"""Elsewhere a topic must be named this often: a single passing mention is not what it is about."""

_WORD = re.compile(r"\w+")
# Every combining-mark block; NFKD of a Latin letter never yields a mark outside them.
_COMBINING_MARKS = re.compile(
    "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+"
)


def _latin_fold_exceptions() -> tuple[tuple[str, str], ...]:
    """Find the Latin letters that ``fold`` reduces further than NFKD does (the ligatures œ, æ)."""
    letters = (chr(code) for code in range(0xC0, 0x250))
    return tuple(
        (letter, fold(letter))
        for letter in letters
        if _COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", letter)).casefold()
        != fold(letter)
    )


_LATIN_FOLD_EXCEPTIONS = _latin_fold_exceptions()


class _Count(NamedTuple):
    """Mentions of one topic inside one matched phrase."""

    topic: int  # position in the catalog
    sure: int
    ambiguous: int


Effect = tuple[_Count, ...]
"""What a matched phrase adds to each topic it names; empty for a pure negative."""


@dataclass(frozen=True, slots=True)
class _TopicTerms:
    """A topic's terms as token sequences, ready to be compared with an article's tokens."""

    phrases: tuple[tuple[tuple[str, ...], bool], ...]  # (folded words, sure?), longest first
    acronyms: frozenset[str]  # as written
    negatives: tuple[tuple[str, ...], ...]  # folded


@dataclass(frozen=True, slots=True)
class TopicMatcher:
    """Every phrase of every topic, indexed by its first folded word."""

    phrases: Mapping[tuple[str, ...], Effect]
    lengths: Mapping[str, tuple[int, ...]]  # first folded word -> phrase lengths, longest first
    acronyms: Mapping[str, Effect]  # word exactly as written -> effect


class Tagger:
    """Tags articles with the topics of one catalog; the phrase index is built once, here."""

    __slots__ = ("_keys", "_matcher")

    def __init__(self, catalog: TopicCatalog) -> None:
        self._keys = catalog.keys
        self._matcher = build_matcher(catalog.topics)

    def tag(self, title: str, body: str) -> tuple[TopicMention, ...]:
        """Tag an article with the topics it is about, most mentioned first (ties in catalog
        order).

        A topic is kept when it is named in the title, in the lead (the body's first
        ``LEAD_WORDS`` words) or at least ``MIN_MENTIONS`` times in all; its count is every
        mention, title included. Ambiguous words (« Wagner », « malien ») count only if the topic
        is also named plainly. ``title`` and ``body`` are expected in NFC, as
        ``content.text.normalize_text`` leaves them.
        """
        sure, ambiguous, prominent = _tally(self._matcher, len(self._keys), title, body)
        totals = [plain + extra for plain, extra in zip(sure, ambiguous, strict=True)]
        kept = [
            i
            for i, total in enumerate(totals)
            if sure[i] and (i in prominent or total >= MIN_MENTIONS)
        ]
        kept.sort(key=lambda i: -totals[i])
        return tuple(TopicMention(key=self._keys[i], count=totals[i]) for i in kept)


def _tally(
    matcher: TopicMatcher, size: int, title: str, body: str
) -> tuple[list[int], list[int], set[int]]:
    """Count sure and ambiguous mentions per topic, and note the topics seen in title or lead."""
    sure, ambiguous = [0] * size, [0] * size
    prominent: set[int] = set()
    title_tokens, body_tokens = _tokens(title), _tokens(body)
    for (written, folded), prominent_end in (
        (title_tokens, len(title_tokens[0])),
        (body_tokens, _lead_end(body_tokens[0])),
    ):
        for position, count in _scan(matcher, written, folded):
            sure[count.topic] += count.sure
            ambiguous[count.topic] += count.ambiguous
            if position < prominent_end:
                prominent.add(count.topic)
    return sure, ambiguous, prominent


def _tokens(text: str) -> tuple[list[str], list[str]]:
    """Tokens as written (for acronyms) and folded (for everything else), position for position."""
    written = PHRASE_TOKEN.findall(text)
    if not written:
        return [], []
    # NUL never occurs in a token and folding never creates one, so positions stay aligned.
    return written, _fold_latin("\0".join(written)).split("\0")


def _fold_latin(text: str) -> str:
    """Do what ``content.text.fold`` does to Latin script, in C-level passes over the string.

    ``fold`` walks the text character by character in Python, which alone would take most of the
    tagger's time budget. Tests check that both agree on every Latin character.
    """
    for letter, folded in _LATIN_FOLD_EXCEPTIONS:
        text = text.replace(letter, folded)
    return _COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", text)).casefold()


def _lead_end(tokens: list[str]) -> int:
    """Return the position of the first token after the lead."""
    words = 0
    for position, token in enumerate(tokens):
        if token[0].isalnum() or token[0] == "_":
            words += 1
            if words == LEAD_WORDS:
                return position + 1
    return len(tokens)


def _scan(
    matcher: TopicMatcher, written: list[str], folded: list[str]
) -> Iterator[tuple[int, _Count]]:
    """Yield (token position, count) for each phrase found, left to right.

    The longest phrase starting at a word wins and consumes its words, so « fleuve Niger » hides
    the « Niger » inside it. An acronym in brackets right after its own expansion, as in
    « Alliance des États du Sahel (AES) », is the same mention and is skipped.
    """
    starts, acronyms = matcher.lengths, matcher.acronyms
    candidates = [position for position, word in enumerate(folded) if word in starts]
    if not acronyms.keys().isdisjoint(written):
        found = (position for position, word in enumerate(written) if word in acronyms)
        candidates = sorted({*candidates, *found})
    next_free = 0
    for position in candidates:
        if position < next_free:
            continue
        length, effect = _match_at(matcher, written, folded, position)
        next_free = position + length
        if effect:
            next_free += _bracketed_repeat(matcher, written, folded, next_free, effect)
        for count in effect:
            yield position, count


def _match_at(
    matcher: TopicMatcher, written: list[str], folded: list[str], position: int
) -> tuple[int, Effect]:
    """Return the length and effect of the longest phrase starting at ``position`` (0 if none)."""
    acronym = matcher.acronyms.get(written[position])
    for length in matcher.lengths.get(folded[position], ()):
        effect = matcher.phrases.get(tuple(folded[position : position + length]))
        if effect is not None:
            if length == 1 and acronym is not None:
                effect = _merge(effect, acronym)
            return length, effect
    return (1, acronym) if acronym is not None else (0, ())


def _bracketed_repeat(
    matcher: TopicMatcher, written: list[str], folded: list[str], position: int, effect: Effect
) -> int:
    """Return 3 if ``position`` starts « ( X ) » where X names nothing but the topics just found."""
    if folded[position : position + 1] != ["("] or folded[position + 2 : position + 3] != [")"]:
        return 0
    length, inner = _match_at(matcher, written, folded, position + 1)
    found = {count.topic for count in effect}
    return 3 if length == 1 and inner and {count.topic for count in inner} <= found else 0


def _merge(first: Effect, second: Effect) -> Effect:
    """Combine two effects on the same word; a topic found both ways is still one mention."""
    merged = {count.topic: count for count in first}
    for count in second:
        known = merged.get(count.topic, count)
        merged[count.topic] = _Count(
            count.topic, max(known.sure, count.sure), max(known.ambiguous, count.ambiguous)
        )
    return tuple(merged[topic] for topic in sorted(merged))


# --- Building the matcher ---------------------------------------------------------------------


def _topic_terms(topic: Topic) -> _TopicTerms:
    phrases = {term_words(alias): True for alias in topic.aliases}
    phrases.update((term_words(word), False) for word in topic.ambiguous)
    return _TopicTerms(
        phrases=tuple(sorted(phrases.items(), key=lambda item: -len(item[0]))),
        acronyms=frozenset(topic.acronyms),
        negatives=tuple(term_words(negative) for negative in topic.negatives),
    )


def build_matcher(topics: tuple[Topic, ...]) -> TopicMatcher:
    """Index every phrase of every topic, each with what it means for all topics.

    Working out a phrase's effect on every topic once, here, is what lets a single left-to-right
    pass serve all topics: « Alliance des États du Sahel » counts for both aes and sahel, and a
    negative such as « Air France » cancels France without hiding anything else.
    """
    all_terms = tuple(_topic_terms(topic) for topic in topics)
    phrases: dict[tuple[str, ...], Effect] = {}
    acronyms: dict[str, Effect] = {}
    for topic in topics:
        for term in (*topic.aliases, *topic.ambiguous, *topic.negatives):
            folded = term_words(term)
            if folded not in phrases:
                phrases[folded] = _effect(folded, tuple(PHRASE_TOKEN.findall(term)), all_terms)
        for acronym in topic.acronyms:
            acronyms.setdefault(acronym, _effect((fold(acronym),), (acronym,), all_terms))
    lengths: dict[str, set[int]] = {}
    for folded in phrases:
        lengths.setdefault(folded[0], set()).add(len(folded))
    return TopicMatcher(
        phrases=MappingProxyType(phrases),
        lengths=MappingProxyType(
            {word: tuple(sorted(sizes, reverse=True)) for word, sizes in lengths.items()}
        ),
        acronyms=MappingProxyType(acronyms),
    )


def _effect(
    folded: tuple[str, ...], written: tuple[str, ...], all_terms: tuple[_TopicTerms, ...]
) -> Effect:
    """Count, for every topic, its mentions inside one phrase, unless the phrase is its negative."""
    effect = []
    for topic_index, terms in enumerate(all_terms):
        if any(_contains(folded, negative) for negative in terms.negatives):
            continue
        sure, ambiguous = _count_mentions(folded, written, terms)
        if sure or ambiguous:
            effect.append(_Count(topic_index, sure, ambiguous))
    return tuple(effect)


def _contains(words: tuple[str, ...], part: tuple[str, ...]) -> bool:
    return any(_starts_with(words, part, i) for i in range(len(words) - len(part) + 1))


def _starts_with(words: tuple[str, ...], part: tuple[str, ...], position: int) -> bool:
    return words[position : position + len(part)] == part


def _count_mentions(
    folded: tuple[str, ...], written: tuple[str, ...], terms: _TopicTerms
) -> tuple[int, int]:
    """Count a topic's (sure, ambiguous) mentions in a phrase, longest term first, no overlaps."""
    sure = ambiguous = 0
    position = 0
    while position < len(folded):
        found = next(
            (item for item in terms.phrases if _starts_with(folded, item[0], position)), None
        )
        if found is not None:
            sure, ambiguous = (sure + 1, ambiguous) if found[1] else (sure, ambiguous + 1)
            position += len(found[0])
        else:
            sure += written[position] in terms.acronyms
            position += 1
    return sure, ambiguous
