"""Content at scale: the OrangeSum corpus through the real pipeline, then the queries readers
run against it and the composition of a morning's digests.

1. Ingestion: every article through ``Library.add`` (summary, topics, fingerprint, store and
   full-text index, one transaction each), into a fresh store; articles/s and the file's size.
   The store is kept in bench/out/ for the other benchmarks (startup_memory). ``--quick``: 2,000
   articles (600 where only the bench/data sample exists); when that store is already cached,
   the rate is timed on 500 fresh articles instead of rebuilding it.
2. Latencies (p50/p99) of what the handlers ask: the /russie page (topic count + newest five)
   and /recherche over 20 varied queries, preprocessed as the handler does.
3. Composition for N subscribers over 50 topic sets: due computation, selection, composition and
   ledger rows (``DigestService.claim_due``, the first half of a tick), nothing sent.

    python -m bench.content_scale [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    OUT_DIR,
    Figure,
    NoSending,
    add_subscribers,
    at_least,
    at_most,
    context,
    median,
    percentile,
    print_table,
    record_figures,
)
from bench.corpus import full_corpus_dir, read_articles
from bot.handlers.reading import searchable_terms
from bot.pages import PAGE_SIZE
from content.library import Library
from content.models import ArticleDraft
from content.pipeline import ArticlePipeline, SummaryBudget
from content.settings import ContentSettings
from content.text import normalize_text
from content.topics import TopicCatalog, load_topics
from digests.delivery import Courier
from digests.service import DigestService
from digests.settings import DigestSettings
from storage.sqlite import open_sqlite
from storage.stores import Stores

FULL_ARTICLES, QUICK_ARTICLES = 21_401, 2_000
QUICK_TIMED_ARTICLES = 500
FULL_SUBSCRIBERS, QUICK_SUBSCRIBERS = 10_000, 1_000
TOPIC_SETS = 50
TARGET_INGEST_PER_S = 200
TARGET_TOPIC_P99_MS = 5.0
TARGET_SEARCH_P99_MS = 20.0
TARGET_COMPOSE_S = 2.0

BUILT_AT = datetime(2025, 6, 23, 6, 0, tzinfo=UTC)
"""Every article's arrival: inside the first-digest window of DIGEST_AT."""
DIGEST_AT = datetime(2025, 6, 23, 8, 5, tzinfo=UTC)
SUBSCRIBED_AT = DIGEST_AT - timedelta(days=1)
TIMEZONES = (
    "Africa/Bamako",
    "Africa/Ouagadougou",
    "Africa/Niamey",
    "Africa/Ndjamena",
    "Europe/Paris",
)
"""All past 07:00 at DIGEST_AT, so every subscriber is due."""

SEARCHES = (
    "gouvernement",  # common words
    "France",
    "président",
    "police",
    "Tombouctou",  # rare words
    "hydroxychloroquine",
    "Goïta",  # names with and without accents
    "goita",
    "Sénégal",
    "senegal",
    "Emmanuel Macron",  # two words, AND
    "Mali armée",
    "coronavirus vaccin",
    "élections municipales 2020",
    "Tombouctou Pyongyang Kremlin",  # nothing has all three: broadens to OR
    "zébrures xylophonistes",  # nothing at all, even broadened
    '(AES) * "Mali',  # symbols and FTS syntax
    "#covid-19 !!",
    "l'Élysée",
    "Jean-Luc Mélenchon",
)


