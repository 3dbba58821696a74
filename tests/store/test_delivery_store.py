"""The delivery ledger through its Protocol, on a real SQLite file and a real PostgreSQL database;
``open_again()`` plays other processes (replicas) sharing the ledger."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import asyncpg

from digests.ledger import Backlog, Claimant, DayFigures, Kind, NewDelivery, Status
from digests.subscribers import NewSubscriber
from storage.postgres import deliveries as postgres_deliveries
from storage.postgres import locks
from storage.postgres import subscribers as postgres_subscribers
from storage.sqlite import deliveries as sqlite_deliveries
from storage.sqlite import subscribers as sqlite_subscribers
from storage.stores import Stores
from tests.store.conftest import OpenAgain
from tests.support.postgres import PostgresServer

ME = Claimant("host:1:a", "host", 1)
OTHER = Claimant("host:2:b", "host", 2)
LEASE = timedelta(seconds=60)
NOW = datetime(2025, 6, 23, 8, 0, tzinfo=UTC)
DAY = date(2025, 6, 23)


async def add_readers(
    stores: Stores, chats: range, *, topics: tuple[str, ...] = ("mali",)
) -> list[int]:
    """Subscribed private chats; their subscriber ids in chat order."""
    await stores.subscribers.add_many(
        [NewSubscriber(chat, "private", time(7, 0), "UTC", topics=topics) for chat in chats], NOW
    )
    found = {s.chat_id: s.id for s in await stores.subscribers.subscribed()}
    return [found[chat] for chat in chats]


def digest(reader: int, status: Status = Status.PENDING, **fields: object) -> NewDelivery:
    return replace(NewDelivery(reader, Kind.DIGEST, DAY.isoformat(), status), **fields)


async def pending_digests(stores: Stores, count: int) -> list[int]:
    readers = await add_readers(stores, range(1, count + 1))
    await stores.deliveries.insert([digest(reader) for reader in readers], NOW)
    return [d.id for d in await stores.deliveries.pending()]


async def watermark(stores: Stores, chat_id: int) -> int | None:
    reader = await stores.subscribers.get(chat_id)
    assert reader is not None
    return reader.digest_watermark


async def test_a_row_is_recorded_once_whatever_is_inserted_again(stores: Stores) -> None:
    [reader] = await add_readers(stores, range(5, 6))
    ledger = stores.deliveries
    row = digest(reader, article_ids=(3, 4), watermark=4)
    await ledger.insert([row, row], NOW)
    # An empty digest for the same day would move the watermark: the first row stays instead.
    await ledger.insert([replace(row, status=Status.EMPTY, article_ids=())], NOW)
    await ledger.insert([], NOW)
    [pending] = await ledger.pending()
    assert (pending.subscriber_id, pending.chat_id, pending.kind) == (reader, 5, Kind.DIGEST)
    assert (pending.edition, pending.article_ids, pending.watermark) == ("2025-06-23", (3, 4), 4)
    assert (pending.parts_sent, pending.attempts) == (0, 0)
    assert await watermark(stores, 5) is None
    later = date(2025, 6, 24)
    assert await ledger.recorded_digests([DAY, later]) == {(reader, DAY)}
    assert await ledger.recorded_digests([]) == set()
    assert await ledger.has_digest(reader, DAY) and not await ledger.has_digest(reader, later)
    assert await ledger.recorded_digest(reader, DAY) == (3, 4)
    assert await ledger.recorded_digest(reader, later) is None


async def test_an_empty_digest_moves_the_watermark_as_it_is_recorded(stores: Stores) -> None:
    first, second = await add_readers(stores, range(1, 3))
    ledger = stores.deliveries
    await ledger.insert(
        [digest(first, Status.EMPTY, watermark=7), digest(second, Status.EMPTY)], NOW
    )
    assert (await watermark(stores, 1), await watermark(stores, 2)) == (7, None)
    # Never backwards: an older watermark recorded later leaves the newer one.
    await ledger.insert([digest(first, Status.EMPTY, edition="2025-06-24", watermark=5)], NOW)
    assert await watermark(stores, 1) == 7
    assert await ledger.pending() == []


async def test_closing_a_digest_sent_moves_the_watermark_in_the_same_commit(
    stores: Stores,
) -> None:
    first, second = await add_readers(stores, range(1, 3))
    ledger = stores.deliveries
    await ledger.insert([digest(first, watermark=4), digest(second, watermark=9)], NOW)
    [one, two] = await ledger.claim(ME, NOW, lease=LEASE, limit=10)
    assert await ledger.confirm_part(one.id, 1, NOW, ME)
    [still, _] = await ledger.pending()
    assert still.parts_sent == 1 and await watermark(stores, 1) is None
    assert await ledger.close(one.id, Status.SENT, NOW, ME, parts_sent=2)
    assert await watermark(stores, 1) == 4
    # A closed row is closed for good, for its claimant too.
    assert not await ledger.close(one.id, Status.SENT, NOW, ME)
    assert not await ledger.confirm_part(one.id, 3, NOW, ME)
    # A failed digest moves nothing: the next digest covers its articles again.
    assert await ledger.close(two.id, Status.FAILED, NOW, ME, error="chat not found")
    assert await watermark(stores, 2) is None
    assert await ledger.pending() == []
    # Never backwards: a digest sent with an older watermark leaves the newer one.
    await ledger.insert([digest(first, edition="2025-06-24", watermark=2)], NOW)
    [older] = await ledger.claim(ME, NOW, lease=LEASE, limit=10)
    assert await ledger.close(older.id, Status.SENT, NOW, ME)
    assert await watermark(stores, 1) == 4


async def test_an_attempt_is_counted_for_the_holder_only(stores: Stores) -> None:
    [row_id] = await pending_digests(stores, 1)
    ledger = stores.deliveries
    await ledger.claim(ME, NOW, lease=LEASE, limit=10)
    await ledger.note_attempt(row_id, "not mine", NOW, OTHER)
    await ledger.note_attempt(row_id, "timed out", NOW, ME)
    await ledger.note_attempt(row_id, "timed out", NOW, ME)
    [row] = await ledger.pending()
    assert row.attempts == 2
    # Still pending, still held: another process does not take it.
    assert await ledger.claim(OTHER, NOW, lease=LEASE, limit=10) == []


async def test_three_processes_claiming_at_once_take_each_row_exactly_once(
    stores: Stores, open_again: OpenAgain
) -> None:
    """Claims race hardest when their claimants are new (a run that just started): every claim
    here is a new claimant's first, three processes and three loops each at once."""
    ids = await pending_digests(stores, 600)
    processes = [stores, await open_again(), await open_again()]
    numbers = itertools.count()

    async def drain(process: Stores) -> list[int]:
        taken: list[int] = []
        while batch := await process.deliveries.claim(
            Claimant(f"host:{next(numbers)}:c", "host", 1), NOW, lease=LEASE, limit=5
        ):
            assert [d.id for d in batch] == sorted(d.id for d in batch)  # oldest first
            taken += [d.id for d in batch]
        return taken

    runs = await asyncio.gather(*(drain(process) for process in processes * 3))
    taken = [row_id for run in runs for row_id in run]
    assert sorted(taken) == ids


