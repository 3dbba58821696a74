"""Extractive French summaries: the few sentences of an article that best stand for it.

Why extractive: the bot must never put words in a journalist's mouth, and a summary must cost
about a millisecond of CPU. Why learned: position alone (LEAD) leaves a lot on the table in news,
where the first sentence is often a hook (« La vidéo est devenue virale. »).

How. ROUGE-1, the yardstick, only sees a summary's bag of words, so the first layer scores words:
for each word of the article, the chance that the journalist's own summary uses it once, twice,
three times, from a learned prior for frequent words, the word's count, where it first appears,
whether the title uses it, its capitalisation. A candidate (one to three of the first sentences,
within the word budget) is worth its expected matching words over its length, plus learned
corrections (positions, quotes, pronoun openings, title coverage). Both layers are linear models
fitted on the 21,401 OrangeSum training articles by ``bench/train_summarizer.py``; the weights ship
in ``summarizer_model.json``.

Measured by ``python -m bench.summary_quality`` on the 1,500 OrangeSum validation articles
(F1 x100, unstemmed / Snowball-stemmed): ROUGE-1 31.9 / 34.0, ROUGE-2 11.1 / 11.5, ROUGE-L
20.3 / 21.6, against LEAD-2 28.0 / 30.2; about 1.8 ms of CPU per article.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from operator import mul
from types import MappingProxyType

from content.sentences import Segment, segment_text
from content.text import MAX_TEXT_BYTES, word_count

MODEL_RESOURCE = "summarizer_model.json"
DEFAULT_MIN_WORDS = 25
DEFAULT_MAX_WORDS = 60
"""The best-scoring readable budget on OrangeSum valid (ROUGE-1, unstemmed): 25-60 words 31.87,
35-60 31.79, 0-60 31.88, 30-55 31.61, 25-50 31.17, 20-45 30.77; 0-70 reaches 31.96 but 70 words
is long for a digest. Journalists' summaries average 34 words: a longer extract gains recall
faster than it loses precision."""
WINDOW = 12
"""Only the first sentences compete: later ones rarely carry the news, and each costs time."""
MAX_SENTENCES = 3
"""Enough for 60 words of news; ``CandidateScorer`` is written for at most three."""
MAX_USES = 3
"""Uses of a word beyond the third almost never match the reference: they earn nothing."""
TITLE_REPEAT_RATIO = 0.75
"""A sentence whose distinct words are this much the title's merely repeats it."""
DUPLICATE_RATIO = 0.7
"""Two sentences sharing this share of the shorter one's distinct words say the same thing."""
QUOTES = '"«»“”'

_TOKEN = re.compile(r"[^\W_]+")
_DIGIT = re.compile(r"\d")
_QUOTE = re.compile(f"[{QUOTES}]")
_OPENERS = frozenset(
    "il elle ils elles on ce cette cet ces cela ça c mais et or donc ainsi pourtant cependant "
    "aussi alors puis enfin lui leur".split()
)
"""First words that point back to an earlier sentence: such a sentence reads badly alone."""

USE_FEATURES = tuple(
    "bias second_use third_use lexical unknown lexical_x_log_count unknown_x_log_count".split()
)
WORD_FEATURES = tuple(
    "in_title in_title_x_log_count title_stem log_count log_count_sq first_rank_1 first_rank_2 "
    "first_rank_3_4 first_rank_5_9 first_rank_10_plus first_position capitalised "
    "capitalised_in_title number word_length log_article_length term_frequency log_lead_count "
    "in_first_sentence".split()
)
SENTENCE_TRAITS = tuple("opening_quote quoted opener question digits title_words".split())
RANK_SHARES = ((0, 0), (1, 1), (2, 2), (3, 3), (4, 5))
CANDIDATE_FEATURES = (
    "expected_f1",
    "expected_precision",
    "expected_overlap",
    "length",
    "length_sq",
    "two_sentences",
    "three_sentences",
    "has_first",
    "has_second",
    "has_third",
    "first_index",
    "last_index",
    "contiguous",
    "starts_with_opener",
    "title_coverage",
    *(f"share_{trait}" for trait in SENTENCE_TRAITS),
    *(f"share_rank_{low}_{high}" for low, high in RANK_SHARES),
)
_SHARES_AT = CANDIDATE_FEATURES.index("share_opening_quote")


