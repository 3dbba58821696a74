"""What an operator watches, on the real bot: ``/healthz`` and ``/metrics`` over real HTTP, on
both backends.

The bot runs as ``python -m bot run`` builds it (``build_bot`` with the replica's metrics),
polling the local Bot API server; the database is a real SQLite file or a real PostgreSQL
database. The metrics are read with prometheus-client's own parser.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.healthcheck import check, main
from app.metrics import ReplicaMetrics
from app.ops import OpsSettings
from app.run import build_bot
from bot.application import start_in_process, stop_in_process
from bot.context import BotApplication
from bot.services import Services
from fake_bot_api import DEFAULT_TOKEN, LocalBotApi
from storage.backends import open_stores
from storage.settings import DatabaseSettings
from storage.stores import Stores
from tests.e2e.feed_polling_support import Entry, rss
from tests.support.factories import FakeClock, readers
from tests.support.feed_server import FeedServer, Response
from tests.support.harness import bot_config
from tests.support.observing import digests_by_chat
from tests.support.ops import free_port, health, sample, scrape

REPLICA = "bot-test-1"
DIGEST_HOUR = datetime(2025, 6, 23, 7, 5, tzinfo=UTC)  # 07:05 in Bamako, the readers' hour


@dataclass
class RunningBot:
    application: BotApplication
    stores: Stores
    port: int
    clock: FakeClock

    @property
    def services(self) -> Services:
        return self.application.bot_data.services


@pytest.fixture
async def running(
    api: LocalBotApi, database: DatabaseSettings, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[RunningBot]:
    """The bot with its metrics on a free port; the feed clock off (the tests poll themselves),
    the digest clock slow (the tests tick themselves)."""
    port = free_port()
    base = bot_config(api, tmp_path / "unused.db", check_interval_seconds=3600)
    config = replace(
        base,
        database=database,
        feeds=replace(base.feeds, enabled=False),
        ops=OpsSettings(replica=REPLICA, metrics_port=port, metrics_listen="127.0.0.1"),
    )
    stores = await open_stores(database, clock)
    application = build_bot(
        config,
        DEFAULT_TOKEN,
        clock=clock,
        stores=stores,
        private_chat_interval=0.0,
        metrics=ReplicaMetrics(REPLICA),
    )
    await start_in_process(application)
    try:
        yield RunningBot(application, stores, port, clock)
    finally:
        await stop_in_process(application)
        await stores.close()


def ops_config(tmp_path: Path, port: int) -> Path:
    """The file the image's health check reads: only the port matters to it."""
    path = tmp_path / "health.toml"
    path.write_text(f'[ops]\nmetrics_port = {port}\nmetrics_listen = "127.0.0.1"\n')
    return path


async def test_healthz_answers_with_the_replica_once_the_database_answers(
    running: RunningBot, tmp_path: Path
) -> None:
    assert await health(running.port) == (
        200,
        {"status": "ok", "replica": REPLICA, "database": "ok"},
    )
    # The image's HEALTHCHECK: python -m app.healthcheck, on the same configuration file.
    assert await asyncio.to_thread(main, [str(ops_config(tmp_path, running.port))]) == 0


async def test_metrics_show_the_backlog_then_the_digests_sent(
    running: RunningBot, api: LocalBotApi
) -> None:
    before = await scrape(running.port)
    assert sample(before, "sahel_deliveries_total", replica=REPLICA, outcome="sent") == 0
    assert sample(before, "sahel_deliveries_pending", replica=REPLICA) == 0
    assert sample(before, "sahel_database_up", replica=REPLICA) == 1

    chats = list(range(40_000, 40_003))
    await running.stores.subscribers.add_many(
        readers(chats, since=running.clock()), running.clock()
    )
    running.clock.set(DIGEST_HOUR)
    assert await running.services.digests.claim_due() == (3, 0)  # recorded, not sent yet
    running.clock.advance(seconds=90)
    waiting = await scrape(running.port)
    assert sample(waiting, "sahel_deliveries_pending", replica=REPLICA) == 3
    assert sample(waiting, "sahel_deliveries_claimed", replica=REPLICA) == 0
    assert sample(waiting, "sahel_claim_lag_seconds", replica=REPLICA) == 90

    report = await running.services.digests.tick()
    assert report.delivery.sent == 3
    assert digests_by_chat(api) == dict.fromkeys(chats, 1)
    after = await scrape(running.port)
    assert sample(after, "sahel_deliveries_total", replica=REPLICA, outcome="sent") == 3
    assert sample(after, "sahel_deliveries_total", replica=REPLICA, outcome="unreachable") == 0
    assert sample(after, "sahel_deliveries_pending", replica=REPLICA) == 0
    assert sample(after, "sahel_claim_lag_seconds", replica=REPLICA) == 0


async def test_metrics_count_the_flood_waits_telegram_asks_for(
    running: RunningBot, api: LocalBotApi
) -> None:
    """The bot sends faster than this server allows: each 429 is counted with its seconds,
    and the rate limiter's retries still deliver every digest."""
    chats = list(range(41_000, 41_004))
    await running.stores.subscribers.add_many(
        readers(chats, since=running.clock()), running.clock()
    )
    running.clock.set(DIGEST_HOUR)
    api.set_rate_limit(2, retry_after=1)
    report = await running.services.digests.tick()
    assert report.delivery.sent == len(chats)
    refused = api.rate_limited_count
    assert refused > 0, "the server never refused: nothing was tested"
    samples = await scrape(running.port)
    assert sample(samples, "sahel_flood_waits_total", replica=REPLICA) == refused
    assert sample(samples, "sahel_flood_wait_seconds_total", replica=REPLICA) == refused * 1.0


async def test_metrics_count_feed_polls_by_outcome(running: RunningBot) -> None:
    entry = Entry("Niamey accueille un sommet", "Les dirigeants de l'AES se réunissent.")
    async with FeedServer() as server:
        server.route("/sahel.xml", Response(body=rss([entry])))
        feeds = running.services.feeds
        await feeds.add(server.url("/sahel.xml"), added_by="test")
        await feeds.poller.poll_due()
    samples = await scrape(running.port)
    polls = {
        outcome: sample(samples, "sahel_feed_polls_total", replica=REPLICA, outcome=outcome)
        for outcome in ("fetched", "not_modified", "failed", "gone")
    }
    assert polls == {"fetched": 1, "not_modified": 0, "failed": 0, "gone": 0}


async def test_healthz_says_unavailable_when_the_database_is_gone(
    running: RunningBot, tmp_path: Path
) -> None:
    await running.stores.close()
    status, body = await health(running.port)
    assert status == 503
    assert body["status"] == "unavailable" and body["replica"] == REPLICA
    assert body["database"].startswith("error")
    url = f"http://127.0.0.1:{running.port}/healthz"
    assert await asyncio.to_thread(check, url) == f"{url} answered HTTP 503"
    assert await asyncio.to_thread(main, [str(ops_config(tmp_path, running.port))]) == 1
    samples = await scrape(running.port)  # the counters are still there; no stale backlog
    assert sample(samples, "sahel_database_up", replica=REPLICA) == 0
    assert sample(samples, "sahel_deliveries_pending", replica=REPLICA) is None
    assert sample(samples, "sahel_deliveries_total", replica=REPLICA, outcome="sent") == 0