async def test_a_claimant_whose_lease_ran_out_loses_its_rows_to_the_next(
    stores: Stores, open_again: OpenAgain
) -> None:
    ids = await pending_digests(stores, 3)
    mine, other = stores.deliveries, (await open_again()).deliveries
    first = await mine.claim(ME, NOW, lease=LEASE, limit=2)
    assert [d.id for d in first] == ids[:2] and first == (await mine.pending())[:2]
    assert await mine.confirm_part(ids[1], 1, NOW, ME)
    # Another process sees only what nobody alive holds, and cannot confirm or close the rest.
    assert [d.id for d in await other.claim(OTHER, NOW, lease=LEASE, limit=10)] == ids[2:]
    assert await other.claim(OTHER, NOW, lease=LEASE, limit=10) == []
    assert not await other.confirm_part(ids[0], 1, NOW, OTHER)
    assert not await other.close(ids[0], Status.SENT, NOW, OTHER)
    # A beat keeps the claims; once the lease has run out without one, they are free again.
    await mine.keep_alive(ME, NOW + LEASE / 2, lease=LEASE)
    assert await other.claim(OTHER, NOW + LEASE, lease=LEASE, limit=10) == []
    later = NOW + LEASE * 2
    handed = await other.claim(OTHER, later, lease=LEASE, limit=10)
    assert [d.id for d in handed] == ids[:2]
    assert handed[1].parts_sent == 1  # resumed where the ledger says the reader stands
    # The late claimant stops: nothing it says changes the rows now.
    assert not await mine.confirm_part(ids[0], 1, later, ME)
    assert not await mine.close(ids[0], Status.SENT, later, ME)
    await mine.note_attempt(ids[0], "late", later, ME)
    assert await other.confirm_part(ids[0], 1, later, OTHER)
    assert await other.close(ids[0], Status.SENT, later, OTHER, parts_sent=2)
    assert [(d.id, d.attempts) for d in await mine.pending()] == [(ids[1], 0), (ids[2], 0)]


