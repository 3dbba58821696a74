"""Score the summarizer against the journalists' own summaries (OrangeSum validation split).

Prints ROUGE-1/2/L F1 (mean of per-article F1, x100) of ``content.summarizer.summarize`` beside
three baselines computed in the same run — LEAD-1 and LEAD-2 (first sentences by
``content.summarizer.sentences``) and the opening cut at 35 words — once without and once with
Snowball stemming, then the summarizer's speed. The unstemmed figures are the headline (see
bench/rouge.py).

    python -m bench.summary_quality [--quick] [--limit N] [--min-words N] [--max-words N]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._results import record
from bench.corpus import corpus_file, read_articles
from bench.rouge import RougeScores, Stemmer, aggregate, french_stemmer, score
from content.summarizer import DEFAULT_MAX_WORDS, DEFAULT_MIN_WORDS, summarize
from content.summarizer.sentences import split_sentences
from content.text import normalize_text, word_count

QUICK_ARTICLES = 200
LEAD_CUT_WORDS = 35
TARGET_ROUGE1 = 32.0
TARGET_ARTICLES_PER_S = 500
"""Summarising must leave room for tagging and storing within >= 200 articles/s overall."""

_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")


@dataclass(frozen=True, slots=True)
class Sample:
    title: str
    body: str
    reference: str


def read_corpus(quick: bool, limit: int | None) -> list[Sample]:
    """Read and normalise the articles; raises OSError or ValueError on a bad corpus."""
    samples = [
        Sample(
            normalize_text(row["title"]),
            normalize_text(row["article"]),
            normalize_text(row["abstract"]),
        )
        for row in read_articles("valid", quick=quick, limit=limit)
    ]
    if not samples:
        raise ValueError("empty corpus")
    return samples


def lead(sentences: int) -> Callable[[Sample], str]:
    """LEAD-n: the article's first ``sentences`` sentences."""
    return lambda sample: " ".join(split_sentences(sample.body)[:sentences])


def opening_cut(sample: Sample) -> str:
    """The first LEAD_CUT_WORDS words of the article, cut wherever that falls."""
    matches = list(_WORD.finditer(sample.body))[:LEAD_CUT_WORDS]
    return sample.body[: matches[-1].end()] if matches else ""


def summarise_all(
    samples: Sequence[Sample], min_words: int, max_words: int
) -> tuple[list[str], float, float]:
    """Summaries, the CPU seconds and the wall-clock seconds they took.

    CPU time is the headline: on a shared 2-core machine, wall time mostly measures the neighbours.
    """
    summarize("", "")  # load the weights outside the timing
    started, started_cpu = time.perf_counter(), time.process_time()
    summaries = [
        summarize(s.title, s.body, min_words=min_words, max_words=max_words) for s in samples
    ]
    return summaries, time.process_time() - started_cpu, time.perf_counter() - started


def rouge_of(
    outputs: Sequence[str], samples: Sequence[Sample], stem: Stemmer | None
) -> RougeScores:
    return aggregate(score(o, s.reference, stem) for o, s in zip(outputs, samples, strict=True))


def print_table(rows: dict[str, tuple[RougeScores, RougeScores, float]]) -> None:
    print(
        f"{'system':<22}{'R-1':>7}{'R-2':>7}{'R-L':>7}  |{'R-1 st':>8}{'R-2 st':>8}{'R-L st':>8}"
        f"{'words':>7}"
    )
    for name, (raw, stemmed, words) in rows.items():
        print(
            f"{name:<22}{raw.rouge1:7.2f}{raw.rouge2:7.2f}{raw.rouge_l:7.2f}  |"
            f"{stemmed.rouge1:8.2f}{stemmed.rouge2:8.2f}{stemmed.rouge_l:8.2f}{words:7.1f}"
        )


def figures(scores: RougeScores) -> dict[str, float]:
    return {
        "rouge1": round(scores.rouge1, 2),
        "rouge2": round(scores.rouge2, 2),
        "rougeL": round(scores.rouge_l, 2),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"first {QUICK_ARTICLES} articles")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--min-words", type=int, default=DEFAULT_MIN_WORDS)
    parser.add_argument("--max-words", type=int, default=DEFAULT_MAX_WORDS)
    args = parser.parse_args(argv)
    limit = QUICK_ARTICLES if args.quick and args.limit is None else args.limit
    try:
        samples = read_corpus(args.quick, limit)
    except (OSError, ValueError, KeyError) as error:
        print(f"cannot read the OrangeSum validation corpus: {error}", file=sys.stderr)
        return 2
    summaries, seconds, wall_seconds = summarise_all(samples, args.min_words, args.max_words)
    systems = {
        f"summarizer {args.min_words}-{args.max_words}w": summaries,
        "LEAD-1": [lead(1)(s) for s in samples],
        "LEAD-2": [lead(2)(s) for s in samples],
        f"lead cut {LEAD_CUT_WORDS} words": [opening_cut(s) for s in samples],
    }
    stemmer = french_stemmer()
    rows = {
        name: (
            rouge_of(outputs, samples, None),
            rouge_of(outputs, samples, stemmer),
            sum(word_count(o) for o in outputs) / len(outputs),
        )
        for name, outputs in systems.items()
    }
    source = corpus_file("valid", quick=args.quick).name
    print(
        f"OrangeSum valid ({source}), {len(samples)} articles; reference: the journalist's abstract"
    )
    print("F1 x100, mean per article; 'st' = Snowball French stemming\n")
    print_table(rows)
    per_second = len(samples) / seconds
    ours, lead2 = rows[next(iter(systems))], rows["LEAD-2"]
    print(
        f"\nsummarizer ROUGE-1 {ours[0].rouge1:.2f} (target >= {TARGET_ROUGE1}), "
        f"{ours[0].rouge1 - lead2[0].rouge1:+.2f} over LEAD-2 ({ours[1].rouge1:.2f} stemmed, "
        f"{ours[1].rouge1 - lead2[1].rouge1:+.2f})"
    )
    print(
        f"summarizer speed: {per_second:,.0f} articles/s, {1000 * seconds / len(samples):.2f} ms "
        f"of CPU per article (wall {1000 * wall_seconds / len(samples):.2f} ms; "
        f"target >= {TARGET_ARTICLES_PER_S} articles/s)"
    )
    record(
        "summary_quality",
        {
            "articles": len(samples),
            "budget_words": [args.min_words, args.max_words],
            "systems": {
                name: {"raw": figures(raw), "stemmed": figures(stemmed), "mean_words": round(w, 1)}
                for name, (raw, stemmed, w) in rows.items()
            },
            "target_rouge1": TARGET_ROUGE1,
            "articles_per_s": round(per_second),
            "cpu_ms_per_article": round(1000 * seconds / len(samples), 3),
            "wall_ms_per_article": round(1000 * wall_seconds / len(samples), 3),
            "target_articles_per_s": TARGET_ARTICLES_PER_S,
        },
        quick=args.quick,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