@dataclass(frozen=True, slots=True)
class SummaryModel:
    """Learned weights: a log-odds prior per frequent word and use, and two linear layers."""

    word_logits: Mapping[str, tuple[float, ...]]
    use_weights: tuple[float, ...]
    word_weights: tuple[float, ...]
    candidate_weights: tuple[float, ...]
    reference_length: float


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


def summarize(
    title: str,
    body: str,
    *,
    min_words: int = DEFAULT_MIN_WORDS,
    max_words: int = DEFAULT_MAX_WORDS,
    model: SummaryModel | None = None,
) -> str:
    """Return the sentences of ``body`` that best summarise it, in article order.

    Sentences are never cut: the summary stays within ``max_words`` unless no sentence fits (then
    the best single sentence comes whole) and reaches ``min_words`` when some choice allows it.
    A body without any complete sentence yields "": the title already says what there is, and a
    heading or a truncated fragment would mislead. ``model`` defaults to the shipped weights.
    """
    article = read_article(title, within_reading_limit(body))
    if not article.sentences:
        return ""
    chosen = choose_sentences(article, model or load_model(), min_words, max_words)
    return " ".join(article.sentences[i].text for i in chosen)


def within_reading_limit(body: str) -> str:
    """Keep the paragraphs within the first MAX_TEXT_BYTES characters of an oversized body.

    No article is that long (ingestion refuses them), so this only bounds the work on garbage.
    Cutting at a line keeps the sentences found exactly those of the whole body.
    """
    if len(body) <= MAX_TEXT_BYTES:
        return body
    cut = body.rfind("\n", 0, MAX_TEXT_BYTES)
    return body[:cut] if cut > 0 else body


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens, accents kept, split on apostrophes and hyphens (like ROUGE)."""
    return _TOKEN.findall(text.lower())


def read_article(title: str, body: str) -> Article:
    """Segment ``body`` and gather what both layers need."""
    segments = segment_text(body)
    raw_tokens = [_TOKEN.findall(segment.text) for segment in segments]
    lowered = [[token.lower() for token in raw] for raw in raw_tokens]
    title_words = frozenset(tokenize(title))
    sentences = candidate_sentences(segments, lowered, title_words)
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
    segments: Sequence[Segment], lowered: Sequence[list[str]], title_words: frozenset[str]
) -> tuple[Sentence, ...]:
    """The first complete sentences that repeat neither the title nor an earlier sentence."""
    kept: list[Sentence] = []
    for rank, (segment, tokens) in enumerate(zip(segments, lowered, strict=True)):
        if len(kept) == WINDOW:
            break
        distinct = frozenset(tokens)
        if segment.is_heading or not tokens or repeats(distinct, title_words, TITLE_REPEAT_RATIO):
            continue
        if any(near_duplicates(distinct, other.distinct) for other in kept):
            continue
        kept.append(make_sentence(segment.text, rank, tuple(tokens), title_words))
    return tuple(kept)


def repeats(distinct: frozenset[str], known: frozenset[str], ratio: float) -> bool:
    """Tell whether at least ``ratio`` of the ``distinct`` words already appear in ``known``."""
    return bool(distinct) and len(distinct & known) >= ratio * len(distinct)


def near_duplicates(first: frozenset[str], second: frozenset[str]) -> bool:
    """Tell whether the shorter of two sentences (as word sets) is mostly in the other."""
    shorter, longer = (first, second) if len(first) <= len(second) else (second, first)
    return repeats(shorter, longer, DUPLICATE_RATIO)


def make_sentence(
    text: str, rank: int, tokens: tuple[str, ...], title_words: frozenset[str]
) -> Sentence:
    """Describe a sentence by the traits the candidate layer weighs (``SENTENCE_TRAITS``)."""
    counts = Counter(tokens)
    distinct = frozenset(counts)
    traits = (
        float(text[:1] in QUOTES),
        float(_QUOTE.search(text) is not None),
        float(tokens[0] in _OPENERS),
        float(text.rstrip(QUOTES + " ").endswith("?")),
        float(_DIGIT.search(text) is not None),
        sum(counts[word] for word in distinct & title_words) / len(tokens),
    )
    # Without a hyphen, the tokens (taken from the same text) are exactly the words counted by
    # ``word_count``: skip a second pass over the text.
    words = word_count(text) if "-" in text else len(tokens)
    return Sentence(text, rank, words, tokens, counts, distinct, traits)


# --- Word layer: how likely is the reference summary to use each word? -----------------------


def use_features(word: str, use: int, article: Article, model: SummaryModel) -> tuple[float, ...]:
    """Features (``USE_FEATURES``) of the ``use``-th use (1..3) of ``word``."""
    logits = model.word_logits.get(word, ())
    known = len(logits) >= use
    lexical = logits[use - 1] if known else 0.0
    log_count = math.log(article.counts[word])
    unknown = 0.0 if known else 1.0
    return (1.0, float(use == 2), float(use == 3), lexical, unknown, lexical * log_count,
            unknown * log_count)  # fmt: skip


def word_features(word: str, article: Article) -> tuple[float, ...]:
    """Features (``WORD_FEATURES``) of ``word`` that do not depend on which use is scored."""
    count = article.counts[word]
    log_count = math.log(count)
    in_title = float(word in article.title_words)
    capitalised = float(word in article.capitalised)
    rank = article.first_rank[word]
    return (
        in_title,
        in_title * log_count,
        float(not in_title and len(word) > 3 and word[:6] in article.title_stems),
        log_count,
        log_count * log_count,
        float(rank == 1),
        float(rank == 2),
        float(3 <= rank <= 4),
        float(5 <= rank <= 9),
        float(rank >= 10),
        article.first_position[word] / article.token_total,
        capitalised,
        capitalised * in_title,
        float(word.isdigit()),
        min(len(word), 12) / 12,
        math.log(article.token_total),
        10 * count / article.token_total,
        math.log(1 + article.lead_counts.get(word, 0)),
        float(word in article.first_sentence),
    )


def cumulative_gains(article: Article, model: SummaryModel) -> dict[str, tuple[float, ...]]:
    """``gains[word][n]``: expected reference matches of the first ``n`` uses of ``word``.

    That is the sum, over uses 1..n, of P(the reference uses ``word`` at least that often): the
    logistic of the weights dotted with ``use_features`` + ``word_features``, computed here with
    the features' arithmetic unrolled (this runs for every word of every article; the tests check
    it against the plain dot product).
    """
    words = frozenset().union(*(s.distinct for s in article.sentences))
    bases = word_logit_bases(words, article, model.word_weights)
    bias, second, third, lexical_w, unknown_w, lexical_log_w, unknown_log_w = model.use_weights
    by_use = (0.0, bias, bias + second, bias + third)
    counts, priors, exp = article.counts, model.word_logits, math.exp
    gains: dict[str, tuple[float, ...]] = {}
    for word, base in bases.items():
        count = counts[word]
        logits = priors.get(word, ())
        if count == 1:  # most words: one use, and every log-count term is zero
            logit = base + by_use[1] + (logits[0] * lexical_w if logits else unknown_w)
            gains[word] = (0.0, 1.0 / (1.0 + exp(-logit)) if logit > -30 else 0.0)
            continue
        log_count = _log(count)
        cumulative, total = [0.0], 0.0
        for use in range(1, (count if count < MAX_USES else MAX_USES) + 1):
            if use <= len(logits):
                logit = (
                    base + by_use[use] + logits[use - 1] * (lexical_w + lexical_log_w * log_count)
                )
            else:
                logit = base + by_use[use] + unknown_w + unknown_log_w * log_count
            total += 1.0 / (1.0 + exp(-logit)) if logit > -30 else 0.0
            cumulative.append(total)
        gains[word] = tuple(cumulative)
    return gains


def word_logit_bases(
    words: frozenset[str], article: Article, weights: Sequence[float]
) -> dict[str, float]:
    """The weights dotted with ``word_features`` for each of ``words``, unrolled for speed."""
    (in_title_w, in_title_log_w, stem_w, log_w, log_sq_w, rank_1, rank_2, rank_3_4, rank_5_9,
     rank_10, position_w, capital_w, capital_title_w, number_w, length_w, log_total_w, frequency_w,
     lead_w, first_w) = weights  # fmt: skip
    by_rank = (0.0, rank_1, rank_2, rank_3_4, rank_3_4, *([rank_5_9] * 5))
    by_length = [length_w * min(n, 12) / 12 for n in range(13)]
    total = article.token_total
    constant = log_total_w * math.log(total)
    position_w, frequency_w = position_w / total, frequency_w * 10 / total
    counts, first_rank, first_position = article.counts, article.first_rank, article.first_position
    lead_counts, capitalised_words = article.lead_counts, article.capitalised
    title_words, title_stems, first_sentence = (
        article.title_words, article.title_stems, article.first_sentence
    )  # fmt: skip
    bases: dict[str, float] = {}
    for word in words:
        count = counts[word]
        log_count = _log(count)
        rank = first_rank[word]
        lead = lead_counts.get(word, 0)
        logit = (
            constant
            + log_count * (log_w + log_sq_w * log_count)
            + (by_rank[rank] if rank < 10 else rank_10)
            + position_w * first_position[word]
            + by_length[len(word) if len(word) < 12 else 12]
            + frequency_w * count
        )
        if lead:
            logit += lead_w * _log(1 + lead)
        capitalised = word in capitalised_words
        if word in title_words:
            logit += in_title_w + in_title_log_w * log_count + capital_title_w * capitalised
        elif len(word) > 3 and word[:6] in title_stems:
            logit += stem_w
        if capitalised:
            logit += capital_w
        if word.isdigit():
            logit += number_w
        if word in first_sentence:
            logit += first_w
        bases[word] = logit
    return bases


_LOGS = tuple(math.log(n) if n else 0.0 for n in range(256))


def _log(n: int) -> float:
    """Natural log of a positive count, from a table for the usual small counts."""
    return _LOGS[n] if n < 256 else math.log(n)


def _dot(weights: Sequence[float], features: Sequence[float]) -> float:
    return float(sum(map(mul, weights, features)))


def _sigmoid(logit: float) -> float:
    return 1.0 / (1.0 + math.exp(-logit)) if logit > -30 else 0.0


def expected_overlap(
    chosen: Sequence[int], article: Article, gains: Mapping[str, tuple[float, ...]]
) -> float:
    """Expected number of words the reference shares with these sentences (ROUGE-1 matches)."""
    uses: Counter[str] = Counter()
    for index in chosen:
        uses.update(article.sentences[index].counts)
    return sum(gains[word][min(n, MAX_USES)] for word, n in uses.items())


# --- Candidate layer: which combination of sentences? ----------------------------------------


def candidate_features(
    chosen: Sequence[int], overlap: float, article: Article, model: SummaryModel
) -> tuple[float, ...]:
    """Features (``CANDIDATE_FEATURES``) of a candidate: sentence indexes in article order."""
    sentences = [article.sentences[i] for i in chosen]
    total = sum(len(s.tokens) for s in sentences)
    trait_shares = [
        sum(len(s.tokens) * s.traits[t] for s in sentences) / total
        for t in range(len(SENTENCE_TRAITS))
    ]
    rank_shares = [
        sum(len(s.tokens) for s in sentences if low <= s.rank <= high) / total
        for low, high in RANK_SHARES
    ]
    return (
        overlap / (total + model.reference_length),
        overlap / total,
        overlap / 40,
        total / 40,
        (total / 40) ** 2,
        float(len(chosen) == 2),
        float(len(chosen) == 3),
        float(0 in chosen),
        float(1 in chosen),
        float(2 in chosen),
        chosen[0] / 10,
        chosen[-1] / 10,
        float(chosen[-1] - chosen[0] == len(chosen) - 1),
        sentences[0].traits[SENTENCE_TRAITS.index("opener")],
        title_coverage(sentences, article),
        *trait_shares,
        *rank_shares,
    )


def title_coverage(sentences: Sequence[Sentence], article: Article) -> float:
    """Share of the title's key words that the sentences use."""
    if not article.key_title_words:
        return 0.0
    covered = sum(any(w in s.counts for s in sentences) for w in article.key_title_words)
    return covered / len(article.key_title_words)