async def test_released_claims_are_free_at_once(stores: Stores, open_again: OpenAgain) -> None:
    ids = await pending_digests(stores, 2)
    mine, other = stores.deliveries, (await open_again()).deliveries
    await mine.claim(ME, NOW, lease=LEASE, limit=10)
    await mine.release(ME)
    assert not await mine.confirm_part(ids[0], 1, NOW, ME)
    assert [d.id for d in await mine.pending()] == ids  # given back, not closed
    assert [d.id for d in await other.claim(OTHER, NOW, lease=LEASE, limit=10)] == ids


async def test_a_pending_delivery_goes_where_the_group_is_now(stores: Stores) -> None:
    [reader] = await add_readers(stores, range(-5, -4))
    await stores.deliveries.insert([digest(reader)], NOW)
    await stores.subscribers.move_chat(-5, -1005, NOW)
    [claimed] = await stores.deliveries.claim(ME, NOW, lease=LEASE, limit=1)
    assert claimed.chat_id == -1005


async def test_a_broadcast_is_queued_for_an_audience_of_two_thousand(stores: Stores) -> None:
    chats = range(1, 2_101)
    await stores.subscribers.add_many(
        [
            NewSubscriber(
                chat,
                "private",
                time(7, 0),
                "UTC",
                topics=() if chat % 20 == 0 else ("mali",),  # no topic: not in the audience
                all_topics=chat % 40 == 0,  # every topic, none picked: in the audience
            )
            for chat in chats
        ],
        NOW,
    )
    for chat in range(7, 2_101, 50):
        await stores.subscribers.set_reachable(chat, reachable=False, reason="blocked", now=NOW)
    expected = [s.chat_id for s in await stores.subscribers.subscribed()]
    assert 1_900 < len(expected) < len(chats)
    ledger = stores.deliveries
    broadcast_id, audience = await ledger.queue_broadcast("<b>Bonjour</b>", "admin", NOW)
    assert audience == len(expected)
    assert await ledger.broadcast_html(broadcast_id) == "<b>Bonjour</b>"
    assert await ledger.broadcast_html(broadcast_id + 1) is None
    queued = await ledger.pending()
    assert [d.chat_id for d in queued] == expected
    assert {(d.kind, d.edition, d.article_ids) for d in queued} == {
        (Kind.BROADCAST, str(broadcast_id), ())
    }
    second_id, _ = await ledger.queue_broadcast("<i>Encore</i>", "admin", NOW)
    assert second_id != broadcast_id
    figures = await ledger.edition_figures(Kind.BROADCAST, str(broadcast_id))
    assert figures == {
        Status.PENDING: audience,
        Status.SENT: 0,
        Status.EMPTY: 0,
        Status.FAILED: 0,
    }


async def test_day_and_edition_figures(stores: Stores) -> None:
    readers = await add_readers(stores, range(1, 6))
    ledger = stores.deliveries
    yesterday = NOW - timedelta(days=1)
    await ledger.insert(
        [
            digest(readers[0]),
            digest(readers[1], Status.EMPTY, watermark=3),
            digest(readers[2]),
            digest(readers[3]),
        ],
        NOW,
    )
    await ledger.insert([digest(readers[4], edition="2025-06-22")], yesterday)
    held = {d.subscriber_id: d.id for d in await ledger.claim(ME, yesterday, lease=LEASE, limit=9)}
    assert await ledger.close(held[readers[4]], Status.SENT, yesterday, ME)
    assert await ledger.close(held[readers[0]], Status.SENT, NOW, ME)
    assert await ledger.close(held[readers[2]], Status.FAILED, NOW, ME, error="blocked")
    broadcast_id, _ = await ledger.queue_broadcast("<b>Info</b>", "admin", NOW)
    sent_or_not = await ledger.claim(ME, NOW, lease=LEASE, limit=9)
    broadcasts = [d.id for d in sent_or_not if d.kind is Kind.BROADCAST]
    for row_id, status in zip(broadcasts, (Status.SENT, Status.SENT, Status.FAILED), strict=False):
        assert await ledger.close(row_id, status, NOW, ME)
    # Broadcasts count as pending and failed, never as digests; pending is whatever day.
    assert await ledger.day_figures(DAY) == DayFigures(
        digests_sent=1, digests_empty=1, pending=3, failed=2
    )
    assert await ledger.day_figures(yesterday.date()) == DayFigures(
        digests_sent=1, digests_empty=0, pending=3, failed=0
    )
    assert await ledger.edition_figures(Kind.DIGEST, DAY.isoformat()) == {
        Status.PENDING: 1,
        Status.SENT: 1,
        Status.EMPTY: 1,
        Status.FAILED: 1,
    }
    assert await ledger.edition_figures(Kind.BROADCAST, str(broadcast_id)) == {
        Status.PENDING: 2,
        Status.SENT: 2,
        Status.EMPTY: 0,
        Status.FAILED: 1,
    }
    assert set((await ledger.edition_figures(Kind.BROADCAST, "999")).values()) == {0}


