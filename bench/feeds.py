"""Feed polling at scale: a first poll of 200 feeds × 50 full-text items, a round of 304s, and
memory over 10 rounds of fresh items, from local outlets (``bench.feed_outlets``).

The outlets run in their own process on 20 loopback addresses (the bot's per-host limit, 2
requests at a time, then allows what it would for 20 outlets); every item is a distinct OrangeSum
article in ``content:encoded`` with its abstract as standfirst. Targets (issue 12):

* first poll: >= 300 new items stored per second (fetch, parse, summary, tags, story, storing),
  measured (a) as a whole process, ``python -m bot feeds poll --once`` wall time from spawn to
  exit, start-up included, over the items it stored, and (b) in this process, one
  ``FeedPoller.poll_due()`` on services opened with ``app.services.open_services``;
* a round where every feed answers 304, under 2 s, both ways;
* memory flat over 10 rounds in one process (each feed gains a few items per round, so every
  round stores articles): VmRSS after each round, growth per round after the first.

Both ways use the same config.toml ([feeds] concurrency 8 unless ``--concurrency``, teaser_words
0, logging at INFO as shipped: into a file in-process). The corpus abstracts are short enough to be
the outlet's summary, so the summarizer runs for none of the items; ``--no-standfirst`` serves no
description, and every item is summarised. Feeds are followed through ``bot feeds import
FILE.opml`` (whole process) or ``FeedService.import_opml`` (in-process), on two fresh databases.
Between rounds every feed is made due again through the feed store (``set_paused(paused=False)``,
a resume, which makes a feed due at once), outside the timing. ``bot feeds list`` on the whole
process's store afterwards times its start-up, opening and exit alone, for context.

``--profile`` measures nothing else: it runs the in-process first poll under cProfile, every
thread (event loop, parse threads, SQLite connections) merged, idle waits left out, and prints the
top functions by cumulative and by own time.

    python -m bench.feeds [--quick] [--concurrency N] [--no-standfirst] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging
import pstats
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.config import Config, load_config
from app.services import open_services
from bench.common import (
    REPO_ROOT,
    Figure,
    NoSending,
    at_least,
    at_most,
    context,
    print_table,
    record_figures,
)
from bench.feed_outlets import OutletServer, Plan
from bot.services import Services
from core.clock import utc_now
from feeds.opml import OpmlFeed, write_opml
from feeds.poller import PollOutcome
from feeds.stores import FeedStore
from storage.backends import open_stores

TARGET_ITEMS_PER_S = 300.0
TARGET_NOT_MODIFIED_S = 2.0
TARGET_GROWTH_MB = 1.0
"""Our bar for « flat »: under 1 MB more per round once the first round is done."""
PROFILE_LINES = 15
IDLE = frozenset(
    {
        "<method 'get' of '_queue.SimpleQueue' objects>",
        "<method 'poll' of 'select.epoll' objects>",
        "<method 'acquire' of '_thread.lock' objects>",
        "_worker",
        "_connection_worker_thread",
        "select",
    }
)
"""Profile entries that are threads waiting: left out of the printed profile."""
FULL = Plan(feeds=200, items=50, new_per_round=3, rounds=10, hosts=20)
QUICK = Plan(feeds=20, items=20, new_per_round=2, rounds=3, hosts=10)
POLL_LINE = re.compile(
    r"polled (\d+) feeds: (\d+) fetched, (\d+) not modified, (\d+) failed; (\d+) new articles"
)


@dataclass(frozen=True, slots=True)
class Poll:
    """One timed polling round."""

    seconds: float
    cpu_seconds: float
    """This process's (in-process) or the child's (whole process) CPU time, all threads."""
    stored: int
    """Articles in the store after the round minus before."""
    fetched: int
    not_modified: int
    failed: int

    @property
    def per_second(self) -> float:
        return self.stored / self.seconds


@dataclass(frozen=True, slots=True)
class WholeProcess:
    first: Poll
    not_modified: Poll
    list_seconds: float
    """``bot feeds list`` on the same store afterwards: start-up, opening and exit alone."""


@dataclass(frozen=True, slots=True)
class InProcess:
    first: Poll
    not_modified: Poll
    rounds: tuple[Poll, ...]
    rss_mb: tuple[float, ...]
    """VmRSS after each of ``rounds``."""


def write_config(folder: Path, *, concurrency: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    path.write_text(
        "[database]\n"
        f'path = "{folder / "bot.db"}"\n\n'
        "[content]\n"
        "load_seed = false\n\n"
        "[feeds]\n"
        "load_sources = false\n"
        "allow_private_hosts = true\n"
        f"concurrency = {concurrency}\n"
        "teaser_words = 0\n\n"  # full text in every item; no page is fetched
        "[logging]\n"
        'level = "INFO"\n',
        encoding="utf-8",
    )
    return path


def opml_of(urls: Sequence[str]) -> bytes:
    entries = [OpmlFeed(url=url, title=f"Outlet {number}") for number, url in enumerate(urls)]
    return write_opml(entries, title="bench.feeds", now=datetime.now(UTC)).encode()


async def make_all_due(store: FeedStore) -> None:
    """Every feed due now (a resume): the next round polls them all."""
    now = utc_now()
    for feed in await store.all():
        await store.set_paused(feed.id, paused=False, now=now)


async def _on_store(config: Config, *, make_due: bool) -> int:
    stores = await open_stores(config.database, utc_now)
    try:
        if make_due:
            await make_all_due(stores.feeds)
        return await stores.articles.count()
    finally:
        await stores.close()


def vm_rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- (a) the whole process ----------------------------------------------------------------


def run_bot(config_path: Path, log: Path, *arguments: str) -> tuple[str, float, float]:
    """``python -m bot feeds …``: its output, wall seconds from spawn to exit, CPU seconds."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with log.open("a", encoding="utf-8") as errors:
        done = subprocess.run(
            [sys.executable, "-m", "bot", "feeds", *arguments, "--config", str(config_path)],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            check=False,
        )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    if done.returncode != 0:
        raise RuntimeError(f"bot feeds {' '.join(arguments)} exited with {done.returncode}")
    return done.stdout, seconds, cpu


