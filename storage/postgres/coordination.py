"""What replicas share on PostgreSQL: the update log, send slots and the right to poll.

Send slots are a generic cell rate algorithm on the server's clock: each key (the bot, a chat)
holds the next instant a message may leave, and a reservation moves it one interval further in
the same statement, so replicas on machines whose clocks disagree still space their messages
evenly, and together never exceed the bot's rate. Only the reservation is shared; the wait is
each process's own.
"""

from __future__ import annotations

import logging

import asyncpg

from storage.coordination import StoredUpdateLog
from storage.postgres import locks
from storage.postgres.database import FAILURES, PostgresDatabase, explain
from storage.schema import StoreSchema, Upgrade

logger = logging.getLogger(__name__)

IDLE_SLOT_SECONDS = 60.0
CONNECT_TIMEOUT_SECONDS = 10.0

SCHEMA = StoreSchema(
    "coordination",
    (
        Upgrade(
            1,
            "the updates already handled, and the send slots replicas share",
            """
CREATE TABLE handled_updates (
    update_id BIGINT PRIMARY KEY,   -- Telegram's, unique per bot
    seen_at   TEXT NOT NULL
);
CREATE INDEX handled_updates_by_age ON handled_updates (seen_at);

-- The server's clock in seconds since the epoch: the one clock every replica shares.
CREATE FUNCTION send_clock() RETURNS DOUBLE PRECISION
    LANGUAGE sql VOLATILE AS 'SELECT extract(epoch FROM clock_timestamp())::double precision';

-- The next instant (seconds since the epoch, on the server's clock) a message may leave under
-- each key: 'bot' for the bot's overall rate, 'chat:ID' for one chat. PostgreSQL only: a
-- SQLite process paces itself.
CREATE TABLE send_slots (
    key     TEXT PRIMARY KEY,
    next_at DOUBLE PRECISION NOT NULL
);
""",
        ),
    ),
)


class PostgresUpdateLog(StoredUpdateLog[PostgresDatabase]):
    """The update log on PostgreSQL: the table is this module's, the SQL ``StoredUpdateLog``'s."""


class PostgresSendSlots:
    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    async def reserve(self, key: str, interval: float) -> float:
        rows = await self._db.rows(
            "INSERT INTO send_slots AS slot (key, next_at) VALUES ($1, send_clock() + $2) "
            "ON CONFLICT (key) DO UPDATE SET next_at = greatest(slot.next_at, send_clock()) + $2 "
            "RETURNING slot.next_at - $2 - send_clock()",
            (key, interval),
        )
        return max(0.0, float(rows[0][0]))

    async def hold_off(self, key: str, seconds: float) -> None:
        await self._db.write(
            "INSERT INTO send_slots AS slot (key, next_at) VALUES ($1, send_clock() + $2) "
            "ON CONFLICT (key) DO UPDATE SET next_at = greatest(slot.next_at, send_clock() + $2)",
            (key, seconds),
        )

    async def forget_idle(self) -> int:
        return await self._db.write(
            "DELETE FROM send_slots WHERE key <> 'bot' AND next_at < send_clock() - $1",
            (IDLE_SLOT_SECONDS,),
        )


class PostgresPollingRight:
    """A session-level advisory lock on a connection of its own: the pool resets its
    connections' locks when they go back, and the server must drop this one the instant the
    process holding it dies (kill -9 included), so that another replica takes over."""

    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database
        self._connection: asyncpg.Connection | None = None

    async def try_take(self) -> bool:
        if self._connection is not None:
            if await self._still_held(self._connection):
                return True
            await self.release()
        try:
            connection = await asyncpg.connect(self._db.url, timeout=CONNECT_TIMEOUT_SECONDS)
        except FAILURES as error:
            logger.warning(
                "Cannot reach %s to ask for the polling right: %s",
                self._db.location,
                explain(error),
            )
            return False
        try:
            taken = bool(
                await connection.fetchval("SELECT pg_try_advisory_lock($1)", locks.POLLING)
            )
        except FAILURES as error:
            logger.warning(
                "Cannot ask %s for the polling right: %s", self._db.location, explain(error)
            )
            taken = False
        if not taken:
            await connection.close()
            return False
        self._connection = connection
        return True

    async def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and not connection.is_closed():
            try:
                await connection.close(timeout=CONNECT_TIMEOUT_SECONDS)
            except FAILURES:
                connection.terminate()

    @staticmethod
    async def _still_held(connection: asyncpg.Connection) -> bool:
        """The lock lives as long as its connection: ask the connection it still works."""
        if connection.is_closed():
            return False
        try:
            await connection.fetchval("SELECT 1", timeout=CONNECT_TIMEOUT_SECONDS)
        except FAILURES:
            return False
        return True
