"""Feeds are parsed, summarised and tagged in worker processes (``[feeds] workers``): the
articles must be the same as when the bot's own process does the work, and a worker that dies
must cost one round, not every round after it."""

from __future__ import annotations

import os
import signal
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from feeds.poller import PollOutcome
from tests.e2e.feed_polling_support import (
    NEWS,
    Entry,
    follow,
    news,
    poll_later,
    poll_once,
    polling,
    rss,
)
from tests.support.factories import FakeClock
from tests.support.feed_server import FeedServer, Response


def _entries(server: FeedServer, clock: FakeClock) -> list[Entry]:
    return [news(n, server, published=clock() - timedelta(hours=n + 1)) for n in range(len(NEWS))]


async def _articles(tmp_path: Path, name: str, workers: int) -> list[tuple[object, ...]]:
    clock = FakeClock()
    async with FeedServer() as server, polling(tmp_path / name, clock, workers=workers) as services:
        server.route("/rss", Response(body=rss(_entries(server, clock))))
        await follow(services, server.url("/rss"), topic="sahel")
        result = await poll_once(services)
        assert result.outcome is PollOutcome.FETCHED and result.new_articles == len(NEWS)
        stored = await services.library.latest(limit=50, one_per_story=False)
    # Each run has its own server, on its own port: links compare by their path.
    return sorted(
        (a.title, a.body, a.summary, a.topics, a.fingerprint, a.source, urlsplit(a.url or "").path)
        for a in stored
    )


async def test_worker_processes_store_what_the_bot_s_process_would(tmp_path: Path) -> None:
    in_workers = await _articles(tmp_path, "workers.db", workers=2)
    in_process = await _articles(tmp_path, "process.db", workers=0)
    assert in_workers == in_process
    assert len(in_workers) == len(NEWS)


async def test_a_dead_worker_costs_one_round_only(tmp_path: Path) -> None:
    clock = FakeClock()
    async with FeedServer() as server, polling(tmp_path / "s.db", clock, workers=1) as services:
        entries = _entries(server, clock)
        server.route("/rss", Response(body=rss(entries[:1])))
        feed = await follow(services, server.url("/rss"))
        assert (await poll_once(services)).new_articles == 1  # the pool is up
        pool = services.feeds.poller._workers._pool  # type: ignore[attr-defined]
        for process in list(pool._processes.values()):
            os.kill(process.pid, signal.SIGKILL)
        server.route("/rss", Response(body=rss(entries[:2])))
        failed = await poll_later(services, clock)
        assert failed.outcome is PollOutcome.FAILED
        assert failed.error == "unexpected error: BrokenProcessPool"
        clock.advance(days=1)  # past the backoff
        recovered = await poll_once(services)
        assert recovered.outcome is PollOutcome.FETCHED and recovered.new_articles == 1
        assert recovered.feed.id == feed.id