def whole_process_poll(config_path: Path, log: Path) -> Poll:
    config = load_config(config_path)
    before = asyncio.run(_on_store(config, make_due=True))
    output, seconds, cpu = run_bot(config_path, log, "poll", "--once")
    found = POLL_LINE.search(output)
    if found is None:
        raise RuntimeError(f"unexpected output of feeds poll --once: {output!r}")
    _, fetched, not_modified, failed, _ = (int(group) for group in found.groups())
    after = asyncio.run(_on_store(config, make_due=False))
    return Poll(seconds, cpu, after - before, fetched, not_modified, failed)


def whole_process(folder: Path, urls: Sequence[str], concurrency: int) -> WholeProcess:
    config_path = write_config(folder, concurrency=concurrency)
    opml = folder / "feeds.opml"
    opml.write_bytes(opml_of(urls))
    log = folder / "bot.log"
    output, _, _ = run_bot(config_path, log, "import", str(opml))
    print(f"  {output.strip()}", flush=True)
    first = whole_process_poll(config_path, log)
    print(f"  (a) first poll: {describe(first)}", flush=True)
    not_modified = whole_process_poll(config_path, log)
    print(f"  (a) 304 round: {describe(not_modified)}", flush=True)
    _, listing, _ = run_bot(config_path, log, "list")
    print(f"  (a) feeds list on that store: {listing:.2f} s", flush=True)
    return WholeProcess(first, not_modified, listing)


# --- (b) in this process ------------------------------------------------------------------


async def timed_round(services: Services) -> Poll:
    before = await services.library.count()
    started, cpu = time.perf_counter(), time.process_time()
    done = await services.feeds.poller.poll_due()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    stored = await services.library.count() - before
    failed = done.count(PollOutcome.FAILED) + done.count(PollOutcome.GONE)
    fetched, not_modified = done.count(PollOutcome.FETCHED), done.count(PollOutcome.NOT_MODIFIED)
    return Poll(seconds, cpu, stored, fetched, not_modified, failed)


