"""Finding the topics an article is about, with the catalog loaded by ``content.topics``.

The tagger works on word tokens rather than running one regular expression per topic: one
tokenisation pass and a dictionary lookup per word cost the same whatever the number of topics,
which keeps tagging cheap next to summarising and storing (it runs on every ingested article).

An article is about a topic it names in its title or keeps naming; a name said once, a country in
a list of the region's (« entre Mali, Niger et Burkina Faso »), a capitalised « Poutine » opening
a sentence prove nothing on their own. ``bench/tagging_quality.py`` measures the precision and
recall of these rules on hand-labelled articles.
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

BRIEF_WORDS = 60
"""A body this short (a brief, a caption) is all lede: a topic it names once is its subject."""

MIN_MENTIONS = 2
"""Elsewhere a topic must be named this often, or in the title: a single mention in a full
article is a passing one (« …des tablettes offertes par la Russie » in a piece on Malian schools).
Until 2026-12 a single mention in the first 50 words counted too; on the labelled sample
(``bench/tagging_quality.py``) that rule found one topic for eleven wrong ones."""

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

        A topic is kept when it is named in the title, at least ``MIN_MENTIONS`` times in all,
        or anywhere in a brief (a body of at most ``BRIEF_WORDS`` words); its count is every
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
    """Count sure and ambiguous mentions per topic, and note the topics seen in the title (or in
    the body of a brief)."""
    sure, ambiguous = [0] * size, [0] * size
    prominent: set[int] = set()
    title_tokens, body_tokens = _tokens(title), _tokens(body)
    for (written, folded), prominent_end in (
        (title_tokens, len(title_tokens[0])),
        (body_tokens, len(body_tokens[0]) if _is_brief(body_tokens[0]) else 0),
    ):
        matches = list(_scan(matcher, written, folded))
        listed = _enumerated(matches, written, folded)
        for index, (start, _end, effect) in enumerate(matches):
            for count in _only_ambiguous(effect) if index in listed else effect:
                sure[count.topic] += count.sure
                ambiguous[count.topic] += count.ambiguous
                if start < prominent_end:
                    prominent.add(count.topic)
    return sure, ambiguous, prominent


LIST_GLUE = frozenset(
    {",", "et", "ou", "du", "de", "des", "d", "la", "le", "l", "les", "au", "aux"}
)
"""Folded words that may join the items of a list of places (« du Mali, du Niger et du Tchad »);
a capitalised word between them is an item no topic names (« Mali, Mauritanie, Niger »)."""
LIST_GAP = 4
"""At most this many tokens between two items of a list."""
LIST_MIN_TOPICS = 3
"""A run of mentions of this many different topics, joined as ``LIST_GLUE`` says, is a list."""


def _enumerated(
    matches: list[tuple[int, int, Effect]], written: list[str], folded: list[str]
) -> set[int]:
    """The indexes of the matches that are items of a list of topics.

    « La zone des trois frontières entre Mali, Niger et Burkina Faso » or « le G5 Sahel
    (Mauritanie, Mali, Burkina Faso, Niger, Tchad) » name each country for the region's sake: such
    mentions count only beside a mention of the country on its own, like ambiguous words.
    """
    listed: set[int] = set()
    run: list[int] = []
    for index, (start, _end, _effect) in enumerate(matches):
        if run and _joined(written, folded, matches[run[-1]][1], start):
            run.append(index)
            continue
        listed.update(_list_items(matches, run))
        run = [index]
    listed.update(_list_items(matches, run))
    return listed


def _joined(written: list[str], folded: list[str], end: int, start: int) -> bool:
    return start - end <= LIST_GAP and all(
        folded[i] in LIST_GLUE or written[i][:1].isupper() for i in range(end, start)
    )


def _list_items(matches: list[tuple[int, int, Effect]], run: list[int]) -> list[int]:
    """``run`` if its items plainly name enough different topics (« des mercenaires russes du
    groupe Wagner » is one item, however many topics its words touch)."""
    topics = {count.topic for index in run for count in matches[index][2] if count.sure}
    return run if len(topics) >= LIST_MIN_TOPICS else []


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


def _is_brief(tokens: list[str]) -> bool:
    """Tell whether the body has at most ``BRIEF_WORDS`` words (punctuation tokens aside)."""
    words = 0
    for token in tokens:
        if token[0].isalnum() or token[0] == "_":
            words += 1
            if words > BRIEF_WORDS:
                return False
    return True


def _scan(
    matcher: TopicMatcher, written: list[str], folded: list[str]
) -> Iterator[tuple[int, int, Effect]]:
    """Yield (first token, token after it, effect) for each phrase found, left to right.

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
            yield position, position + length, effect


def _match_at(
    matcher: TopicMatcher, written: list[str], folded: list[str], position: int
) -> tuple[int, Effect]:
    """Return the length and effect of the longest phrase starting at ``position`` (0 if none)."""
    acronym = matcher.acronyms.get(written[position])
    if acronym is not None and _capitalised_anyway(written, position):
        acronym = _only_ambiguous(acronym)
    for length in matcher.lengths.get(folded[position], ()):
        effect = matcher.phrases.get(tuple(folded[position : position + length]))
        if effect is not None:
            if length == 1 and acronym is not None:
                effect = _merge(effect, acronym)
            return length, effect
    return (1, acronym) if acronym is not None else (0, ())


_SENTENCE_OPENERS = frozenset({".", "!", "?", "…", "«", '"', "“"})
"""Tokens after which any word takes a capital. Not « : »: French writes the next word in lower
case unless it is a name, so « Ukraine : Poutine menace » is the president."""


def _capitalised_anyway(written: list[str], position: int) -> bool:
    """Tell whether a capitalised (not all-capitals) word opens a title or a sentence, where
    its capital says nothing: « Poutine, tourtière et sirop d'érable » is the dish."""
    word = written[position]
    if not word[:1].isupper() or word.isupper():
        return False
    return position == 0 or written[position - 1] in _SENTENCE_OPENERS


def _only_ambiguous(effect: Effect) -> Effect:
    """The same mentions, counting only beside a plain mention of their topic."""
    return tuple(_Count(c.topic, 0, c.sure + c.ambiguous) for c in effect)


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
