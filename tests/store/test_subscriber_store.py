"""The subscriber and delivery stores on a real SQLite file, through their Protocols."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from core.clock import utc_now
from digests.ledger import Claimant, Kind, NewDelivery, Status
from digests.subscribers import NewChat, NewSubscriber, adding, toggling
from storage.sqlite import SCHEMAS, stores_on
from storage.sqlite.database import SqliteDatabase
from storage.sqlite.schema import upgrade
from storage.stores import Stores

ME = Claimant("host:1:a", "host", 1)
OTHER = Claimant("host:2:b", "host", 2)
LEASE = timedelta(seconds=60)
NOW = datetime(2025, 6, 23, 8, 0, tzinfo=UTC)
KEYS = ("aes", "mali", "niger")
PRIVATE = NewChat("private", time(7, 0), "Africa/Bamako")


async def test_edit_creates_the_chat_applies_the_rule_and_reads_back(stores: Stores) -> None:
    subscribers = stores.subscribers
    assert await subscribers.get(42) is None
    created = await subscribers.edit(
        42, lambda s: adding(s, ("niger", "mali"), NOW), now=NOW, create=PRIVATE
    )
    assert created is not None
    assert created.topics == ("mali", "niger")  # sorted, as the record promises
    assert created.subscribed_since == NOW and created.delivery_time == time(7, 0)
    moved = await subscribers.edit(
        42, lambda s: replace(s, delivery_time=time(19, 30), timezone="Europe/Paris"), now=NOW
    )
    assert moved is not None and moved.delivery_time == time(19, 30)
    assert moved.timezone == "Europe/Paris" and moved.topics == ("mali", "niger")
    assert await subscribers.get(42) == moved
    # Without ``create`` an unknown chat stays unknown.
    assert await subscribers.edit(7, lambda s: adding(s, None, NOW), now=NOW) is None
    assert await subscribers.get(7) is None


async def test_a_failing_rule_changes_nothing(stores: Stores) -> None:
    subscribers = stores.subscribers
    await subscribers.edit(1, lambda s: adding(s, ("mali",), NOW), now=NOW, create=PRIVATE)

    def broken(subscriber: object) -> object:
        raise ValueError("a bug in a rule")

    try:
        await subscribers.edit(1, broken, now=NOW)  # type: ignore[arg-type]
    except ValueError:
        pass
    else:  # pragma: no cover - the rule always raises
        raise AssertionError("the rule's error must reach the caller")
    unchanged = await subscribers.get(1)
    assert unchanged is not None and unchanged.topics == ("mali",)


async def test_audience_reachability_and_counts(stores: Stores) -> None:
    subscribers = stores.subscribers
    for chat_id, topics in ((1, ("mali",)), (2, ()), (3, ("aes",))):
        await subscribers.edit(
            chat_id, lambda s, t=topics: adding(s, t, NOW), now=NOW, create=PRIVATE
        )
    await subscribers.edit(2, lambda s: toggling(s, "mali", KEYS, NOW), now=NOW)
    await subscribers.edit(2, lambda s: toggling(s, "mali", KEYS, NOW), now=NOW)  # off again
    assert await subscribers.set_reachable(3, reachable=False, reason="blocked", now=NOW)
    assert not await subscribers.set_reachable(99, reachable=False, reason="blocked", now=NOW)
    assert [s.chat_id for s in await subscribers.subscribed()] == [1]
    counts = await subscribers.counts()
    assert (counts.active, counts.inactive, counts.known_chats) == (1, 1, 3)


async def test_a_migrated_group_is_followed_or_retired(stores: Stores) -> None:
    subscribers = stores.subscribers
    group = NewChat("group", time(7, 0), "UTC")
    for chat_id in (-1, -2, -200):
        await subscribers.edit(chat_id, lambda s: adding(s, None, NOW), now=NOW, create=group)
    await subscribers.move_chat(-1, -100, NOW)
    followed = await subscribers.get(-100)
    assert followed is not None and followed.chat_type == "supergroup"
    assert await subscribers.get(-1) is None
    await subscribers.move_chat(-2, -200, NOW)  # the new id is already known: keep that one
    retired = await subscribers.get(-2)
    assert retired is not None and not retired.active and retired.inactive_reason == "migrated"


async def test_add_many_skips_known_chats_and_keeps_every_setting(stores: Stores) -> None:
    new = [
        NewSubscriber(5, "private", time(6, 0), "UTC", topics=("niger", "aes")),
        NewSubscriber(6, "group", time(8, 0), "Europe/Paris", all_topics=True, digest_watermark=9),
    ]
    assert await stores.subscribers.add_many(new, NOW) == 2
    assert await stores.subscribers.add_many(new, NOW) == 0
    five, six = (await stores.subscribers.get(5)), (await stores.subscribers.get(6))
    assert five is not None and five.topics == ("aes", "niger") and five.subscribed
    assert six is not None and six.all_topics and six.digest_watermark == 9
    found = await stores.subscribers.get_many([five.id, six.id, 12345])
    assert set(found) == {five.id, six.id}


async def test_ledger_rows_are_unique_and_closing_moves_the_watermark(stores: Stores) -> None:
    await stores.subscribers.add_many([NewSubscriber(5, "private", time(7, 0), "UTC")], NOW)
    reader = await stores.subscribers.get(5)
    assert reader is not None
    ledger = stores.deliveries
    row = NewDelivery(reader.id, Kind.DIGEST, "2025-06-23", Status.PENDING, (3, 4), watermark=4)
    await ledger.insert([row, row], NOW)
    await ledger.insert([replace(row, status=Status.EMPTY)], NOW)  # the first row stays
    [pending] = await ledger.pending()
    assert pending.article_ids == (3, 4) and pending.chat_id == 5
    assert await ledger.recorded_digests([date(2025, 6, 23)]) == {(reader.id, date(2025, 6, 23))}
    assert await ledger.has_digest(reader.id, date(2025, 6, 23))
    [claimed] = await ledger.claim(ME, NOW, lease=LEASE, limit=10)
    assert claimed == pending
    assert await ledger.confirm_part(pending.id, 1, NOW, ME)
    await ledger.note_attempt(pending.id, "timeout", NOW, ME)
    [again] = await ledger.pending()
    assert (again.parts_sent, again.attempts) == (1, 1)
    assert await ledger.close(pending.id, Status.SENT, NOW, ME, parts_sent=2)
    assert await ledger.pending() == []
    moved = await stores.subscribers.get(5)
    assert moved is not None and moved.digest_watermark == 4
    figures = await ledger.day_figures(NOW.date())
    assert (figures.digests_sent, figures.pending) == (1, 0)


async def test_a_broadcast_is_queued_for_the_audience_only(stores: Stores) -> None:
    await stores.subscribers.add_many(
        [
            NewSubscriber(1, "private", time(7, 0), "UTC", topics=("mali",)),
            NewSubscriber(2, "private", time(7, 0), "UTC"),  # no topic: not in the audience
            NewSubscriber(3, "private", time(7, 0), "UTC", all_topics=True),
        ],
        NOW,
    )
    broadcast_id, audience = await stores.deliveries.queue_broadcast("<b>Bonjour</b>", "t", NOW)
    assert audience == 2
    assert await stores.deliveries.broadcast_html(broadcast_id) == "<b>Bonjour</b>"
    assert [d.chat_id for d in await stores.deliveries.pending()] == [1, 3]
    figures = await stores.deliveries.edition_figures(Kind.BROADCAST, str(broadcast_id))
    assert figures[Status.PENDING] == 2 and figures[Status.SENT] == 0


async def test_a_setting_is_read_back_while_another_query_is_open(tmp_path: Path) -> None:
    """One handler is half-way through a query on the reader connection when another commits a
    subscription: the change is read back through its own transaction, not a stale snapshot."""
    database = await SqliteDatabase.open(tmp_path / "snapshot.db")
    await upgrade(database, SCHEMAS, utc_now())
    stores = stores_on(database)
    try:
        for chat_id in (1, 2):
            await stores.subscribers.edit(
                chat_id, lambda s: adding(s, ("niger",), NOW), now=NOW, create=PRIVATE
            )
        cursor = await database._reader.execute("SELECT chat_id FROM subscribers")
        try:
            assert await cursor.fetchone() is not None  # the query is now open
            subscriber = await stores.subscribers.edit(
                3, lambda s: adding(s, ("mali",), NOW), now=NOW, create=PRIVATE
            )
        finally:
            await cursor.close()
        assert subscriber is not None and subscriber.chat_id == 3
        assert subscriber.topics == ("mali",)
    finally:
        await stores.close()


async def pending_digests(stores: Stores, count: int) -> list[int]:
    await stores.subscribers.add_many(
        [NewSubscriber(chat, "private", time(7, 0), "UTC") for chat in range(1, count + 1)], NOW
    )
    readers = [await stores.subscribers.get(chat) for chat in range(1, count + 1)]
    rows = [NewDelivery(r.id, Kind.DIGEST, "2025-06-23", Status.PENDING) for r in readers if r]
    await stores.deliveries.insert(rows, NOW)
    return [d.id for d in await stores.deliveries.pending()]


async def test_a_claimed_row_belongs_to_one_claimant_until_its_lease_runs_out(
    stores: Stores,
) -> None:
    ledger = stores.deliveries
    ids = await pending_digests(stores, 3)
    first = await ledger.claim(ME, NOW, lease=LEASE, limit=2)
    assert [d.id for d in first] == ids[:2]
    # Another process sees only what nobody alive holds, and cannot confirm or close the rest.
    assert [d.id for d in await ledger.claim(OTHER, NOW, lease=LEASE, limit=10)] == ids[2:]
    assert await ledger.claim(OTHER, NOW, lease=LEASE, limit=10) == []
    assert not await ledger.confirm_part(ids[0], 1, NOW, OTHER)
    assert not await ledger.close(ids[0], Status.SENT, NOW, OTHER)
    # A beat keeps the claims; once the lease has run out without one, they are free again.
    await ledger.keep_alive(ME, NOW + LEASE / 2, lease=LEASE)
    assert await ledger.claim(OTHER, NOW + LEASE, lease=LEASE, limit=10) == []
    later = NOW + LEASE * 2
    assert [d.id for d in await ledger.claim(OTHER, later, lease=LEASE, limit=10)] == ids[:2]
    assert not await ledger.confirm_part(ids[0], 1, later, ME)  # the late claimer stops
    assert await ledger.close(ids[0], Status.SENT, later, OTHER)


async def test_released_claims_are_free_at_once(stores: Stores) -> None:
    ledger = stores.deliveries
    ids = await pending_digests(stores, 2)
    await ledger.claim(ME, NOW, lease=LEASE, limit=10)
    await ledger.release(ME)
    assert [d.id for d in await ledger.claim(OTHER, NOW, lease=LEASE, limit=10)] == ids
