"""Precision and recall of ``content.stories.same_event`` on labelled pairs of French articles.

The pairs (``tests/data/story-pairs.jsonl``, built by ``bench/story_pairs.py``; how, and the
labelling rules, in ``tests/data/README-story-pairs.md``) are 525 pairs, 268 of them the same
event: OrangeSum articles (CC BY-SA 4.0) paired by text overlap, by shared names or title words,
by a shared Sahel country, or at random, each read and labelled; and copies made the way outlets
copy agencies (another title, trimmed, a lead added, paragraphs moved, a brief or a feed teaser,
a brief in other words). The thresholds of ``content.stories`` were chosen on the ``tune`` part
only; the ``heldout`` third was scored after they were fixed. One rule came later: headlines
naming different stages of a criminal case disagree. It was written for the one wrong merge
left on the tune pairs (a baker's employee in custody, then sentenced); it also removed the one
on the held-out pairs (three men in custody, then charged), which had been printed by then, so
that figure is no longer blind: before the rule, held out P 0.983 (57 of 58), R 0.620.

The corpus pairs are one site's own rewrites of agency news, harder than the copies between
outlets the bot mostly meets: recall on them is about half, on the made-up copies nearly all.

    python bench/stories.py [--errors] [--no-record]

Prints the pairs per kind, precision, recall and F1 (all pairs, tune, held out), the errors by
kind (and every wrong pair with ``--errors``), the share of pairs that ``story_keys`` would make
candidates, and the time per ``story_print`` and per comparison. Our bar: precision >= 0.98 on
the held-out pairs (a wrong merge hides an event); recall is reported. ``run()`` returns the
figures as a dict for other scripts; ``--quick`` is accepted and changes nothing (it takes a few
seconds).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Figure, Score, at_least, at_most, context, print_table, record_figures
from content.stories import StoryPrint, same_event, story_keys, story_print

PAIRS = Path(__file__).resolve().parents[1] / "tests" / "data" / "story-pairs.jsonl"
TARGET_PRECISION = 0.98
TARGET_US_PER_PRINT = 1000.0
"""The store prints every candidate again when an article arrives (up to 50): well under a
millisecond each keeps that below a few tens of milliseconds."""
TIMING_ROUNDS = 3


@dataclass(frozen=True, slots=True)
class Pair:
    kind: str
    part: str
    same: bool
    titles: tuple[str, str]
    texts: tuple[tuple[str, str], tuple[str, str]]
    note: str


@dataclass(frozen=True, slots=True)
class Outcome:
    pair: Pair
    merged: bool
    candidate: bool
    """The two articles share an index key, so the store would compare them."""

    @property
    def wrong(self) -> bool:
        return self.merged != self.pair.same


def read_pairs(path: Path = PAIRS) -> list[Pair]:
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        a, b = row["a"], row["b"]
        pairs.append(
            Pair(
                kind=row["kind"],
                part=row["part"],
                same=bool(row["same"]),
                titles=(a["title"], b["title"]),
                texts=((a["title"], a["body"]), (b["title"], b["body"])),
                note=row.get("note", ""),
            )
        )
    return pairs


def judge(pairs: Sequence[Pair]) -> list[Outcome]:
    outcomes = []
    for pair in pairs:
        a, b = (story_print(title, body) for title, body in pair.texts)
        outcomes.append(
            Outcome(pair, same_event(a, b), bool(set(story_keys(a)) & set(story_keys(b))))
        )
    return outcomes


def score(outcomes: Sequence[Outcome]) -> Score:
    tp = sum(1 for o in outcomes if o.merged and o.pair.same)
    fp = sum(1 for o in outcomes if o.merged and not o.pair.same)
    fn = sum(1 for o in outcomes if not o.merged and o.pair.same)
    return Score(tp, fp, fn)


def timings(pairs: Sequence[Pair]) -> tuple[float, float]:
    """Microseconds per ``story_print`` and per ``same_event``, best of ``TIMING_ROUNDS``."""
    texts = [text for pair in pairs for text in pair.texts]
    print_times, compare_times = [], []
    prints: list[StoryPrint] = []
    for _ in range(TIMING_ROUNDS):
        started = time.perf_counter()
        prints = [story_print(title, body) for title, body in texts]
        print_times.append((time.perf_counter() - started) / len(texts))
        started = time.perf_counter()
        for first, second in zip(prints[::2], prints[1::2], strict=True):
            same_event(first, second)
        compare_times.append((time.perf_counter() - started) / len(pairs))
    return min(print_times) * 1e6, min(compare_times) * 1e6


def candidate_recall(outcomes: Sequence[Outcome], *, merged_only: bool = False) -> float:
    """Share of same-event pairs (or of merged ones) that share an index key."""
    chosen = [o for o in outcomes if (o.merged if merged_only else o.pair.same)]
    return sum(1 for o in chosen if o.candidate) / len(chosen) if chosen else 1.0


def run(path: Path = PAIRS) -> dict[str, float]:
    """Every figure of this benchmark, by name (what ``main`` prints and records)."""
    return measure(read_pairs(path))[1]


def measure(pairs: Sequence[Pair]) -> tuple[list[Outcome], dict[str, float]]:
    outcomes = judge(pairs)
    tune = [o for o in outcomes if o.pair.part == "tune"]
    held_out = [o for o in outcomes if o.pair.part == "heldout"]
    us_per_print, us_per_comparison = timings(pairs)
    figures: dict[str, float] = {
        "pairs": len(pairs),
        "same_event_pairs": sum(1 for p in pairs if p.same),
        "held_out_pairs": len(held_out),
    }
    corpus = [o for o in outcomes if o.pair.kind.startswith("corpus-")]
    groups = (("", outcomes), ("tune_", tune), ("held_out_", held_out), ("corpus_", corpus))
    for name, chosen in groups:
        result = score(chosen)
        figures |= {
            f"{name}precision": round(result.precision, 3),
            f"{name}recall": round(result.recall, 3),
            f"{name}f1": round(result.f1, 3),
            f"{name}false_merges": result.false_positives,
        }
    figures |= {
        "key_recall_same_event": round(candidate_recall(outcomes), 3),
        "key_recall_merged": round(candidate_recall(outcomes, merged_only=True), 3),
        "us_per_print": round(us_per_print, 1),
        "us_per_comparison": round(us_per_comparison, 2),
    }
    return outcomes, figures


def print_kinds(outcomes: Sequence[Outcome]) -> None:
    print(f"{'kind':<22} {'label':<9} {'pairs':>5} {'wrong':>5} {'part held out':>13}")
    groups = Counter((o.pair.kind, o.pair.same) for o in outcomes)
    for (kind, same), count in sorted(groups.items()):
        group = [o for o in outcomes if o.pair.kind == kind and o.pair.same == same]
        wrong = sum(1 for o in group if o.wrong)
        held = sum(1 for o in group if o.pair.part == "heldout")
        label = "same" if same else "different"
        print(f"{kind:<22} {label:<9} {count:>5} {wrong:>5} {held:>13}")


def print_errors(outcomes: Sequence[Outcome]) -> None:
    print("\nWrong pairs (merged: told as one event, they are two; missed: one event, not merged)")
    for o in outcomes:
        if o.wrong:
            verdict = "merged" if o.merged else "missed"
            first, second = (title[:55] for title in o.pair.titles)
            print(f"  {verdict} {o.pair.part:<7} {o.pair.kind:<20} {first} | {second}")


def figures_of(result: dict[str, float]) -> list[Figure]:
    return [
        at_least("held-out precision", result["held_out_precision"], TARGET_PRECISION),
        context("held-out recall", result["held_out_recall"]),
        context("precision (all pairs)", result["precision"]),
        context("recall (all pairs)", result["recall"]),
        context("precision (corpus pairs only)", result["corpus_precision"]),
        context("recall (corpus pairs only)", result["corpus_recall"]),
        context("same-event pairs sharing a key", result["key_recall_same_event"]),
        at_least("merged pairs sharing a key", result["key_recall_merged"], 0.99),
        at_most("story_print time", result["us_per_print"], TARGET_US_PER_PRINT, "us"),
        context("same_event time", result["us_per_comparison"], "us"),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list every wrongly judged pair")
    parser.add_argument("--quick", action="store_true", help="same run (it is already quick)")
    parser.add_argument("--no-record", action="store_true", help="leave bench/results.json alone")
    args = parser.parse_args(argv)
    outcomes, result = measure(read_pairs())
    print_kinds(outcomes)
    if args.errors:
        print_errors(outcomes)
    print(
        f"\n{result['pairs']:.0f} pairs, {result['same_event_pairs']:.0f} the same event, "
        f"{result['held_out_pairs']:.0f} held out"
    )
    parts = (("all pairs", ""), ("tune", "tune_"), ("held out", "held_out_"), ("corpus", "corpus_"))
    for name, prefix in parts:
        print(
            f"{name:<10} P {result[prefix + 'precision']:.3f}  R {result[prefix + 'recall']:.3f}"
            f"  F1 {result[prefix + 'f1']:.3f}  wrong merges {result[prefix + 'false_merges']:.0f}"
        )
    figures = figures_of(result)
    print_table("Same event", figures)
    if not args.no_record:
        record_figures("stories", figures, {"details": result}, quick=args.quick)


if __name__ == "__main__":
    main()