def choose_sentences(
    article: Article, model: SummaryModel, min_words: int, max_words: int
) -> tuple[int, ...]:
    """The best-scoring candidate within the word budget (sentence indexes, article order)."""
    scorer = CandidateScorer(article, model)
    return max(budget_candidates(article.sentences, min_words, max_words), key=scorer.score)


class CandidateScorer:
    """Scores candidates fast: ``candidate_features`` dotted with the weights, rearranged.

    Every feature is a sum over sentences, a function of the candidate's length and expected
    overlap, or a flag, so the per-sentence parts are computed once, and the expected overlap of
    two or three sentences comes from single-sentence values plus inclusion-exclusion over the
    words they share. ``tests/test_summarizer.py`` checks it equals the plain dot product.
    """

    def __init__(self, article: Article, model: SummaryModel) -> None:
        w = dict(zip(CANDIDATE_FEATURES, model.candidate_weights, strict=True))
        sentences = article.sentences
        self._scalars = (
            w["expected_f1"], w["expected_precision"], w["expected_overlap"] / 40, w["length"],
            w["length_sq"], w["contiguous"], model.reference_length,
        )  # fmt: skip
        self._by_size = (0.0, 0.0, w["two_sentences"], w["three_sentences"])
        self._gains = cumulative_gains(article, model)
        self._counts = [s.counts for s in sentences]
        self._lengths = [len(s.tokens) for s in sentences]
        self._values = [self._sum_uses(s.counts) for s in sentences]
        self._pairs: dict[tuple[int, int], float] = {}
        flags = (w["has_first"], w["has_second"], w["has_third"])
        opener = SENTENCE_TRAITS.index("opener")
        self._first = [
            w["first_index"] * i / 10 + w["starts_with_opener"] * s.traits[opener]
            for i, s in enumerate(sentences)
        ]
        self._last = [w["last_index"] * i / 10 for i in range(len(sentences))]
        self._fixed = [flags[i] if i < len(flags) else 0.0 for i in range(len(sentences))]
        self._linear = [self._length_weighted(s, model) for s in sentences]
        key_words = article.key_title_words
        self._masks = [
            sum(1 << bit for bit, word in enumerate(key_words) if word in s.counts)
            for s in sentences
        ]
        self._per_key = w["title_coverage"] / len(key_words) if key_words else 0.0

    @staticmethod
    def _length_weighted(sentence: Sentence, model: SummaryModel) -> float:
        """The share features' weights for one sentence, times its length."""
        weights = model.candidate_weights[_SHARES_AT:]
        rank_flags = [float(low <= sentence.rank <= high) for low, high in RANK_SHARES]
        return len(sentence.tokens) * _dot(weights, (*sentence.traits, *rank_flags))

    def _sum_uses(self, counts: Mapping[str, int]) -> float:
        gains = self._gains
        return sum(gains[w][n if n < MAX_USES else MAX_USES] for w, n in counts.items())

    def _pair(self, i: int, j: int) -> float:
        """What sharing words changes to the expected overlap of sentences i and j together."""
        cached = self._pairs.get((i, j))
        if cached is None:
            a, b, gains, top = self._counts[i], self._counts[j], self._gains, MAX_USES
            cached = 0.0
            for word in a.keys() & b.keys():
                g, x, y = gains[word], a[word], b[word]
                xy = x + y
                cached += (
                    g[xy if xy < top else top] - g[x if x < top else top] - g[y if y < top else top]
                )
            self._pairs[i, j] = cached
        return cached

    def _triple(self, i: int, j: int, k: int) -> float:
        """The inclusion-exclusion term of the words all three sentences share."""
        a, b, c = self._counts[i], self._counts[j], self._counts[k]
        gains, top = self._gains, MAX_USES
        total = 0.0
        for word in a.keys() & b.keys() & c.keys():
            g, x, y, z = gains[word], a[word], b[word], c[word]
            total += (
                g[min(x + y + z, top)]
                - g[min(x + y, top)] - g[min(x + z, top)] - g[min(y + z, top)]
                + g[min(x, top)] + g[min(y, top)] + g[min(z, top)]
            )  # fmt: skip
        return total

    def overlap(self, chosen: tuple[int, ...]) -> float:
        """Expected reference matches of the candidate (equals ``expected_overlap``)."""
        values = self._values
        if len(chosen) == 1:
            return values[chosen[0]]
        if len(chosen) == 2:
            i, j = chosen
            return values[i] + values[j] + self._pair(i, j)
        i, j, k = chosen
        return (
            values[i] + values[j] + values[k]
            + self._pair(i, j) + self._pair(i, k) + self._pair(j, k)
            + self._triple(i, j, k)
        )  # fmt: skip

    def score(self, chosen: tuple[int, ...]) -> float:
        """The candidate layer's score of ``chosen`` (sentence indexes in article order)."""
        f1_w, precision_w, overlap_w, length_w, length_sq_w, contiguous_w, reference = self._scalars
        overlap = self.overlap(chosen)
        length, fixed, linear, mask = 0, 0.0, 0.0, 0
        for i in chosen:
            length += self._lengths[i]
            fixed += self._fixed[i]
            linear += self._linear[i]
            mask |= self._masks[i]
        first, last, size = chosen[0], chosen[-1], len(chosen)
        relative = length / 40
        return (
            overlap * (f1_w / (length + reference) + precision_w / length + overlap_w)
            + relative * (length_w + length_sq_w * relative)
            + self._by_size[size]
            + fixed
            + self._first[first]
            + self._last[last]
            + (contiguous_w if last - first == size - 1 else 0.0)
            + mask.bit_count() * self._per_key
            + linear / length
        )


