"""What replicas agree on through the database, beyond the domains' own stores.

Several bot processes on one PostgreSQL database must act as one bot towards Telegram: an update
that Telegram delivers twice (a webhook retried behind a load balancer) is handled once, all of
them together stay under the bot's flood limits, and exactly one of them polls. The bot asks for
these through the Protocols below; each backend implements what it can:

- SQLite (one machine, normally one process): the update log; the process paces itself and a
  kernel lock on a file beside the database says who polls (``storage.locks``).
- PostgreSQL: the update log, send slots reserved on the server's clock (one clock for every
  replica, whatever their machines' clocks say), and the polling right as an advisory lock held
  by a connection of its own, which the server drops the instant that process dies.

The update log's SQL reads the same in both dialects, so it is written once here
(``StoredUpdateLog``); each backend's module keeps its table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Generic, Protocol

from storage.database import DatabaseT
from storage.records import stamp


class UpdateLog(Protocol):
    async def first_sight(self, update_id: int, now: datetime) -> bool:
        """Record that an update is being handled; False when some process already did
        (Telegram redelivered it), in which case it must be dropped."""
        ...

    async def forget_before(self, moment: datetime) -> int:
        """Forget updates seen before ``moment`` (Telegram stops retrying after a day)."""
        ...


class StoredUpdateLog(Generic[DatabaseT]):
    """``UpdateLog`` in a table of either backend (``handled_updates``: the same columns on
    both), in SQL both dialects read alike (``storage.database``)."""

    def __init__(self, database: DatabaseT) -> None:
        self._db = database

    async def first_sight(self, update_id: int, now: datetime) -> bool:
        inserted = await self._db.write(
            "INSERT INTO handled_updates (update_id, seen_at) VALUES (?, ?) "
            "ON CONFLICT (update_id) DO NOTHING",
            (update_id, stamp(now)),
        )
        return inserted == 1

    async def forget_before(self, moment: datetime) -> int:
        return await self._db.write(
            "DELETE FROM handled_updates WHERE seen_at < ?", (stamp(moment),)
        )


class SendSlots(Protocol):
    async def reserve(self, key: str, interval: float) -> float:
        """Reserve the next free instant for a message under ``key`` (``"bot"`` for the bot's
        overall rate, ``"chat:ID"`` for one chat), instants ``interval`` seconds apart across
        every replica; return how long to wait for it (0 when it is now)."""
        ...

    async def hold_off(self, key: str, seconds: float) -> None:
        """Telegram asked to wait (429 retry_after): no replica sends under ``key`` before
        ``seconds`` from now."""
        ...

    async def forget_idle(self) -> int:
        """Drop the slots of keys nobody used lately (one row per chat would pile up)."""
        ...


class PollingRight(Protocol):
    async def try_take(self) -> bool:
        """Take the right to poll Telegram if no other process holds it; True while this
        process holds it (taking it again is a no-op, and a lost connection loses it)."""
        ...

    async def release(self) -> None: ...
