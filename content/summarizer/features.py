"""An article as the summarizer's models read it: candidate sentences and where words occur.

Why a module of its own: reading is plain text work (segmenting, tokenizing, dropping sentences
that repeat the title or each other) that neither layer of the model should have to know about,
and training (``bench/train_summarizer.py``) must read articles exactly as serving does.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from content.summarizer.compression import tidy
from content.summarizer.sentences import WORD_TOKEN, Segment, segment_text, tokenize
from content.text import MAX_TEXT_BYTES, word_count

WINDOW = 12
"""Only the first sentences compete: later ones rarely carry the news, and each costs time."""
TITLE_REPEAT_RATIO = 0.75
"""A sentence whose distinct words are this much the title's merely repeats it."""
DUPLICATE_RATIO = 0.7
"""Two sentences sharing this share of the shorter one's distinct words say the same thing."""
QUOTES = '"«»“”'
SENTENCE_TRAITS = tuple(
    "opening_quote quoted opener question digits title_words colon parenthesis short long "
    "exclamation capitalised_share comma_density first_person time_word attribution number_word "
    "title_key_share".split()
)
"""What the candidate layer weighs of each sentence, as length-weighted shares. The later ones are
weak alone but worth +0.07 ROUGE-1 together on held-out training articles (``time_word`` most:
news leads and journalists' summaries both anchor the event in time)."""
SHORT_TOKENS = 12
LONG_TOKENS = 35

_DIGIT = re.compile(r"\d")
_QUOTE = re.compile(f"[{QUOTES}]")
_OPENERS = frozenset(
    "il elle ils elles on ce cette cet ces cela ça c mais et or donc ainsi pourtant cependant "
    "aussi alors puis enfin lui leur".split()
)
"""First words that point back to an earlier sentence: such a sentence reads badly alone."""
DANGLING_OPENERS = frozenset("il elle ils elles cela ça c lui leur celui celle ceux celles".split())
"""Pronouns that cannot open a summary: their antecedent is in a sentence the reader lacks."""
_FIRST_PERSON = frozenset("je j nous me m moi mon ma mes notre nos".split())
_TIME_WORDS = frozenset(
    "lundi mardi mercredi jeudi vendredi samedi dimanche hier aujourd demain janvier février mars "
    "avril mai juin juillet août septembre octobre novembre décembre".split()
)
_ATTRIBUTION = frozenset(
    "selon déclaré indiqué affirmé expliqué annoncé estimé précisé confié rapporte".split()
)


@dataclass(frozen=True, slots=True)
class Sentence:
    """A complete sentence allowed in a summary, with what the candidate layer reads of it."""

    text: str
    rank: int
    words: int
    tokens: tuple[str, ...]
    counts: Mapping[str, int]
    distinct: frozenset[str]
    traits: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Article:
    """An article as the models see it: candidate sentences and where each word occurs."""

    sentences: tuple[Sentence, ...]
    counts: Mapping[str, int]
    first_rank: Mapping[str, int]
    first_position: Mapping[str, int]
    capitalised: frozenset[str]
    lead_counts: Mapping[str, int]
    first_sentence: frozenset[str]
    title_words: frozenset[str]
    title_stems: frozenset[str]
    key_title_words: tuple[str, ...]
    """Title words of four letters or more that the body uses: what a summary should cover."""
    token_total: int


def within_reading_limit(body: str) -> str:
    """Keep the paragraphs within the first MAX_TEXT_BYTES characters of an oversized body.

    No article is that long (ingestion refuses them), so this only bounds the work on garbage.
    Cutting at a line keeps the sentences found exactly those of the whole body.
    """
    if len(body) <= MAX_TEXT_BYTES:
        return body
    cut = body.rfind("\n", 0, MAX_TEXT_BYTES)
    return body[:cut] if cut > 0 else body


def read_article(title: str, body: str) -> Article:
    """Segment ``body`` and gather what both layers need."""
    segments = segment_text(body)
    raw_tokens = [WORD_TOKEN.findall(segment.text) for segment in segments]
    lowered = [[token.lower() for token in raw] for raw in raw_tokens]
    title_words = frozenset(tokenize(title))
    sentences = candidate_sentences(segments, raw_tokens, lowered, title_words)
    counts: Counter[str] = Counter()
    for tokens in lowered:
        counts.update(tokens)
    first_rank, first_position = first_occurrences(lowered)
    return Article(
        sentences=sentences,
        counts=counts,
        first_rank=first_rank,
        first_position=first_position,
        capitalised=capitalised_words(raw_tokens),
        lead_counts=Counter(token for tokens in lowered[:2] for token in tokens),
        first_sentence=sentences[0].distinct if sentences else frozenset(),
        title_words=title_words,
        title_stems=frozenset(word[:6] for word in title_words if len(word) > 3),
        key_title_words=tuple(sorted(w for w in title_words if len(w) > 3 and w in counts)),
        token_total=max(1, sum(map(len, lowered))),
    )


