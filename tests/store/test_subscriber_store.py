"""The subscriber store through its Protocol, on a real SQLite file and a real PostgreSQL
database; a second ``open_again()`` plays a second process (a replica)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, time
from pathlib import Path

from core.clock import utc_now
from digests.subscribers import NewChat, NewSubscriber, adding, toggling
from storage.sqlite import SCHEMAS, stores_on
from storage.sqlite.database import SqliteDatabase
from storage.sqlite.schema import upgrade
from storage.stores import Stores
from tests.store.conftest import OpenAgain

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
    assert await subscribers.subscribed() == []
    counts = await subscribers.counts()
    assert (counts.active, counts.inactive, counts.known_chats) == (0, 0, 0)
    for chat_id, topics in ((1, ("mali",)), (2, ()), (3, ("aes",))):
        await subscribers.edit(
            chat_id, lambda s, t=topics: adding(s, t, NOW), now=NOW, create=PRIVATE
        )
    await subscribers.edit(2, lambda s: toggling(s, "mali", KEYS, NOW), now=NOW)
    await subscribers.edit(2, lambda s: toggling(s, "mali", KEYS, NOW), now=NOW)  # off again
    assert await subscribers.set_reachable(3, reachable=False, reason="blocked", now=NOW)
    assert not await subscribers.set_reachable(99, reachable=False, reason="blocked", now=NOW)
    blocked = await subscribers.get(3)
    assert blocked is not None and blocked.inactive_reason == "blocked"
    assert [s.chat_id for s in await subscribers.subscribed()] == [1]
    counts = await subscribers.counts()
    assert (counts.active, counts.inactive, counts.known_chats) == (1, 1, 3)
    assert await subscribers.set_reachable(3, reachable=True, reason="ignored", now=NOW)
    back = await subscribers.get(3)
    assert back is not None and back.active and back.inactive_reason is None
    assert [s.chat_id for s in await subscribers.subscribed()] == [1, 3]


async def test_a_migrated_group_is_followed_or_retired(stores: Stores) -> None:
    subscribers = stores.subscribers
    group = NewChat("group", time(7, 0), "UTC")
    for chat_id in (-1, -2, -200):
        await subscribers.edit(chat_id, lambda s: adding(s, None, NOW), now=NOW, create=group)
    await subscribers.move_chat(-1, -100, NOW)
    followed = await subscribers.get(-100)
    assert followed is not None and followed.chat_type == "supergroup" and followed.all_topics
    assert await subscribers.get(-1) is None
    await subscribers.move_chat(-2, -200, NOW)  # the new id is already known: keep that one
    retired = await subscribers.get(-2)
    assert retired is not None and not retired.active and retired.inactive_reason == "migrated"
    kept = await subscribers.get(-200)
    assert kept is not None and kept.active and kept.chat_type == "group"


async def test_add_many_skips_known_chats_and_keeps_every_setting(stores: Stores) -> None:
    since = datetime(2025, 6, 1, 6, 30, tzinfo=UTC)
    new = [
        NewSubscriber(
            5, "private", time(6, 0), "UTC", topics=("niger", "aes"), subscribed_since=since
        ),
        NewSubscriber(6, "group", time(8, 0), "Europe/Paris", all_topics=True, digest_watermark=9),
        # The same chat twice in one list: the first settings win, as one insert after another.
        NewSubscriber(7, "private", time(9, 15), "UTC", topics=("mali",)),
        NewSubscriber(7, "private", time(10, 0), "UTC", topics=("aes",)),
    ]
    assert await stores.subscribers.add_many(new, NOW) == 3
    assert await stores.subscribers.add_many(new, NOW) == 0
    assert await stores.subscribers.add_many([], NOW) == 0
    five, six, seven = [await stores.subscribers.get(chat) for chat in (5, 6, 7)]
    assert five is not None and five.topics == ("aes", "niger") and five.subscribed
    assert five.subscribed_since == since and five.delivery_time == time(6, 0)
    assert six is not None and six.all_topics and six.digest_watermark == 9
    assert six.topics == () and six.timezone == "Europe/Paris" and six.chat_type == "group"
    assert seven is not None and seven.topics == ("mali",) and seven.delivery_time == time(9, 15)
    assert five.id < six.id < seven.id  # ids in the list's order
    found = await stores.subscribers.get_many([five.id, six.id, 12345])
    assert set(found) == {five.id, six.id} and found[five.id] == five
    assert await stores.subscribers.get_many([]) == {}


async def test_a_large_audience_is_read_whole(stores: Stores) -> None:
    """More chats than one statement's list of values holds on SQLite (10,000 per chunk)."""
    count = 10_050
    await stores.subscribers.add_many(
        [
            NewSubscriber(chat, "private", time(7, 0), "UTC", topics=("mali", "aes")[: chat % 3])
            for chat in range(1, count + 1)
        ],
        NOW,
    )
    audience = await stores.subscribers.subscribed()
    assert len(audience) == count - count // 3  # a third follow nothing
    assert {s.topics for s in audience} == {("mali",), ("aes", "mali")}
    found = await stores.subscribers.get_many(s.id for s in audience)
    assert len(found) == len(audience) and found[audience[-1].id] == audience[-1]


async def test_two_processes_editing_one_chat_lose_no_change(
    stores: Stores, open_again: OpenAgain
) -> None:
    """Each toggle reads the chat, changes it and writes it back: two replicas toggling at once
    must apply one after the other, or one toggle silently undoes the other."""
    other = await open_again()
    topics = tuple(f"sujet{n:02d}" for n in range(24))
    await stores.subscribers.edit(1, lambda s: adding(s, (), NOW), now=NOW, create=PRIVATE)
    await asyncio.gather(
        *(
            process.subscribers.edit(
                1, lambda s, t=topic: toggling(s, t, (*topics, "x"), NOW), now=NOW
            )
            for process, topic in zip([stores, other] * 12, topics, strict=True)
        )
    )
    both = [await process.subscribers.get(1) for process in (stores, other)]
    assert both[0] == both[1]
    assert both[0] is not None and both[0].topics == topics


async def test_two_processes_creating_one_chat_make_one_row(
    stores: Stores, open_again: OpenAgain
) -> None:
    other = await open_again()
    made = await asyncio.gather(
        *(
            process.subscribers.edit(
                77, lambda s, t=topic: adding(s, (t,), NOW), now=NOW, create=PRIVATE
            )
            for process, topic in ((stores, "mali"), (other, "niger"))
        )
    )
    assert made[0] is not None and made[1] is not None and made[0].id == made[1].id
    saved = await other.subscribers.get(77)
    assert saved is not None and saved.topics == ("mali", "niger")
    assert (await stores.subscribers.counts()).known_chats == 1


async def test_a_setting_is_read_back_while_another_query_is_open(tmp_path: Path) -> None:
    """SQLite: one handler is half-way through a query on the reader connection when another
    commits a subscription: the change is read back through its own transaction, not a stale
    snapshot."""
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
