"""A store filled the way the bot fills one, and what the bot reads from it: for the tests of
``python -m bot db migrate-to`` and ``db backup`` (tests/e2e/test_cli_db.py)."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import closing
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from app.config import Config
from app.services import open_services
from content.models import ArticleDraft
from core.clock import utc_now
from digests.delivery import ChatUnreachable, RetryLater
from digests.ledger import Claimant, Kind
from feeds.models import FeedState, NewFeed, SeenItem
from feeds.settings import FeedSettings
from storage.backends import open_stores
from storage.settings import DatabaseSettings
from storage.stores import Stores
from storage.transfer.plan import TABLES
from tests.support.factories import FakeClock
from tests.support.sahel_texts import FOOTBALL, GOITA, URANIUM

START = datetime(2025, 6, 23, 5, 0, tzinfo=UTC)
DAY = START.date()
SENT = 1001  # mali and aes: its digest is delivered
ALSO_SENT = 1002  # every topic: delivered
BLOCKED = 1003  # blocked the bot: its digest failed, the chat is marked unreachable
FLAKY = 1004  # out of reach for now: its digest stays pending after a try
NOTHING_NEW = 1005  # a topic no article has: its digest is recorded empty
GROUP = -1006  # a group whose hour has not come
LEFT = 1007  # unsubscribed from everything
CHATS = (SENT, ALSO_SENT, BLOCKED, FLAKY, NOTHING_NEW, GROUP, LEFT)
SEARCHES = (["goïta"], ["goita"], ["uranium"], ["bamako", "niamey"], ["stade"])
"""Searches every backend must answer alike; the first two find an accented word."""
TEXTS = (
    ("Goïta reçoit les ministres de l’AES", GOITA),
    ("Les ministres de l’AES à Bamako", GOITA.replace("a reçu lundi", "a reçu ce lundi")),
    ("Le Niger veut exporter son uranium par le Bénin", URANIUM),
    ("Le Stade malien remporte la coupe", FOOTBALL),
)


class ScriptedSender:
    """Telegram as the fill needs it: one chat blocked the bot, one is out of reach for now,
    every other message is delivered."""

    async def send_html(self, chat_id: int, html: str) -> None:
        if chat_id == BLOCKED:
            raise ChatUnreachable("Forbidden: bot was blocked by the user")
        if chat_id == FLAKY:
            raise RetryLater("Timed out")


def settings_of(database: Path | str) -> DatabaseSettings:
    if isinstance(database, str):
        return DatabaseSettings(url=database)
    return DatabaseSettings(database)


async def fill(path: Path) -> None:
    """Articles (one story of two outlets, topics, one deleted: the counter is above the
    highest id), readers (topics, all topics, a group, one gone, one blocked), a digest run
    (sent, empty, failed, pending after a failed try), a broadcast, rows claimed by another
    process, feeds (seen items, alerts told and untold, one removed) and handled updates."""
    clock = FakeClock(START)
    config = Config(database=DatabaseSettings(path), feeds=FeedSettings(load_sources=False))
    async with open_services(config, ScriptedSender(), clock) as services:
        for index, (title, body) in enumerate(TEXTS):
            clock.advance(minutes=3)
            draft = ArticleDraft(title, body, "Sahel Matin", f"https://example.org/a/{index}")
            await services.library.add(draft, added_by="cli")
        counts = await services.library.topic_counts()
        unused = next(key for key in services.catalog.keys if key not in counts)
        clock.set(START.replace(hour=5, minute=30))
        subscriptions = services.subscriptions
        await subscriptions.subscribe(SENT, "private", ("mali", "aes"))
        await subscriptions.subscribe(ALSO_SENT, "private", None)
        await subscriptions.subscribe(BLOCKED, "private", ("niger",))
        await subscriptions.subscribe(FLAKY, "private", ("aes",))
        await subscriptions.subscribe(NOTHING_NEW, "private", (unused,))
        await subscriptions.subscribe(GROUP, "group", ("mali",))
        await subscriptions.set_delivery_time(GROUP, "group", time(21, 0))
        await subscriptions.subscribe(LEFT, "private", ("mali",))
        await subscriptions.unsubscribe(LEFT, None)
        clock.set(START.replace(hour=7, minute=5))
        await services.digests.tick()
        clock.advance(minutes=5)
        await services.broadcasts.queue("<b>Annonce</b> : nouvelle rubrique « Sahel »", "admin:9")
        clock.set(START.replace(hour=8))
        for index in range(3):
            draft = ArticleDraft(f"Dépêche {index} de Niamey", URANIUM + f" Dépêche {index}.")
            await services.library.add(draft, added_by="feed:1")
        latest = await services.library.latest(limit=1, one_per_story=False)
        await services.library.delete(latest[0].id)
    stores = await open_stores(DatabaseSettings(path), utc_now)
    try:
        await _fill_ledger_and_feeds(stores, clock)
    finally:
        await stores.close()


async def _fill_ledger_and_feeds(stores: Stores, clock: FakeClock) -> None:
    now = clock()
    other = Claimant("replica-2:77:abcdef", "replica-2", 77)
    claimed = await stores.deliveries.claim(other, now, lease=timedelta(hours=2), limit=2)
    assert len(claimed) == 2
    feeds = stores.feeds
    first, _ = await feeds.add(
        NewFeed("https://example.org/a.xml", "Sahel Matin", "mali", ("bamako",)), now=now
    )
    second, _ = await feeds.add(NewFeed("https://example.org/b.xml", exclude=("sport",)), now=now)
    third, _ = await feeds.add(NewFeed("https://example.org/c.xml"), now=now)
    await feeds.remember_items(
        first.id, [SeenItem("guid:1", "h1", 1), SeenItem("link:example.org/x", "h2", None)], now=now
    )
    failing = FeedState(last_error="HTTP 500", last_error_at=now, failing_since=now, alerted=True)
    await feeds.save_poll(
        second.id, state=failing, next_poll_at=now, now=now, alert=("failing", "HTTP 500")
    )
    await feeds.take_alerts(now)
    gone = FeedState(last_error="HTTP 410", last_error_at=now, failing_since=now, errors_in_row=3)
    await feeds.save_poll(
        second.id, state=gone, next_poll_at=now, now=now, paused=True, alert=("gone", "HTTP 410")
    )
    await feeds.remove(third.id)
    for update_id in (5001, 5002, 5003):
        await stores.updates.first_sight(update_id, now)


async def assert_same_reads(left: Stores, right: Stores) -> None:
    """What the bot reads from each store is the same: articles, stories, topics, searches,
    readers, the ledger, feeds."""
    now = START.replace(hour=9)
    reads: tuple[Callable[[Stores], Awaitable[object]], ...] = (
        lambda s: s.articles.latest(limit=1000, one_per_story=False),
        lambda s: s.articles.latest(limit=1000),
        lambda s: s.articles.topic_counts(),
        lambda s: s.articles.count(one_per_story=True),
        lambda s: s.articles.newest_id(),
        lambda s: s.subscribers.subscribed(),
        lambda s: s.subscribers.counts(),
        lambda s: s.deliveries.pending(),
        lambda s: s.deliveries.backlog(now),
        lambda s: s.deliveries.day_figures(DAY),
        lambda s: s.deliveries.edition_figures(Kind.DIGEST, DAY.isoformat()),
        lambda s: s.deliveries.broadcast_html(1),
        lambda s: s.feeds.all(),
        lambda s: s.feeds.ever_followed(),
        lambda s: s.feeds.seen_items(1, ["guid:1", "link:example.org/x"]),
    )
    for read in reads:
        assert await read(left) == await read(right)
    for chat_id in CHATS:
        assert await left.subscribers.get(chat_id) == await right.subscribers.get(chat_id)
    for terms in SEARCHES:
        found = [
            sorted(a.id for a in await stores.articles.search(terms, limit=50))
            for stores in (left, right)
        ]
        assert found[0] == found[1] and found[0], terms


def table_counts(path: Path) -> dict[str, int]:
    """Rows of every copied table of a SQLite file, read straight from it."""
    with closing(sqlite3.connect(path)) as connection:
        return {
            table.name: connection.execute(
                f"SELECT count(*) FROM {table.name}"  # noqa: S608 - the plan's own names
            ).fetchone()[0]
            for table in TABLES
        }


def id_counters(path: Path) -> dict[str, int]:
    with closing(sqlite3.connect(path)) as connection:
        return dict(connection.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
