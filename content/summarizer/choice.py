"""Extractive French summaries: the few sentences of an article that best stand for it.

Why extractive: the bot must never put words in a journalist's mouth, and a summary must cost
about a millisecond of CPU. Why learned: position alone (LEAD) leaves a lot on the table in news,
where the first sentence is often a hook (« La vidéo est devenue virale. »).

How. ROUGE, the yardstick, mostly sees a summary's bag of words, so the first layer scores words:
for each word of the article, the chance that the journalist's own summary uses it once, twice,
three times, from a learned prior for words seen in 20 training articles or more, the word's
count, where it first appears, whether the title uses it, its capitalisation. A candidate (one to
three of the first sentences, as ``content.summarizer.compression.tidy`` leaves them, within the
word budget) is worth its expected matching words over its length, plus learned corrections
(positions, quotes, pronoun openings, title coverage, time words, style), minus a price per word
that keeps summaries at the journalists' length: each article gets the length its sentences
deserve, not a fixed count. A candidate opening on a dangling pronoun (« Il », « Elle »…) is
chosen only when nothing else fits. The chosen sentences then lose an incidental clause worth much
less than the rest (``compression.trim``). Both layers are linear models fitted on OrangeSum
training articles by ``bench/train_summarizer.py``; the weights ship in ``model.json``.

Where: ``content.summarizer.features`` reads an article into candidate sentences;
``content.summarizer.model`` defines both layers' features, computes the word layer and loads the
weights; ``content.summarizer.compression`` cuts; this module chooses the sentences, with the fast
scorer of the candidate layer kept beside the choice because it is the only part that runs once
per candidate. Figures: README, « Summary quality » (``python -m bench.summary_quality``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from content.summarizer.compression import trim
from content.summarizer.fallback import clip_to_words, is_readable, lines_summary
from content.summarizer.features import (
    DANGLING_OPENERS,
    SENTENCE_TRAITS,
    Article,
    Sentence,
    read_article,
    within_reading_limit,
)
from content.summarizer.model import (
    CANDIDATE_FEATURES,
    MAX_USES,
    SummaryModel,
    cumulative_gains,
    load_model,
    weighted_shares,
)

__all__ = [
    "DEFAULT_MAX_WORDS",
    "DEFAULT_MIN_WORDS",
    "MAX_SENTENCES",
    "CandidateScorer",
    "best_candidate",
    "budget_candidates",
    "load_model",
    "summarize",
]

DEFAULT_MIN_WORDS = 20
DEFAULT_MAX_WORDS = 60
"""The product's budget (the pipeline and the bot's config use these, so the function, the
pipeline and ``bench.summary_quality`` measure the same summaries). Within it the length
penalty (``SummaryModel.length_penalty``) sets the mean: about 39 words, where the journalists'
own summaries average 32. A wide budget lets a short article keep one sentence and a dense one
take three; the penalty, not the bounds, keeps the mean under 40 words: at the same mean, the
20-60 budget scored ROUGE-1 33.65 on held-back training articles against 33.13 for 30-50."""
MAX_SENTENCES = 3
"""Enough for 60 words of news; ``CandidateScorer`` is written for at most three."""


def summarize(
    title: str,
    body: str,
    *,
    min_words: int = DEFAULT_MIN_WORDS,
    max_words: int = DEFAULT_MAX_WORDS,
    model: SummaryModel | None = None,
) -> str:
    """Return the sentences of ``body`` that best summarise it, in article order.

    Sentences are quoted as the article writes them, less what ``compression`` cuts (a leading
    connective, a parenthesis, a closing attribution, an incidental clause): never a word added.
    The choice stays within ``max_words`` and reaches ``min_words`` when some choice allows it (a
    cut clause may then leave a few words less). The summary is never empty when the article has
    anything readable, and never over ``max_words``: when no sentence fits, the best one is cut
    with « … »; when the body has no usable sentence (a list, headings, one run-on sentence
    without a full stop), its readable lines stand in; with nothing readable, the title (see
    ``content.summarizer.fallback``). ``model`` defaults to the shipped weights.
    """
    article = read_article(title, within_reading_limit(body))
    if article.sentences:
        scorer = CandidateScorer(article, model or load_model())
        chosen = best_candidate(article, scorer, min_words, max_words)
        summary = " ".join(trim(article.sentences[i].text, scorer.gains) for i in chosen)
        if is_readable(summary):
            return clip_to_words(summary, max_words)
    return lines_summary(title, within_reading_limit(body), max_words)


def best_candidate(
    article: Article, scorer: CandidateScorer, min_words: int, max_words: int
) -> tuple[int, ...]:
    """The best candidate that does not open on a dangling pronoun, if any does not."""
    candidates = budget_candidates(article.sentences, min_words, max_words)
    sentences = article.sentences
    standing = [c for c in candidates if sentences[c[0]].tokens[0] not in DANGLING_OPENERS]
    return max(standing or candidates, key=scorer.score)


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
            w["expected_f1"], w["expected_precision"], w["expected_overlap"] / 40,
            w["length"] + model.length_penalty,
            w["length_sq"], w["contiguous"], model.reference_length,
        )  # fmt: skip
        self._by_size = (0.0, 0.0, w["two_sentences"], w["three_sentences"])
        self.gains = cumulative_gains(article, model)
        """The word layer's expected matches per word and use (also what ``trim`` weighs)."""
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
        self._linear = [weighted_shares(s, model) for s in sentences]
        key_words = article.key_title_words
        self._masks = [
            sum(1 << bit for bit, word in enumerate(key_words) if word in s.counts)
            for s in sentences
        ]
        self._per_key = w["title_coverage"] / len(key_words) if key_words else 0.0

    def _sum_uses(self, counts: Mapping[str, int]) -> float:
        gains = self.gains
        return sum(gains[w][n if n < MAX_USES else MAX_USES] for w, n in counts.items())

    def _pair(self, i: int, j: int) -> float:
        """What sharing words changes to the expected overlap of sentences i and j together."""
        cached = self._pairs.get((i, j))
        if cached is None:
            a, b, gains, top = self._counts[i], self._counts[j], self.gains, MAX_USES
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
        gains, top = self.gains, MAX_USES
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
