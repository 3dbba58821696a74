"""French-aware ROUGE-1/2/L F1, the yardstick of the summarizer.

Why not ``rouge-score``: its default tokenizer keeps ``[a-z0-9]`` only, so « été » becomes « t » and
every accented word is mangled; French scores come out both wrong and incomparable. Here tokens are
NFC, lower-cased runs of letters and digits (accents kept); apostrophes, hyphens and every other
non-word character separate tokens. Stemming (Snowball French) is optional; benchmarks report the
unstemmed figures first, because they are the stricter ones and need no extra library.

ROUGE-L is the LCS over the whole token sequences (``rougeL``, not the per-sentence ``rougeLsum``).
Corpus figures are the mean of per-document F1, times 100.
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import snowballstemmer

from bench.corpus import full_corpus_dir

_TOKEN = re.compile(r"[^\W_]+")

Stemmer = Callable[[list[str]], list[str]]


@dataclass(frozen=True, slots=True)
class RougeScores:
    """F1 of ROUGE-1, ROUGE-2 and ROUGE-L, each in [0, 1] (or [0, 100] once aggregated)."""

    rouge1: float
    rouge2: float
    rouge_l: float


def french_stemmer() -> Stemmer:
    """Return Snowball's French stemmer as a function over token lists."""
    stemmer = snowballstemmer.stemmer("french")
    return stemmer.stemWords  # type: ignore[no-any-return]


def tokenize(text: str, stem: Stemmer | None = None) -> list[str]:
    """Split ``text`` into lower-cased word tokens, accents kept, optionally stemmed."""
    tokens = _TOKEN.findall(unicodedata.normalize("NFC", text).lower())
    return stem(tokens) if stem is not None and tokens else tokens


def ngrams(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    """Count the n-grams of ``tokens``."""
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def f1(overlap: int, candidate_total: int, reference_total: int) -> float:
    """Harmonic mean of precision and recall; 0 when either side is empty or nothing overlaps."""
    if overlap == 0 or candidate_total == 0 or reference_total == 0:
        return 0.0
    precision = overlap / candidate_total
    recall = overlap / reference_total
    return 2 * precision * recall / (precision + recall)


def rouge_n(candidate: Sequence[str], reference: Sequence[str], n: int) -> float:
    """ROUGE-N F1 with clipped n-gram counts."""
    cand, ref = ngrams(candidate, n), ngrams(reference, n)
    overlap = sum((cand & ref).values())
    return f1(overlap, sum(cand.values()), sum(ref.values()))


def lcs_length(first: Sequence[str], second: Sequence[str]) -> int:
    """Length of the longest common subsequence, in O(len(first) * len(second)) time."""
    if not first or not second:
        return 0
    previous = [0] * (len(second) + 1)
    for token in first:
        current = [0]
        for j, other in enumerate(second):
            current.append(previous[j] + 1 if token == other else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def rouge_l(candidate: Sequence[str], reference: Sequence[str]) -> float:
    """ROUGE-L F1 (LCS-based)."""
    return f1(lcs_length(candidate, reference), len(candidate), len(reference))


def score(candidate: str, reference: str, stem: Stemmer | None = None) -> RougeScores:
    """ROUGE-1/2/L F1 of one candidate summary against one reference."""
    cand, ref = tokenize(candidate, stem), tokenize(reference, stem)
    return RougeScores(rouge_n(cand, ref, 1), rouge_n(cand, ref, 2), rouge_l(cand, ref))


def aggregate(scores: Iterable[RougeScores]) -> RougeScores:
    """Mean of per-document F1, times 100 (the usual way ROUGE tables are reported)."""
    items = list(scores)
    if not items:
        return RougeScores(0.0, 0.0, 0.0)
    count = len(items)
    return RougeScores(
        100 * sum(item.rouge1 for item in items) / count,
        100 * sum(item.rouge2 for item in items) / count,
        100 * sum(item.rouge_l for item in items) / count,
    )


CorpusScorer = Callable[[Sequence[str], Sequence[str]], dict[str, float]]
"""Summaries and their references in, mean ROUGE F1 x100 out: ``{"R1", "R2", "RL"}``."""


def reference_scorer() -> tuple[str, CorpusScorer]:
    """The reference scorer's ``corpus`` (``../shared/tools/frrouge.py``), by name, when present.

    The summary figures must come from it (accents folded, elisions split, stemmed). CI's clean
    clone has no ``../shared``: its quick runs fall back on this module, stemmed, and say so.
    """
    corpus = full_corpus_dir()
    path = corpus.parent / "tools" / "frrouge.py" if corpus else None
    spec = importlib.util.spec_from_file_location("frrouge", path) if path else None
    if path and path.is_file() and spec and spec.loader:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        scorer: CorpusScorer = module.corpus
        return "reference scorer (frrouge.py)", scorer
    stemmer = french_stemmer()

    def project(candidates: Sequence[str], references: Sequence[str]) -> dict[str, float]:
        pairs = zip(candidates, references, strict=True)
        scores = aggregate(score(c, r, stemmer) for c, r in pairs)
        return {"R1": scores.rouge1, "R2": scores.rouge2, "RL": scores.rouge_l}

    return "project scorer, stemmed (frrouge.py not found)", project
