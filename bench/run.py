"""Run every benchmark, then print one table of every figure beside its target.

    python bench/run.py            # the full set (several minutes)
    python bench/run.py --quick    # a small version of each, under a minute

Each benchmark runs in its own process (``python -m bench.<name>``), so a crash in one does not
hide the others' figures and each starts with a fresh interpreter and heap. The exit status is
non-zero when a benchmark crashed, not when a figure misses its target: targets are reported,
not asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._results import RESULTS_PATH
from bench.common import REPO_ROOT, Figure, at_most, format_number, verdict

BENCHMARKS = (
    "fanout",
    "replicas",
    "rate_limited",
    "content_scale",  # before startup_memory, which reuses the store it builds
    "startup_memory",
    "feeds",
    "summary_quality",
    "tagger_check",
    "tagging_quality",
    "stories",
)


@dataclass(frozen=True, slots=True)
class Outcome:
    name: str
    status: int
    seconds: float
    figures: tuple[Figure, ...]


def tagger_check_figures(section: dict[str, Any]) -> list[Figure]:
    return [
        at_most(
            "tagger time per article",
            section["us_per_article"],
            section["target_us_per_article"],
            "us",
        )
    ]


def recorded_figures(section: dict[str, Any]) -> list[Figure]:
    return [Figure(**figure) for figure in section["figures"]]


READERS: dict[str, Callable[[dict[str, Any]], list[Figure]]] = {
    "tagger_check": tagger_check_figures,
    # summary_quality, feeds, stories and the others write ``figures`` with
    # bench.common.record_figures and are read by ``recorded_figures``.
}


def figures_since(name: str, quick: bool, started: datetime) -> tuple[Figure, ...]:
    """The figures ``name`` recorded during this run (none if it recorded nothing new)."""
    try:
        results = json.loads(RESULTS_PATH.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return ()
    section = results.get(f"{name}.quick" if quick else name)
    if section is None or datetime.fromisoformat(section["measured_at"]) < started:
        return ()
    read = READERS.get(name, recorded_figures)
    try:
        return tuple(read(section))
    except (KeyError, TypeError, StopIteration) as error:
        print(f"cannot read the figures of {name}: {error!r}", file=sys.stderr)
        return ()


def run_benchmark(name: str, quick: bool) -> Outcome:
    print(f"\n######## {name}{' --quick' if quick else ''}", flush=True)
    started_at = datetime.now(UTC).replace(microsecond=0)
    started = time.perf_counter()
    command = [sys.executable, "-m", f"bench.{name}", *(["--quick"] if quick else [])]
    status = subprocess.run(command, cwd=REPO_ROOT, check=False).returncode
    seconds = time.perf_counter() - started
    print(f"######## {name}: exit status {status}, {seconds:.1f} s", flush=True)
    return Outcome(name, status, seconds, figures_since(name, quick, started_at))


def print_summary(outcomes: Sequence[Outcome], total_seconds: float) -> None:
    rows = [("benchmark", "figure", "value", "target", "met?")]
    for outcome in outcomes:
        if outcome.status != 0:
            rows.append((outcome.name, "CRASHED", f"exit status {outcome.status}", "", ""))
        for figure in outcome.figures:
            value = f"{format_number(figure.value)} {figure.unit}".rstrip()
            rows.append(
                (outcome.name, figure.name, value, figure.target or "-", verdict(figure.met))
            )
    widths = [max(len(row[column]) for row in rows) for column in range(5)]
    print("\n== All benchmarks ==")
    for number, row in enumerate(rows):
        cells = [
            row[0].ljust(widths[0]),
            row[1].ljust(widths[1]),
            row[2].rjust(widths[2]),
            row[3].ljust(widths[3]),
            row[4],
        ]
        print("  ".join(cells))
        if number == 0:
            print("  ".join("-" * width for width in widths))
    missed = sum(1 for o in outcomes for f in o.figures if f.met is False)
    crashed = [outcome.name for outcome in outcomes if outcome.status != 0]
    durations = ", ".join(f"{outcome.name} {outcome.seconds:.0f} s" for outcome in outcomes)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"\n{len(outcomes)} benchmarks in {total_seconds:.0f} s ({durations}); load average "
        f"{load}; {missed} figure(s) miss their target; crashed: {', '.join(crashed) or 'none'}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small versions, under a minute")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, help="run only these")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    outcomes = [run_benchmark(name, args.quick) for name in args.only or BENCHMARKS]
    print_summary(outcomes, time.perf_counter() - started)
    return 1 if any(outcome.status != 0 for outcome in outcomes) else 0


if __name__ == "__main__":
    raise SystemExit(main())