async def test_the_backlog_counts_what_waits_and_what_is_being_sent(stores: Stores) -> None:
    ledger = stores.deliveries
    assert await ledger.backlog(NOW) == Backlog(pending=0, claimed=0, oldest_pending_since=None)
    readers = await add_readers(stores, range(1, 5))
    earlier = NOW - timedelta(hours=2)
    await ledger.insert([digest(readers[0])], earlier)
    await ledger.insert([digest(r) for r in readers[1:3]], NOW)
    await ledger.insert([digest(readers[3], Status.EMPTY)], earlier - timedelta(hours=1))
    assert await ledger.backlog(NOW) == Backlog(3, 0, earlier)
    [oldest, _] = await ledger.claim(ME, NOW, lease=LEASE, limit=2)
    assert await ledger.backlog(NOW) == Backlog(3, 2, earlier)
    # A claim whose lease ran out holds nothing: those rows wait again.
    assert await ledger.backlog(NOW + LEASE * 2) == Backlog(3, 0, earlier)
    assert await ledger.close(oldest.id, Status.SENT, NOW, ME)
    assert await ledger.backlog(NOW) == Backlog(2, 1, NOW)
    await ledger.release(ME)
    assert await ledger.backlog(NOW) == Backlog(2, 0, NOW)


def test_every_advisory_lock_has_a_key_of_its_own() -> None:
    """A key shared with another lock would make claims wait for it: behind the poller's
    session lock (the first key given to claims was the poller's), no digest would leave."""
    keys = [value for name, value in vars(locks).items() if name.isupper() and name != "ALL"]
    assert len(keys) >= 4 and sorted(keys) == sorted(locks.ALL)
    assert len(set(keys)) == len(keys)


# --- The PostgreSQL schema mirrors SQLite's, upgrade by upgrade ----------------------------------

TABLES = ("subscribers", "subscriber_topics", "broadcasts", "deliveries", "delivery_claimants")


async def test_each_upgrade_leaves_the_same_columns_on_both_backends(
    postgres_server: PostgresServer,
) -> None:
    """What lets ``db migrate-to`` copy rows column for column: after upgrade N of a store, both
    backends have the same tables with the same columns, in the same order."""
    assert len(postgres_subscribers.SCHEMA.upgrades) == len(sqlite_subscribers.SCHEMA.upgrades)
    assert len(postgres_deliveries.SCHEMA.upgrades) == len(sqlite_deliveries.SCHEMA.upgrades)
    lite = sqlite3.connect(":memory:")
    server = await asyncpg.connect(await postgres_server.new_database())
    try:
        for step in sqlite_subscribers.SCHEMA.upgrades:
            lite.executescript(step.sql)
        for step in postgres_subscribers.SCHEMA.upgrades:
            await server.execute(step.sql)
        for lite_step, server_step in zip(
            sqlite_deliveries.SCHEMA.upgrades, postgres_deliveries.SCHEMA.upgrades, strict=True
        ):
            lite.executescript(lite_step.sql)
            await server.execute(server_step.sql)
            on_sqlite = {
                table: [row[1] for row in lite.execute(f"PRAGMA table_info({table})")]
                for table in TABLES
            }
            on_server = {
                table: [
                    row[0]
                    for row in await server.fetch(
                        "SELECT column_name FROM information_schema.columns "
                        "WHERE table_name = $1 ORDER BY ordinal_position",
                        table,
                    )
                ]
                for table in TABLES
            }
            assert on_server == on_sqlite, lite_step.version
        triggers = await server.fetch(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname"
        )
        named = lite.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
        assert [row[0] for row in triggers] == [row[0] for row in named]
    finally:
        lite.close()
        await server.close()