def first_occurrences(lowered: Sequence[list[str]]) -> tuple[dict[str, int], dict[str, int]]:
    """For each word, the segment where it first occurs and its position among all tokens."""
    first_rank: dict[str, int] = {}
    first_position: dict[str, int] = {}
    position = 0
    for rank, tokens in enumerate(lowered):
        for word in set(tokens).difference(first_rank):
            first_rank[word] = rank
            first_position[word] = position + tokens.index(word) + 1
        position += len(tokens)
    return first_rank, first_position


def capitalised_words(raw_tokens: Sequence[list[str]]) -> frozenset[str]:
    """Words written with a capital inside a sentence: names, places, organisations."""
    return frozenset(token.lower() for raw in raw_tokens for token in raw[1:] if token[0].isupper())


def candidate_sentences(
    segments: Sequence[Segment],
    raw_tokens: Sequence[list[str]],
    lowered: Sequence[list[str]],
    title_words: frozenset[str],
) -> tuple[Sentence, ...]:
    """The first complete sentences that repeat neither the title nor an earlier sentence."""
    kept: list[Sentence] = []
    title_keys = [word for word in title_words if len(word) > 3]
    for rank, (segment, raw, tokens) in enumerate(zip(segments, raw_tokens, lowered, strict=True)):
        if len(kept) == WINDOW:
            break
        distinct = frozenset(tokens)
        if segment.is_heading or not tokens or repeats(distinct, title_words, TITLE_REPEAT_RATIO):
            continue
        if any(near_duplicates(distinct, other.distinct) for other in kept):
            continue
        text, raw, tokens = tidied(segment.text, raw, tokens)
        kept.append(make_sentence(text, rank, tuple(tokens), raw, title_words, title_keys))
    return tuple(kept)


def tidied(text: str, raw: list[str], tokens: list[str]) -> tuple[str, list[str], list[str]]:
    """The sentence as a summary would quote it (``compression.tidy``), with its tokens as
    written and lower-cased.

    A cut only removes words, so the tokens stay among the article's; the check keeps it so.
    """
    cut = tidy(text)
    if cut == text:
        return text, raw, tokens
    cut_raw = WORD_TOKEN.findall(cut)
    cut_tokens = [token.lower() for token in cut_raw]
    return (cut, cut_raw, cut_tokens) if set(cut_tokens) <= set(tokens) else (text, raw, tokens)


def repeats(distinct: frozenset[str], known: frozenset[str], ratio: float) -> bool:
    """Tell whether at least ``ratio`` of the ``distinct`` words already appear in ``known``."""
    return bool(distinct) and len(distinct & known) >= ratio * len(distinct)


def near_duplicates(first: frozenset[str], second: frozenset[str]) -> bool:
    """Tell whether the shorter of two sentences (as word sets) is mostly in the other."""
    shorter, longer = (first, second) if len(first) <= len(second) else (second, first)
    return repeats(shorter, longer, DUPLICATE_RATIO)


def make_sentence(
    text: str,
    rank: int,
    tokens: tuple[str, ...],
    raw: Sequence[str],
    title_words: frozenset[str],
    keys: Sequence[str],
) -> Sentence:
    """Describe a sentence by the traits the candidate layer weighs (``SENTENCE_TRAITS``).

    ``raw``: its tokens as written; ``keys``: the title's words of four letters or more (once per
    article, not per sentence).
    """
    counts = Counter(tokens)
    distinct = frozenset(counts)
    traits = (
        float(text[:1] in QUOTES),
        float(_QUOTE.search(text) is not None),
        float(tokens[0] in _OPENERS),
        float(text.rstrip(QUOTES + " ").endswith("?")),
        float(_DIGIT.search(text) is not None),
        sum(counts[word] for word in distinct & title_words) / len(tokens),
        *_style_traits(text, tokens, distinct, raw, keys),
    )
    # Without a hyphen, the tokens (taken from the same text) are exactly the words counted by
    # ``word_count``: skip a second pass over the text.
    words = word_count(text) if "-" in text else len(tokens)
    return Sentence(text, rank, words, tokens, counts, distinct, traits)


def _style_traits(
    text: str,
    tokens: tuple[str, ...],
    distinct: frozenset[str],
    raw: Sequence[str],
    keys: Sequence[str],
) -> tuple[float, ...]:
    """The traits after ``title_words``: punctuation, length, names, voice, time, sourcing."""
    size = len(tokens)
    capitals = sum(1 for token in raw[1:] if token[0].isupper())
    return (
        float(":" in text),
        float("(" in text),
        float(size < SHORT_TOKENS),
        float(size > LONG_TOKENS),
        float(text.rstrip(QUOTES + " ").endswith("!")),
        capitals / size,
        10 * text.count(",") / size,
        float(not _FIRST_PERSON.isdisjoint(distinct)),
        float(not _TIME_WORDS.isdisjoint(distinct)),
        float(not _ATTRIBUTION.isdisjoint(distinct)),
        float(any(token.isdigit() for token in tokens)),
        sum(word in distinct for word in keys) / len(keys) if keys else 0.0,
    )