def clock_at(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def store_path(limit: int) -> Path:
    """The cache file for the first ``limit`` articles of the corpus at hand (the full one, or
    in quick mode without it, the sample shipped in bench/data)."""
    source = "full" if full_corpus_dir() is not None else "sample"
    return OUT_DIR / f"store-{source}-{limit}.db"


def read_drafts(limit: int, *, quick: bool) -> Iterator[ArticleDraft]:
    """Corpus rows as the ingestion path would hand them over: normalised title and body."""
    for row in read_articles("train", quick=quick, limit=limit):
        yield ArticleDraft(
            normalize_text(row["title"]),
            normalize_text(row["article"]),
            published_on=date.fromisoformat(row["date"]) if row.get("date") else None,
        )


def summary_budget() -> SummaryBudget:
    """The production default (content.settings), as open_services builds it."""
    return ContentSettings().budget


def library_for(stores: Stores, catalog: TopicCatalog, moment: datetime) -> Library:
    return Library(stores.articles, ArticlePipeline(catalog, summary_budget()), clock_at(moment))


async def ingest(
    path: Path, drafts: Sequence[ArticleDraft], *, progress: bool
) -> tuple[int, float]:
    """Add ``drafts`` to a fresh store at ``path``; return (new articles, seconds)."""
    stores = await open_sqlite(path, clock_at(BUILT_AT))
    try:
        catalog = load_topics()
        library = library_for(stores, catalog, BUILT_AT)
        if drafts:
            # Untimed: loads the summarizer's weights and compiles the patterns, a one-off cost
            # of the process that a 500-article quick run would otherwise spread over its rate.
            ArticlePipeline(catalog, summary_budget()).prepare(drafts[0])
        added = 0
        started = time.perf_counter()
        for number, draft in enumerate(drafts, start=1):
            result = await library.add(draft, added_by="bench")
            added += not result.duplicate
            if progress and number % 5_000 == 0:
                rate = number / (time.perf_counter() - started)
                print(f"  {number:,} articles, {rate:,.0f}/s", flush=True)
        return added, time.perf_counter() - started
    finally:
        await stores.close()


def _remove_store(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@dataclass(frozen=True, slots=True)
class Ingestion:
    offered: int
    added: int
    seconds: float


async def build_store(limit: int, *, quick: bool) -> Ingestion:
    """Ingest the first ``limit`` articles of the corpus into the cache file (replacing it)."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    drafts = list(read_drafts(limit, quick=quick))
    target = store_path(limit)
    building = target.with_suffix(".building")
    _remove_store(building)
    added, seconds = await ingest(building, drafts, progress=len(drafts) > QUICK_ARTICLES)
    os.replace(building, target)  # closed cleanly: the WAL is merged into the file
    return Ingestion(len(drafts), added, seconds)


async def ensure_store(limit: int, *, quick: bool) -> Path:
    """The cached store of the first ``limit`` articles of the corpus, built when missing."""
    path = store_path(limit)
    if not path.exists():
        print(f"Building the store of {limit:,} articles (cached in {path})...", flush=True)
        await build_store(limit, quick=quick)
    return path


async def latencies_ms(
    call: Callable[[], Awaitable[object]], repeats: int, cpu: list[float] | None = None
) -> list[float]:
    """Wall-clock milliseconds of ``repeats`` calls; with ``cpu``, the process's CPU time of each
    call is appended to it too (the database thread's work included): on a shared machine the
    gap between the two is time spent waiting for a core."""
    for _ in range(3):  # warm the page cache and the statement cache
        await call()
    found = []
    for _ in range(repeats):
        started, cpu_started = time.perf_counter(), time.process_time()
        await call()
        found.append((time.perf_counter() - started) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - cpu_started) * 1000)
    return found


async def topic_page(library: Library, topic: str) -> None:
    """What the /russie handler asks, in its order (reading.topic_page)."""
    total = (await library.topic_counts()).get(topic, 0)
    if total:
        await library.latest(topic=topic, limit=PAGE_SIZE, offset=0)


async def search_page(library: Library, query: str) -> None:
    """What /recherche asks (reading.search_results): folded terms, one page plus one."""
    terms = searchable_terms(query)
    await library.search(
        " ".join(terms) if terms else query, limit=PAGE_SIZE + 1, offset=0, broadened=None
    )


async def measure_queries(library: Library, repeats: int) -> tuple[list[Figure], dict[str, float]]:
    latest = await latencies_ms(lambda: library.latest(topic="russie", limit=PAGE_SIZE), repeats)
    counts = await latencies_ms(library.topic_counts, repeats)
    page = await latencies_ms(lambda: topic_page(library, "russie"), repeats)
    searches: list[float] = []
    searches_cpu: list[float] = []
    per_query: dict[str, float] = {}
    for query in SEARCHES:
        call = partial(search_page, library, query)
        found = await latencies_ms(call, max(3, repeats // 10), searches_cpu)
        searches += found
        per_query[query] = round(median(found), 2)
    figures = [
        context("/russie latest(5): p50", round(percentile(latest, 0.5), 2), "ms"),
        at_most(
            "/russie latest(5): p99", round(percentile(latest, 0.99), 2), TARGET_TOPIC_P99_MS, "ms"
        ),
        context("/russie topic count: p50", round(percentile(counts, 0.5), 2), "ms"),
        at_most(
            "/russie topic count: p99",
            round(percentile(counts, 0.99), 2),
            TARGET_TOPIC_P99_MS,
            "ms",
        ),
        context("/russie whole page: p99", round(percentile(page, 0.99), 2), "ms"),
        context("/recherche (20 queries): p50", round(percentile(searches, 0.5), 2), "ms"),
        at_most(
            "/recherche (20 queries): p99",
            round(percentile(searches, 0.99), 2),
            TARGET_SEARCH_P99_MS,
            "ms",
        ),
        context("/recherche: p99 of CPU time", round(percentile(searches_cpu, 0.99), 2), "ms"),
    ]
    return figures, per_query


def topic_sets(catalog: TopicCatalog, count: int, seed: int = 5) -> list[tuple[str, ...]]:
    """``count`` distinct subscriptions, from one topic to all of them (seeded)."""
    rng = random.Random(seed)
    keys = list(catalog.keys)
    chosen = {tuple(keys)}
    while len(chosen) < count:
        size = rng.choice((1, 1, 2, 2, 3, 4, 5))
        chosen.add(tuple(sorted(rng.sample(keys, size))))
    return sorted(chosen)


async def measure_composition(path: Path, catalog: TopicCatalog, readers: int) -> float:
    """Seconds for the claim step of a tick over ``readers`` due subscribers."""
    sets = topic_sets(catalog, TOPIC_SETS)
    chat_ids = list(range(1_000_000, 1_000_000 + readers))
    await add_subscribers(path, chat_ids, sets, now=SUBSCRIBED_AT, timezones=TIMEZONES)
    moment = clock_at(DIGEST_AT)
    stores = await open_sqlite(path, moment)
    try:
        service = DigestService(
            library_for(stores, catalog, DIGEST_AT),
            stores.subscribers,
            stores.deliveries,
            Courier(stores.subscribers, NoSending(), moment),
            moment,
            DigestSettings(),
        )
        started = time.perf_counter()
        # The claim step of a tick (due, selection, composition, ledger rows), without sending.
        due, empty = await service.claim_due()
    finally:
        await stores.close()
    seconds = time.perf_counter() - started
    if due != readers:
        raise RuntimeError(f"{due} digests claimed for {readers} due subscribers ({empty} empty)")
    return seconds


async def timed_ingestion(limit: int, workdir: Path, *, quick: bool) -> Ingestion:
    """Full runs time the whole build of the store. Quick runs reuse the cached store when there
    is one and time a fresh QUICK_TIMED_ARTICLES instead, to stay within their minute."""
    if quick and store_path(limit).exists():
        drafts = list(read_drafts(QUICK_TIMED_ARTICLES, quick=True))
        print(f"Ingesting {len(drafts):,} articles through Library.add (store cached)", flush=True)
        added, seconds = await ingest(workdir / "timed.db", drafts, progress=False)
        return Ingestion(len(drafts), added, seconds)
    print(f"Ingesting up to {limit:,} articles through Library.add...", flush=True)
    return await build_store(limit, quick=quick)


async def measure(
    limit: int, readers: int, repeats: int, workdir: Path, *, quick: bool
) -> dict[str, object]:
    ingestion = await timed_ingestion(limit, workdir, quick=quick)
    cached = store_path(limit)
    size_mb = cached.stat().st_size / 1e6
    scratch = workdir / "store.db"
    shutil.copyfile(cached, scratch)
    stores = await open_sqlite(scratch, clock_at(BUILT_AT))
    try:
        catalog = load_topics()
        library = library_for(stores, catalog, BUILT_AT)
        stored = await library.count()
        query_figures, per_query = await measure_queries(library, repeats)
    finally:
        await stores.close()
    compose_seconds = await measure_composition(scratch, catalog, readers)
    figures = [
        context("articles in the store", stored),
        at_least(
            f"ingestion of {ingestion.offered:,} (summary + tags + store)",
            round(ingestion.offered / ingestion.seconds, 1),
            TARGET_INGEST_PER_S,
            "art/s",
        ),
        context("database size", round(size_mb, 1), "MB"),
        *query_figures,
        at_most(
            f"compose {readers:,} digests, {TOPIC_SETS} topic sets",
            round(compose_seconds, 3),
            TARGET_COMPOSE_S,
            "s",
        ),
    ]
    return {
        "figures": figures,
        "articles": stored,
        "ingested": ingestion.offered,
        "ingest_duplicates": ingestion.offered - ingestion.added,
        "per_query_median_ms": per_query,
        "ingest_seconds": round(ingestion.seconds, 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ARTICLES:,} articles")
    args = parser.parse_args(argv)
    limit = QUICK_ARTICLES if args.quick else FULL_ARTICLES
    readers = QUICK_SUBSCRIBERS if args.quick else FULL_SUBSCRIBERS
    repeats = 50 if args.quick else 300
    with tempfile.TemporaryDirectory(prefix="bench-content-") as folder:
        results = asyncio.run(measure(limit, readers, repeats, Path(folder), quick=args.quick))
    articles = results["articles"]
    figures: list[Figure] = results.pop("figures")  # type: ignore[assignment]
    print("\nmedian ms per search query:")
    for query, milliseconds in results["per_query_median_ms"].items():  # type: ignore[attr-defined]
        print(f"  {milliseconds:8.2f}  {query}")
    print_table(f"Content at scale: {articles:,} articles, {readers:,} subscribers", figures)
    record_figures(
        "content_scale",
        figures,
        {"subscribers": readers, **results},
        quick=args.quick,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