def budget_candidates(
    sentences: Sequence[Sentence], min_words: int, max_words: int
) -> list[tuple[int, ...]]:
    """Every set of one to three sentences that fits the budget (long enough ones, if any).

    When no sentence fits ``max_words``, each sentence alone competes: a summary is never cut.
    """
    lengths = [sentence.words for sentence in sentences]
    layer: list[tuple[tuple[int, ...], int]] = [((), 0)]
    fitting: list[tuple[tuple[int, ...], int]] = []
    for _ in range(MAX_SENTENCES):
        layer = [
            ((*chosen, k), total + lengths[k])
            for chosen, total in layer
            for k in range(chosen[-1] + 1 if chosen else 0, len(lengths))
            if total + lengths[k] <= max_words
        ]
        fitting.extend(layer)
    if not fitting:
        return [(i,) for i in range(len(sentences))]
    long_enough = [chosen for chosen, total in fitting if total >= min_words]
    return long_enough or [chosen for chosen, _ in fitting]


# --- Shipped weights -------------------------------------------------------------------------


@cache
def load_model() -> SummaryModel:
    """Read the shipped weights once (package data, immutable at run time)."""
    text = resources.files("content").joinpath(MODEL_RESOURCE).read_text(encoding="utf-8")
    return model_from_json(json.loads(text))


def model_from_json(raw: Mapping[str, object]) -> SummaryModel:
    """Build a model from its JSON form; refuse weights written for other feature lists."""
    features = raw.get("features")
    expected = {"use": USE_FEATURES, "word": WORD_FEATURES, "candidate": CANDIDATE_FEATURES}
    if not isinstance(features, dict) or {k: tuple(v) for k, v in features.items()} != expected:
        raise ValueError("summarizer_model_features_mismatch")
    words = raw["word_logits"]
    if not isinstance(words, dict):
        raise ValueError("summarizer_model_malformed")
    return SummaryModel(
        word_logits=MappingProxyType({w: tuple(map(float, logits)) for w, logits in words.items()}),
        use_weights=_floats(raw["use_weights"]),
        word_weights=_floats(raw["word_weights"]),
        candidate_weights=_floats(raw["candidate_weights"]),
        reference_length=float(_floats([raw["reference_length"]])[0]),
    )


def _floats(values: object) -> tuple[float, ...]:
    if not isinstance(values, list) or not all(isinstance(v, int | float) for v in values):
        raise ValueError("summarizer_model_malformed")
    return tuple(float(v) for v in values)
