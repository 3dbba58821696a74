"""The summarizer's learned model: its features, its word layer and its shipped weights.

Why one module: the feature lists, the functions computing them and the JSON weights must agree
position by position; ``bench/train_summarizer.py`` fits the weights on these very functions and
``model_from_json`` refuses weights written for other lists, so training and serving cannot drift.

The word layer gives, for each word of an article, the chance that the journalist's own summary
uses it once, twice, three times; the candidate layer (``candidate_features``, scored fast by
``content.summarizer.choice.CandidateScorer``) weighs a choice of sentences by its expected
matching words and a few corrections.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from operator import mul
from types import MappingProxyType

from content.summarizer.features import SENTENCE_TRAITS, Article, Sentence

MODEL_RESOURCE = "model.json"
MAX_USES = 3
"""Uses of a word beyond the third almost never match the reference: they earn nothing."""

USE_FEATURES = tuple(
    "bias second_use third_use lexical unknown lexical_x_log_count unknown_x_log_count".split()
)
WORD_FEATURES = tuple(
    "in_title in_title_x_log_count title_stem log_count log_count_sq first_rank_1 first_rank_2 "
    "first_rank_3_4 first_rank_5_9 first_rank_10_plus first_position capitalised "
    "capitalised_in_title number word_length log_article_length term_frequency log_lead_count "
    "in_first_sentence".split()
)
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
    length_penalty: float
    """Added to the ``length`` weight when choosing: the learned layer estimates ROUGE alone, and
    this price per 40 words keeps summaries at the journalists' length (chosen by the training
    script on held-back articles: the best ROUGE-1 whose summaries average under 40 words)."""


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


def candidate_score(
    chosen: Sequence[int], overlap: float, article: Article, model: SummaryModel
) -> float:
    """What the choice maximises: the learned estimate plus the length penalty (plain form)."""
    features = candidate_features(chosen, overlap, article, model)
    length = features[CANDIDATE_FEATURES.index("length")]
    return _dot(model.candidate_weights, features) + model.length_penalty * length


def title_coverage(sentences: Sequence[Sentence], article: Article) -> float:
    """Share of the title's key words that the sentences use."""
    if not article.key_title_words:
        return 0.0
    covered = sum(any(w in s.counts for s in sentences) for w in article.key_title_words)
    return covered / len(article.key_title_words)


def weighted_shares(sentence: Sentence, model: SummaryModel) -> float:
    """The share features' weights dotted with one sentence's traits, times its length.

    A candidate's share features are length-weighted means over its sentences, so their part of
    its score is the sum of this over its sentences, divided by its length: computed once per
    sentence, it spares the fast scorer a pass over the traits of every candidate.
    """
    weights = model.candidate_weights[_SHARES_AT:]
    rank_flags = [float(low <= sentence.rank <= high) for low, high in RANK_SHARES]
    return len(sentence.tokens) * _dot(weights, (*sentence.traits, *rank_flags))


# --- Shipped weights -------------------------------------------------------------------------


@cache
def load_model() -> SummaryModel:
    """Read the shipped weights once (package data, immutable at run time)."""
    text = (
        resources.files("content.summarizer").joinpath(MODEL_RESOURCE).read_text(encoding="utf-8")
    )
    return model_from_json(json.loads(text))


def model_from_json(raw: Mapping[str, object]) -> SummaryModel:
    """Build a model from its JSON form; refuse weights written for other feature lists."""
    features = raw.get("features")
    expected = {"use": USE_FEATURES, "word": WORD_FEATURES, "candidate": CANDIDATE_FEATURES}
    if not isinstance(features, dict) or {k: tuple(v) for k, v in features.items()} != expected:
        raise ValueError("summarizer_model_features_mismatch")
    words = raw.get("word_logits")
    if not isinstance(words, dict):
        raise ValueError("summarizer_model_malformed")
    try:
        return _model(raw, words)
    except KeyError:
        raise ValueError("summarizer_model_malformed") from None


def _model(raw: Mapping[str, object], words: Mapping[str, object]) -> SummaryModel:
    return SummaryModel(
        word_logits=MappingProxyType({w: _floats(logits) for w, logits in words.items()}),
        use_weights=_floats(raw["use_weights"]),
        word_weights=_floats(raw["word_weights"]),
        candidate_weights=_floats(raw["candidate_weights"]),
        reference_length=float(_floats([raw["reference_length"]])[0]),
        length_penalty=float(_floats([raw["length_penalty"]])[0]),
    )


def _floats(values: object) -> tuple[float, ...]:
    if not isinstance(values, list) or not all(isinstance(v, int | float) for v in values):
        raise ValueError("summarizer_model_malformed")
    return tuple(float(v) for v in values)
