"""Score the summarizer against the journalists' own summaries (OrangeSum validation split).

Prints ROUGE-1/2/L F1 (x100, mean per article) by the reference scorer
(``../shared/tools/frrouge.py``: accents folded, elisions split, Snowball-stemmed) for LEAD (the
first 35 words), the previous summarizer (``PREVIOUS_REVISION``, taken from git) and this one,
side by side, with words per summary and articles per second: the summarizer alone in this
process (CPU time), and ``python -m bot summarize`` as a whole process (start-up, tagging and
JSON included, wall time).

    python -m bench.summary_quality [--quick] [--limit N]

Without ``../shared`` (CI's clean clone) the quick run scores the sample with ``bench/rouge.py``
stemmed instead, and says so.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REPO_ROOT, Figure, at_least, context, record_figures
from bench.corpus import corpus_file, read_articles
from bench.rouge import reference_scorer
from content.summarizer import summarize
from content.text import normalize_text

QUICK_ARTICLES = 200
LEAD_WORDS = 35
PREVIOUS_REVISION = "72d3dfa"
"""The tree before issue 14: its summarizer is the one to beat."""
TARGETS = {"rouge1": 35.7, "rouge2": 12.5, "rougeL": 23.0}
"""mBARThez (458M parameters, on a GPU) reads 34.6 on test, about 35.7 on valid (issue 14)."""
WORDS_RANGE = (30, 40)
"""The journalists' summaries average 32 words."""
TARGET_WHOLE_PROCESS_PER_S = 300


@dataclass(frozen=True, slots=True)
class Sample:
    title: str
    body: str
    reference: str


@dataclass(frozen=True, slots=True)
class System:
    name: str
    summaries: list[str]
    in_process_per_s: float | None
    whole_process_per_s: float | None


def read_corpus(quick: bool, limit: int | None) -> list[Sample]:
    """Read and normalise the articles; raises OSError or ValueError on a bad corpus."""
    samples = [
        Sample(
            normalize_text(r["title"]), normalize_text(r["article"]), normalize_text(r["abstract"])
        )
        for r in read_articles("valid", quick=quick, limit=limit)
    ]
    if not samples:
        raise ValueError("empty corpus")
    return samples


def lead(sample: Sample) -> str:
    """The article's first LEAD_WORDS words (split at spaces), cut wherever that falls."""
    return " ".join(sample.body.split()[:LEAD_WORDS])


def in_process(samples: Sequence[Sample]) -> tuple[list[str], float]:
    """This tree's summaries and articles per CPU second (weights loaded outside the timing)."""
    summarize("", "")
    started = time.process_time()
    summaries = [summarize(s.title, s.body) for s in samples]
    return summaries, len(samples) / (time.process_time() - started)


def whole_process(tree: Path, batch: Path, count: int) -> tuple[list[str], float]:
    """Summaries of ``python -m bot summarize`` from ``tree``, and articles per wall second.

    It runs in the batch's folder, which holds no config.toml: both trees use their defaults.
    """
    command = [sys.executable, "-m", "bot", "summarize", batch.name]
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=batch.parent, env=environment, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{tree}: python -m bot summarize failed: {done.stderr.strip()}")
    summaries = [json.loads(line)["summary"] for line in done.stdout.splitlines()]
    if len(summaries) != count:
        raise RuntimeError(f"{tree}: {len(summaries)} summaries for {count} articles")
    return summaries, count / seconds


def previous_tree(folder: Path) -> Path | None:
    """PREVIOUS_REVISION's files, extracted from git (None without the history)."""
    tree = folder / "previous"
    tree.mkdir()
    try:
        archive = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "archive", PREVIOUS_REVISION],
            capture_output=True,
            check=True,
        )
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return tree


