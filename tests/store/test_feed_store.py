"""The feed store through its Protocol (``feeds.stores.FeedStore``), on a real SQLite file and a
real PostgreSQL database; "two processes" are two openings of the same database."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from core.clock import utc_now
from feeds.models import FeedState, NewFeed, SeenItem
from feeds.stores import FeedStore
from storage.backends import open_stores
from storage.postgres import feeds as postgres_feeds
from storage.postgres import schema as postgres_schema
from storage.postgres.database import PostgresDatabase
from storage.schema import StoreSchema
from storage.settings import DatabaseSettings
from storage.sqlite import feeds as sqlite_feeds
from storage.sqlite import schema as sqlite_schema
from storage.sqlite.database import SqliteDatabase
from storage.stores import Stores
from tests.store.conftest import OpenAgain
from tests.support.postgres import PostgresServer

NOW = datetime(2025, 6, 23, 5, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)
LE_SAHEL = NewFeed(
    url="https://www.lesahel.example/rss",
    title="Le Sahel",
    topic="niger",
    include=("Niamey", "Tillabéri"),
    exclude=("football",),
    added_by="telegram:1001",
)
STUDIO_TAMANI = NewFeed(url="https://www.studiotamani.example/feed", added_by="cli")
AMINA = NewFeed(url="https://www.amina.example/atom.xml", added_by="opml")


async def test_add_follows_once_and_returns_the_existing_feed(stores: Stores) -> None:
    feeds: FeedStore = stores.feeds
    feed, created = await feeds.add(LE_SAHEL, now=NOW)
    assert created
    assert (feed.url, feed.title, feed.topic) == (LE_SAHEL.url, "Le Sahel", "niger")
    assert (feed.include, feed.exclude) == (("Niamey", "Tillabéri"), ("football",))
    assert (feed.paused, feed.added_at, feed.added_by) == (False, NOW, "telegram:1001")
    assert feed.next_poll_at == NOW  # the first poll is due at once
    assert feed.state == FeedState() and feed.state.first_poll
    again = NewFeed(url=LE_SAHEL.url, title="Autre titre", topic="mali", added_by="cli")
    existing, created_again = await feeds.add(again, now=NOW + timedelta(hours=1))
    assert not created_again
    assert existing == feed  # nothing of the second request was kept
    assert await feeds.count() == 1


async def test_get_all_count_and_ever_followed(stores: Stores) -> None:
    feeds = stores.feeds
    assert not await feeds.ever_followed()
    assert (await feeds.all(), await feeds.count()) == ([], 0)
    first, _ = await feeds.add(LE_SAHEL, now=NOW)
    second, _ = await feeds.add(STUDIO_TAMANI, now=NOW)
    assert await feeds.ever_followed()
    assert await feeds.get(second.id) == second
    assert await feeds.get(second.id + 100) is None
    assert [feed.id for feed in await feeds.all()] == [first.id, second.id]  # added order
    assert second.name == STUDIO_TAMANI.url  # no title: admins see the address
    assert await feeds.count() == 2
    for feed in (first, second):
        assert await feeds.remove(feed.id) == feed
    assert (await feeds.all(), await feeds.count()) == ([], 0)
    assert await feeds.ever_followed()  # the shipped sources are not followed again


async def test_remove_forgets_the_items_and_keeps_the_alerts(stores: Stores) -> None:
    feeds = stores.feeds
    feed, _ = await feeds.add(LE_SAHEL, now=NOW)
    await feeds.remember_items(feed.id, [SeenItem("guid:ls-1", "h1", 7)], now=NOW)
    await feeds.save_poll(
        feed.id,
        state=FeedState(last_error="HTTP 410 Gone"),
        next_poll_at=NOW,
        now=NOW,
        alert=("gone", "HTTP 410 Gone: the feed was removed"),
    )
    assert await feeds.remove(feed.id) is not None
    assert await feeds.remove(feed.id) is None  # unknown now
    assert await feeds.seen_items(feed.id, ["guid:ls-1"]) == {}
    (alert,) = await feeds.take_alerts(NOW)
    # Still told to the admins, under the name the feed had; it no longer points to the feed.
    assert (alert.feed_id, alert.kind, alert.feed_name) == (0, "gone", "Le Sahel")
    # Followed again, the feed starts afresh: its old items are not taken for seen.
    again, created = await feeds.add(LE_SAHEL, now=NOW)
    assert created and again.id != feed.id
    assert await feeds.seen_items(again.id, ["guid:ls-1"]) == {}


async def test_pause_and_resume(stores: Stores) -> None:
    feeds = stores.feeds
    feed, _ = await feeds.add(LE_SAHEL, now=NOW)
    later = NOW + timedelta(hours=6)
    await feeds.save_poll(feed.id, state=FeedState(), next_poll_at=later, now=NOW)
    paused = await feeds.set_paused(feed.id, paused=True, now=NOW)
    assert paused is not None and paused.paused and paused.next_poll_at == later
    assert await feeds.claim_due(later + timedelta(days=1), lease=LEASE, limit=10) == []
    moment = NOW + timedelta(minutes=30)
    resumed = await feeds.set_paused(feed.id, paused=False, now=moment)
    assert resumed is not None and not resumed.paused
    assert resumed.next_poll_at == moment  # polled at once, not at the old schedule
    assert [due.id for due in await feeds.claim_due(moment, lease=LEASE, limit=10)] == [feed.id]
    assert await feeds.set_paused(feed.id + 1, paused=True, now=NOW) is None


async def test_claim_due_takes_active_due_feeds_for_the_lease(stores: Stores) -> None:
    feeds = stores.feeds
    due, _ = await feeds.add(LE_SAHEL, now=NOW)
    later, _ = await feeds.add(STUDIO_TAMANI, now=NOW)
    paused, _ = await feeds.add(AMINA, now=NOW)
    await feeds.save_poll(
        later.id, state=FeedState(), next_poll_at=NOW + timedelta(minutes=10), now=NOW
    )
    await feeds.set_paused(paused.id, paused=True, now=NOW)
    claimed = await feeds.claim_due(NOW, lease=LEASE, limit=10)
    assert [feed.id for feed in claimed] == [due.id]
    assert claimed[0].next_poll_at == NOW + LEASE
    stored = await feeds.get(due.id)
    assert stored is not None and stored.next_poll_at == NOW + LEASE
    # Another process at the same moment finds nothing: the feed is taken.
    assert await feeds.claim_due(NOW, lease=LEASE, limit=10) == []
    assert await feeds.claim_due(NOW + LEASE - timedelta(seconds=1), lease=LEASE, limit=10) == []
    # A process that died with the feed: it is due again once the lease is over.
    again = await feeds.claim_due(NOW + LEASE, lease=LEASE, limit=10)
    assert [feed.id for feed in again] == [due.id]
    # Ten minutes on, both active feeds are due; the paused one never.
    moment = NOW + timedelta(minutes=10)
    both = await feeds.claim_due(moment, lease=LEASE, limit=10)
    assert [feed.id for feed in both] == [due.id, later.id]


async def test_claim_due_takes_the_soonest_first_within_the_limit(stores: Stores) -> None:
    feeds = stores.feeds
    ids = []
    for minutes, new in ((3, LE_SAHEL), (1, STUDIO_TAMANI), (2, AMINA)):
        feed, _ = await feeds.add(new, now=NOW)
        await feeds.save_poll(
            feed.id, state=FeedState(), next_poll_at=NOW + timedelta(minutes=minutes), now=NOW
        )
        ids.append(feed.id)
    moment = NOW + timedelta(hours=1)
    first = await feeds.claim_due(moment, lease=LEASE, limit=2)
    assert {feed.id for feed in first} == {ids[1], ids[2]}  # due at +1 and +2 minutes
    rest = await feeds.claim_due(moment, lease=LEASE, limit=2)
    assert [feed.id for feed in rest] == [ids[0]]


async def test_two_processes_claiming_at_once_share_the_feeds(
    stores: Stores, open_again: OpenAgain
) -> None:
    """Two openings of one database, as two bot processes: each feed goes to one of them."""
    second = await open_again()
    added = [
        (await stores.feeds.add(NewFeed(url=f"https://outlet{n}.example/rss"), now=NOW))[0]
        for n in range(30)
    ]
    claims = await asyncio.gather(
        *(
            opened.feeds.claim_due(NOW, lease=LEASE, limit=7)
            for opened in (stores, second)
            for _ in range(5)
        )
    )
    claimed = [feed.id for claim in claims for feed in claim]
    assert sorted(claimed) == [feed.id for feed in added]  # each once, none left out


async def test_three_processes_claiming_round_after_round_never_share_a_feed(
    stores: Stores, open_again: OpenAgain
) -> None:
    """Three processes poll 60 feeds at once, round after round, the lease running out between
    rounds: in each round every feed is claimed exactly once, whatever the interleaving."""
    processes = [stores, await open_again(), await open_again()]
    added = [
        (await stores.feeds.add(NewFeed(url=f"https://media{n}.example/rss"), now=NOW))[0]
        for n in range(60)
    ]
    for round_number in range(3):
        moment = NOW + round_number * LEASE
        claims = await asyncio.gather(
            *(
                opened.feeds.claim_due(moment, lease=LEASE, limit=6)
                for _ in range(4)
                for opened in processes
            )
        )
        claimed = [feed.id for claim in claims for feed in claim]
        assert len(claimed) == len(set(claimed)), f"round {round_number}: a feed claimed twice"
        assert sorted(claimed) == [feed.id for feed in added]
        assert all(feed.next_poll_at == moment + LEASE for claim in claims for feed in claim)


async def test_two_processes_following_one_url_at_once_make_one_feed(
    stores: Stores, open_again: OpenAgain
) -> None:
    second = await open_again()
    outcomes = await asyncio.gather(
        *(opened.feeds.add(LE_SAHEL, now=NOW) for opened in (stores, second, stores, second))
    )
    assert sorted(created for _feed, created in outcomes) == [False, False, False, True]
    assert len({feed for feed, _created in outcomes}) == 1  # all see the same feed
    assert await second.feeds.count() == 1


STATE = FeedState(
    etag='"v42"',
    last_modified="Mon, 23 Jun 2025 04:00:00 GMT",
    last_polled_at=NOW,
    last_success_at=NOW - timedelta(hours=2),
    last_error="HTTP 503 Service Unavailable",
    last_error_at=NOW - timedelta(minutes=1),
    failing_since=NOW - timedelta(hours=1),
    errors_in_row=3,
    alerted=True,
    items_seen=120,
    articles_added=17,
)


async def test_save_poll_round_trips_the_state(stores: Stores) -> None:
    feeds = stores.feeds
    feed, _ = await feeds.add(STUDIO_TAMANI, now=NOW)
    next_poll = NOW + timedelta(minutes=40)
    saved = await feeds.save_poll(feed.id, state=STATE, next_poll_at=next_poll, now=NOW)
    assert saved is not None
    assert saved.state == STATE
    assert saved.next_poll_at == next_poll
    assert (saved.url, saved.title, saved.paused) == (feed.url, None, False)
    assert await feeds.get(feed.id) == saved
    assert not saved.state.first_poll
    # And back to a working feed: every field can be cleared.
    cleared = await feeds.save_poll(feed.id, state=FeedState(), next_poll_at=NOW, now=NOW)
    assert cleared is not None and cleared.state == FeedState()
    assert await feeds.take_alerts(NOW) == []  # no alert was asked for
    missing = await feeds.save_poll(feed.id + 9, state=STATE, next_poll_at=NOW, now=NOW)
    assert missing is None


async def test_save_poll_moves_the_url_unless_another_feed_follows_it(stores: Stores) -> None:
    feeds = stores.feeds
    feed, _ = await feeds.add(LE_SAHEL, now=NOW)
    other, _ = await feeds.add(STUDIO_TAMANI, now=NOW)
    moved_to = "https://lesahel.example/feed/rss.xml"
    moved = await feeds.save_poll(
        feed.id, state=FeedState(), next_poll_at=NOW, now=NOW, url=moved_to
    )
    assert moved is not None and moved.url == moved_to
    # A permanent redirect onto a feed already followed: the URL stays, nothing breaks.
    kept = await feeds.save_poll(feed.id, state=STATE, next_poll_at=NOW, now=NOW, url=other.url)
    assert kept is not None and kept.url == moved_to
    assert kept.state == STATE  # the rest of the poll was saved all the same
    assert [f.url for f in await feeds.all()] == [moved_to, other.url]
    # The old address is free again: following it makes a new feed.
    _, created = await feeds.add(LE_SAHEL, now=NOW)
    assert created


async def test_save_poll_sets_a_missing_title_and_keeps_an_existing_one(stores: Stores) -> None:
    feeds = stores.feeds
    titled, _ = await feeds.add(LE_SAHEL, now=NOW)
    untitled, _ = await feeds.add(STUDIO_TAMANI, now=NOW)
    for feed in (titled, untitled):
        await feeds.save_poll(
            feed.id, state=FeedState(), next_poll_at=NOW, now=NOW, title="Studio Tamani – Infos"
        )
    got_titled, got_untitled = await feeds.all()
    assert got_titled.title == "Le Sahel"  # an admin's or OPML's title wins
    assert got_untitled.title == "Studio Tamani – Infos"
    again = await feeds.save_poll(
        untitled.id, state=FeedState(), next_poll_at=NOW, now=NOW, title="Autre"
    )
    assert again is not None and again.title == "Studio Tamani – Infos"


async def test_save_poll_pauses_and_records_an_alert_with_the_feed_name(stores: Stores) -> None:
    feeds = stores.feeds
    feed, _ = await feeds.add(LE_SAHEL, now=NOW)
    gone = await feeds.save_poll(
        feed.id,
        state=FeedState(last_error="HTTP 410 Gone", errors_in_row=1),
        next_poll_at=NOW + timedelta(minutes=10),
        now=NOW,
        paused=True,
        alert=("gone", "HTTP 410 Gone: the feed was removed"),
    )
    assert gone is not None and gone.paused
    assert await feeds.claim_due(NOW + timedelta(days=2), lease=LEASE, limit=10) == []
    (alert,) = await feeds.take_alerts(NOW + timedelta(seconds=5))
    assert (alert.feed_id, alert.kind, alert.feed_name) == (feed.id, "gone", "Le Sahel")
    assert (alert.detail, alert.created_at) == ("HTTP 410 Gone: the feed was removed", NOW)
    # paused=None leaves the pause as it is.
    still = await feeds.save_poll(feed.id, state=FeedState(), next_poll_at=NOW, now=NOW)
    assert still is not None and still.paused


async def test_remember_items_upserts_and_keeps_the_article(stores: Stores) -> None:
    feeds = stores.feeds
    feed, _ = await feeds.add(LE_SAHEL, now=NOW)
    other, _ = await feeds.add(STUDIO_TAMANI, now=NOW)
    keys = ["guid:ls-1", "link:https://lesahel.example/niamey-route"]
    assert await feeds.seen_items(feed.id, keys) == {}
    await feeds.remember_items(feed.id, [SeenItem(key, "hash-1", 41) for key in keys], now=NOW)
    await feeds.remember_items(feed.id, [SeenItem("guid:ls-2", "hash-2", None)], now=NOW)
    assert await feeds.seen_items(feed.id, [*keys, "guid:ls-3"]) == {
        key: SeenItem(key, "hash-1", 41) for key in keys
    }
    # Seen again with another text and no article given: the article made earlier stays.
    later = NOW + timedelta(minutes=10)
    await feeds.remember_items(feed.id, [SeenItem(keys[0], "hash-1b", None)], now=later)
    assert (await feeds.seen_items(feed.id, keys[:1]))[keys[0]] == SeenItem(keys[0], "hash-1b", 41)
    # A filtered item that later gets an article keeps it.
    await feeds.remember_items(feed.id, [SeenItem("guid:ls-2", "hash-2", 43)], now=later)
    assert (await feeds.seen_items(feed.id, ["guid:ls-2"]))["guid:ls-2"].article_id == 43
    # Items belong to their feed: another feed has seen none of them.
    assert await feeds.seen_items(other.id, [*keys, "guid:ls-2"]) == {}
    await feeds.remember_items(other.id, [], now=later)  # nothing to do is fine


async def test_seen_items_reads_more_keys_than_sqlite_binds_at_once(stores: Stores) -> None:
    feeds = stores.feeds
    feed, _ = await feeds.add(LE_SAHEL, now=NOW)
    items = [SeenItem(f"guid:ls-{n}", f"h{n}", n) for n in range(1_200)]
    await feeds.remember_items(feed.id, items, now=NOW)
    asked = [item.key for item in items] + [f"guid:unknown-{n}" for n in range(300)]
    found = await feeds.seen_items(feed.id, asked)
    assert found == {item.key: item for item in items}


async def test_each_alert_is_taken_once(stores: Stores, open_again: OpenAgain) -> None:
    feeds = stores.feeds
    feed, _ = await feeds.add(STUDIO_TAMANI, now=NOW)
    for kind in ("failing", "recovered"):
        await feeds.save_poll(
            feed.id, state=FeedState(), next_poll_at=NOW, now=NOW, alert=(kind, None)
        )
    taken = await feeds.take_alerts(NOW)
    assert [(a.kind, a.feed_name, a.detail) for a in taken] == [
        ("failing", STUDIO_TAMANI.url, None),
        ("recovered", STUDIO_TAMANI.url, None),
    ]
    assert await feeds.take_alerts(NOW) == []
    # Another process on the same database does not take them again either.
    other = await open_again()
    assert await other.feeds.take_alerts(NOW) == []
    await feeds.save_poll(
        feed.id, state=FeedState(), next_poll_at=NOW, now=NOW, alert=("failing", "HTTP 500")
    )
    first, second = await asyncio.gather(feeds.take_alerts(NOW), other.feeds.take_alerts(NOW))
    assert [alert.detail for alert in first + second] == ["HTTP 500"]


async def test_three_processes_taking_alerts_at_once_tell_each_once(
    stores: Stores, open_again: OpenAgain
) -> None:
    processes = [stores, await open_again(), await open_again()]
    feed, _ = await stores.feeds.add(AMINA, now=NOW)
    for n in range(40):
        await stores.feeds.save_poll(
            feed.id, state=FeedState(), next_poll_at=NOW, now=NOW, alert=("failing", f"HTTP {n}")
        )
    taken = await asyncio.gather(
        *(opened.feeds.take_alerts(NOW) for _ in range(3) for opened in processes)
    )
    details = [str(alert.detail) for alerts in taken for alert in alerts]
    assert sorted(details) == sorted(f"HTTP {n}" for n in range(40))  # each once, none lost
    for alerts in taken:  # whoever takes several tells them in the order they were raised
        assert [alert.id for alert in alerts] == sorted(alert.id for alert in alerts)


FEED_TABLES = ("feed_alerts", "feed_items", "feeds")


async def test_postgresql_upgrades_make_the_sqlite_tables_step_by_step(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    """After each upgrade N, both backends have the same feed tables with the same columns in
    the same order: what ``db migrate-to`` copies column for column, and what the shared row
    reading expects."""
    sqlite_upgrades = sqlite_feeds.SCHEMA.upgrades
    postgres_upgrades = postgres_feeds.SCHEMA.upgrades
    assert [u.version for u in postgres_upgrades] == [u.version for u in sqlite_upgrades]
    for version in range(1, len(sqlite_upgrades) + 1):
        file = await SqliteDatabase.open(tmp_path / f"feeds-{version}.db")
        try:
            schema = StoreSchema("feeds", sqlite_upgrades[:version])
            await sqlite_schema.upgrade(file, [schema], NOW)
        finally:
            await file.close()
        with closing(sqlite3.connect(tmp_path / f"feeds-{version}.db")) as raw:
            sqlite_columns = {
                table: [row[1] for row in raw.execute(f"PRAGMA table_info({table})")]
                for table in FEED_TABLES
            }
        server = await PostgresDatabase.open(await postgres_server.new_database(), pool_size=2)
        try:
            schema = StoreSchema("feeds", postgres_upgrades[:version])
            await postgres_schema.upgrade(server, [schema], NOW)
            rows = await server.rows(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = 'public' AND table_name = ANY($1::text[]) "
                "ORDER BY table_name, ordinal_position",
                (list(FEED_TABLES),),
            )
        finally:
            await server.close()
        postgres_columns: dict[str, list[str]] = {table: [] for table in FEED_TABLES}
        for row in rows:
            postgres_columns[row["table_name"]].append(row["column_name"])
        assert postgres_columns == sqlite_columns, f"after upgrade {version}"
        assert all(sqlite_columns.values())


async def test_a_redirect_onto_a_url_another_process_is_following_keeps_the_address(
    postgres_server: PostgresServer,
) -> None:
    """PostgreSQL: another process follows the redirect's target between this poll's check and
    its move. The unique constraint refuses the move; the poll is saved all the same."""
    settings = DatabaseSettings(url=await postgres_server.new_database(), pool_size=2)
    stores = await open_stores(settings, utc_now)
    other = await asyncpg.connect(settings.url)
    try:
        feed, _ = await stores.feeds.add(LE_SAHEL, now=NOW)
        target = "https://lesahel.example/feed/rss.xml"
        adding = other.transaction()
        await adding.start()
        await other.execute(
            "INSERT INTO feeds (url, added_at, added_by, next_poll_at) VALUES ($1, $2, $2, $2)",
            target,
            NOW.isoformat(),
        )
        saving = asyncio.create_task(
            stores.feeds.save_poll(feed.id, state=STATE, next_poll_at=NOW, now=NOW, url=target)
        )
        await waiting_on_a_lock(other)  # the move waits on the uncommitted row's unique key
        await adding.commit()
        saved = await saving
    finally:
        await other.close()
        await stores.close()
    assert saved is not None
    assert (saved.url, saved.state) == (LE_SAHEL.url, STATE)


async def waiting_on_a_lock(connection: asyncpg.Connection) -> None:
    """Return once some session of the connection's database waits on a lock (five seconds at
    most)."""
    for _ in range(500):
        waiting = await connection.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database()"
        )
        if waiting:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("no session waited on a lock")
