"""What replicas agree on through the database: updates handled once, shared send slots, one
poller. The update log runs on both backends; slots and the polling right are PostgreSQL's."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from core.clock import utc_now
from storage.backends import open_stores
from storage.coordination import PollingRight, SendSlots
from storage.settings import DatabaseSettings
from storage.stores import Stores
from tests.store.conftest import OpenAgain
from tests.support.postgres import PostgresServer

NOW = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)


@pytest.fixture
async def replicas(postgres_server: PostgresServer) -> AsyncIterator[list[Stores]]:
    """Three processes' stores on one PostgreSQL database (slots and the polling right exist
    there only: a SQLite process paces itself, and ``storage.locks`` says who polls)."""
    settings = DatabaseSettings(url=await postgres_server.new_database(), pool_size=2)
    opened = [await open_stores(settings, utc_now) for _ in range(3)]
    yield opened
    for stores in opened:
        await stores.close()


def slots_of(stores: Stores) -> SendSlots:
    assert stores.send_slots is not None
    return stores.send_slots


def right_of(stores: Stores) -> PollingRight:
    assert stores.polling is not None
    return stores.polling


async def test_an_update_is_seen_first_once_across_processes(
    stores: Stores, open_again: OpenAgain
) -> None:
    other = await open_again()
    first = await asyncio.gather(
        *(each.updates.first_sight(7001, NOW) for each in (stores, other, stores, other))
    )
    assert sorted(first) == [False, False, False, True]
    assert await other.updates.first_sight(7002, NOW)


async def test_old_updates_are_forgotten_and_recent_ones_kept(stores: Stores) -> None:
    assert await stores.updates.first_sight(1, NOW - timedelta(days=3))
    assert await stores.updates.first_sight(2, NOW)
    assert await stores.updates.forget_before(NOW - timedelta(days=2)) == 1
    assert await stores.updates.first_sight(1, NOW)  # forgotten: it would be handled again
    assert not await stores.updates.first_sight(2, NOW)


async def test_sqlite_shares_neither_slots_nor_the_polling_right(
    stores: Stores, database: DatabaseSettings
) -> None:
    assert (stores.send_slots is None, stores.polling is None) == (
        database.backend == "sqlite",
        database.backend == "sqlite",
    )


async def test_slots_are_spaced_by_the_interval_across_processes(
    replicas: list[Stores],
) -> None:
    interval = 0.05
    waits = await asyncio.gather(
        *(slots_of(replicas[n % 3]).reserve("bot", interval) for n in range(20))
    )
    # Twenty reservations from two processes take twenty distinct slots: the waits, sorted,
    # climb by one interval each (less the few milliseconds the calls themselves took).
    ordered = sorted(waits)
    assert ordered[0] < interval
    gaps = [later - earlier for earlier, later in itertools.pairwise(ordered)]
    assert all(interval * 0.6 < gap < interval * 1.4 for gap in gaps), gaps
    assert ordered[-1] == pytest.approx(19 * interval, abs=interval)


async def test_keys_are_paced_apart_and_a_hold_off_delays_everyone(
    replicas: list[Stores],
) -> None:
    slots = slots_of(replicas[0])
    assert await slots.reserve("chat:1", 1.0) < 0.1
    assert await slots.reserve("chat:2", 1.0) < 0.1  # another chat is not held up
    assert await slots.reserve("chat:1", 1.0) > 0.8
    await slots.hold_off("bot", 2.0)
    assert 1.8 < await slots_of(replicas[1]).reserve("bot", 0.01) <= 2.0


async def test_idle_chat_slots_are_forgotten_the_bot_s_is_kept(replicas: list[Stores]) -> None:
    slots = slots_of(replicas[0])
    await slots.reserve("bot", -120.0)  # a slot two minutes in the past: idle
    await slots.reserve("chat:5", -120.0)
    await slots.reserve("chat:6", 1.0)
    assert await slots.forget_idle() == 1


async def test_one_process_holds_the_polling_right_until_it_lets_go_or_dies(
    replicas: list[Stores],
) -> None:
    first, second, third = (right_of(stores) for stores in replicas)
    assert await first.try_take()
    assert await first.try_take()  # taking it again while holding it is a no-op
    assert not await second.try_take()
    await first.release()
    assert await second.try_take()
    assert not await first.try_take()
    # A process that dies holds nothing: its connection ends and the server drops the lock.
    await replicas[1].close()
    assert await third.try_take()
    assert not await first.try_take()