def measure(samples: Sequence[Sample]) -> list[System]:
    systems = [System(f"LEAD, first {LEAD_WORDS} words", [lead(s) for s in samples], None, None)]
    with tempfile.TemporaryDirectory(prefix="summary-quality-") as folder:
        batch = Path(folder) / "articles.jsonl"
        batch.write_text(
            "".join(
                json.dumps({"title": s.title, "article": s.body}, ensure_ascii=False) + "\n"
                for s in samples
            ),
            encoding="utf-8",
        )
        previous = previous_tree(Path(folder))
        if previous is None:
            print(f"previous summarizer: git cannot give {PREVIOUS_REVISION}; left out")
        else:
            summaries, per_s = whole_process(previous, batch, len(samples))
            systems.append(System(f"previous ({PREVIOUS_REVISION})", summaries, None, per_s))
        summaries, cpu_per_s = in_process(samples)
        cli_summaries, per_s = whole_process(REPO_ROOT, batch, len(samples))
        if cli_summaries != summaries:
            raise RuntimeError("python -m bot summarize and summarize() disagree")
        systems.append(System("this summarizer", summaries, cpu_per_s, per_s))
    return systems


def print_table(rows: Sequence[tuple[System, dict[str, float], float]]) -> None:
    print(f"{'system':<24}{'R-1':>7}{'R-2':>7}{'R-L':>7}{'words':>7}{'art/s in':>10}{'process':>9}")
    for system, scores, words in rows:
        speeds = [
            f"{value:,.0f}" if value else "-"
            for value in (system.in_process_per_s, system.whole_process_per_s)
        ]
        print(
            f"{system.name:<24}{scores['R1']:7.2f}{scores['R2']:7.2f}{scores['RL']:7.2f}"
            f"{words:7.1f}{speeds[0]:>10}{speeds[1]:>9}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"first {QUICK_ARTICLES} articles")
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args(argv)
    limit = QUICK_ARTICLES if args.quick and args.limit is None else args.limit
    try:
        samples = read_corpus(args.quick, limit)
    except (OSError, ValueError, KeyError) as error:
        print(f"cannot read the OrangeSum validation corpus: {error}", file=sys.stderr)
        return 2
    scorer_name, scorer = reference_scorer()
    references = [s.reference for s in samples]
    rows = [
        (system, scorer(system.summaries, references), mean_words(system.summaries))
        for system in measure(samples)
    ]
    source = corpus_file("valid", quick=args.quick).name
    print(f"OrangeSum valid ({source}), {len(samples)} articles; reference: the journalist's")
    print(f"abstract; F1 x100, mean per article, {scorer_name}; words split at spaces\n")
    print_table(rows)
    ours, scores, words = rows[-1]
    figures = [
        *(
            at_least(f"summarizer {name}", round(scores[key], 2), TARGETS[name])
            for name, key in (("rouge1", "R1"), ("rouge2", "R2"), ("rougeL", "RL"))
        ),
        Figure(
            "words per summary (mean)",
            round(words, 1),
            "words",
            f"{WORDS_RANGE[0]}-{WORDS_RANGE[1]} words",
            WORDS_RANGE[0] <= words <= WORDS_RANGE[1],
        ),
        at_least(
            "bot summarize, whole process",
            round(ours.whole_process_per_s or 0),
            TARGET_WHOLE_PROCESS_PER_S,
            "art/s",
        ),
        context("summarizer in-process", round(ours.in_process_per_s or 0), "art/s"),
    ]
    record_figures(
        "summary_quality",
        figures,
        {
            "articles": len(samples),
            "scorer": scorer_name,
            "systems": {
                system.name: {
                    "rouge1": round(s["R1"], 2),
                    "rouge2": round(s["R2"], 2),
                    "rougeL": round(s["RL"], 2),
                    "mean_words": round(w, 1),
                    "in_process_per_s": round(system.in_process_per_s or 0),
                    "whole_process_per_s": round(system.whole_process_per_s or 0),
                }
                for system, s, w in rows
            },
        },
        quick=args.quick,
    )
    return 0


def mean_words(summaries: Sequence[str]) -> float:
    """Words per summary, split at spaces as the issue and the abstracts' figure count them."""
    return sum(len(s.split()) for s in summaries) / len(summaries)


if __name__ == "__main__":
    raise SystemExit(main())