def in_process_config(folder: Path, concurrency: int) -> Config:
    """The config (logging at INFO into a file, as the command line logs to stderr)."""
    config = load_config(write_config(folder, concurrency=concurrency))
    handler = logging.FileHandler(folder / "bot.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    return config


async def in_process(
    folder: Path, outlets: OutletServer, plan: Plan, concurrency: int
) -> InProcess:
    config = in_process_config(folder, concurrency)
    async with open_services(config, NoSending()) as services:
        await services.feeds.import_opml(opml_of(outlets.feed_urls), added_by="bench")
        first = await timed_round(services)
        print(f"  (b) first poll: {describe(first)}", flush=True)
        await make_all_due(services.feeds.store)
        not_modified = await timed_round(services)
        print(f"  (b) 304 round: {describe(not_modified)}", flush=True)
        rounds: list[Poll] = []
        rss: list[float] = []
        for number in range(1, plan.rounds + 1):
            outlets.set_round(number)
            await make_all_due(services.feeds.store)
            rounds.append(await timed_round(services))
            rss.append(vm_rss_mb())
            print(f"  (b) round {number}: {describe(rounds[-1])}, VmRSS {rss[-1]:.1f} MB")
    return InProcess(first, not_modified, tuple(rounds), tuple(rss))


async def profile_first_poll(folder: Path, outlets: OutletServer, concurrency: int) -> None:
    """cProfile of the in-process first poll, every thread's (the event loop's, the parse
    threads', the SQLite connections'), merged; printed by cumulative and by own time."""
    config = in_process_config(folder, concurrency)
    profiles: list[cProfile.Profile] = []

    def profile_this_thread(*_: object) -> None:
        profile = cProfile.Profile()
        profiles.append(profile)
        profile.enable()  # replaces this hook in the thread that called it

    threading.setprofile(profile_this_thread)  # threads started from now on
    try:
        async with open_services(config, NoSending()) as services:
            await services.feeds.import_opml(opml_of(outlets.feed_urls), added_by="bench")
            main_thread = cProfile.Profile()
            main_thread.enable()
            first = await timed_round(services)
            main_thread.disable()
    finally:
        threading.setprofile(None)
    print(f"  (b) first poll, profiled: {describe(first)}", flush=True)
    stats = pstats.Stats(main_thread, *profiles, stream=sys.stdout)
    table: dict[tuple[str, int, str], object] = stats.stats  # type: ignore[attr-defined]
    for key in [key for key in table if key[2] in IDLE]:
        del table[key]  # threads waiting for work (their loops' cumulative time is mostly that)
    for order in ("cumulative", "tottime"):
        print(f"\n== cProfile of the in-process first poll, all threads, by {order} ==")
        stats.sort_stats(order).print_stats(PROFILE_LINES)


def describe(poll: Poll) -> str:
    feeds = f"feeds {poll.fetched} fetched, {poll.not_modified} not modified, {poll.failed} failed"
    if not poll.stored:
        return f"nothing stored, {poll.seconds:.3f} s ({poll.cpu_seconds:.3f} s CPU); {feeds}"
    return (
        f"{poll.stored:,} stored in {poll.seconds:.2f} s ({poll.per_second:,.0f} items/s, "
        f"{1000 * poll.cpu_seconds / poll.stored:.2f} ms CPU/item); {feeds}"
    )


def figures_of(whole: WholeProcess, inside: InProcess, plan: Plan) -> list[Figure]:
    first_whole, not_modified_whole = whole.first, whole.not_modified
    rss = inside.rss_mb
    growth = (rss[-1] - rss[0]) / (len(rss) - 1) if len(rss) > 1 else 0.0
    per_round = [poll.stored for poll in inside.rounds]
    return [
        context("(a) whole process: items stored", first_whole.stored),
        context("(a) whole process: seconds", round(first_whole.seconds, 2), "s"),
        at_least(
            "(a) first poll, whole process",
            round(first_whole.per_second, 1),
            TARGET_ITEMS_PER_S,
            "items/s",
        ),
        context(
            "(a) CPU per item", round(1000 * first_whole.cpu_seconds / first_whole.stored, 2), "ms"
        ),
        context("(b) in-process: items stored", inside.first.stored),
        at_least(
            "(b) first poll, in-process",
            round(inside.first.per_second, 1),
            TARGET_ITEMS_PER_S,
            "items/s",
        ),
        context(
            "(b) CPU per item",
            round(1000 * inside.first.cpu_seconds / inside.first.stored, 2),
            "ms",
        ),
        context(
            "ratio (a)/(b) items/s", round(first_whole.per_second / inside.first.per_second, 3)
        ),
        at_most(
            "(a) 304 round, whole process",
            round(not_modified_whole.seconds, 2),
            TARGET_NOT_MODIFIED_S,
            "s",
        ),
        context("(a) start-up alone: feeds list, same store", round(whole.list_seconds, 2), "s"),
        at_most(
            "(b) 304 round, in-process",
            round(inside.not_modified.seconds, 3),
            TARGET_NOT_MODIFIED_S,
            "s",
        ),
        context(f"items stored per round, rounds 1-{plan.rounds}", min(per_round)),
        context("VmRSS after round 1", round(rss[0], 1), "MB"),
        context(f"VmRSS after round {len(rss)}", round(rss[-1], 1), "MB"),
        at_most("VmRSS growth per round after the first", round(growth, 2), TARGET_GROWTH_MB, "MB"),
    ]


def check(poll: Poll, plan: Plan, *, expect_modified: bool, what: str) -> None:
    """A round that did not do what it should is a broken benchmark, not a slow figure."""
    expected = (plan.feeds, 0) if expect_modified else (0, plan.feeds)
    if (poll.fetched, poll.not_modified) != expected or poll.failed:
        raise RuntimeError(f"{what}: {describe(poll)}, expected fetched/304 {expected}")
    if expect_modified and poll.stored == 0:
        raise RuntimeError(f"{what}: nothing stored")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK.feeds} feeds × {QUICK.items} items, {QUICK.rounds} memory rounds",
    )
    parser.add_argument("--concurrency", type=int, default=8, help="[feeds] concurrency")
    parser.add_argument(
        "--profile", action="store_true", help="only cProfile the in-process first poll"
    )
    parser.add_argument(
        "--no-standfirst", action="store_true", help="items without description: all summarised"
    )
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    print(
        f"Feeds: {plan.feeds} feeds × {plan.items} items on {plan.hosts} loopback hosts, "
        f"concurrency {args.concurrency}; then {plan.rounds} rounds of {plan.new_per_round} "
        "new items per feed",
        flush=True,
    )
    with (
        tempfile.TemporaryDirectory(prefix="bench-feeds-") as folder,
        OutletServer(plan, quick=args.quick, standfirst=not args.no_standfirst) as outlets,
    ):
        if args.profile:
            asyncio.run(profile_first_poll(Path(folder), outlets, args.concurrency))
            return 0
        whole = whole_process(Path(folder) / "whole", outlets.feed_urls, args.concurrency)
        inside = asyncio.run(in_process(Path(folder) / "inside", outlets, plan, args.concurrency))
        served = outlets.stats()
    for poll, modified, what in (
        (whole.first, True, "(a) first poll"),
        (whole.not_modified, False, "(a) 304 round"),
        (inside.first, True, "(b) first poll"),
        (inside.not_modified, False, "(b) 304 round"),
        *((poll, True, f"(b) round {n}") for n, poll in enumerate(inside.rounds, 1)),
    ):
        check(poll, plan, expect_modified=modified, what=what)
    figures = figures_of(whole, inside, plan)
    print_table(
        f"Feeds: {plan.feeds} × {plan.items} items, {plan.hosts} hosts, "
        f"concurrency {args.concurrency}{'' if not args.no_standfirst else ', no standfirst'}",
        figures,
    )
    record_figures(
        "feeds",
        figures,
        {
            "feeds": plan.feeds,
            "items_per_feed": plan.items,
            "hosts": plan.hosts,
            "concurrency": args.concurrency,
            "standfirst": not args.no_standfirst,
            "served": served,
            "rounds_items_per_s": [round(poll.per_second, 1) for poll in inside.rounds],
            "rounds_rss_mb": [round(value, 1) for value in inside.rss_mb],
        },
        quick=args.quick,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
