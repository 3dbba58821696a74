"""The delivery ledger and the broadcasts on SQLite.

Triggers move a reader's digest watermark in the very statement that closes the digest's row, so
the two never disagree, even across a crash; confirming a message is one statement and one commit
(``SqliteDatabase.write``), the hot path of a fan-out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from digests.ledger import Claimant, Delivery, NewDelivery
from storage.ledger_rows import (
    DELIVERY_COLUMNS,
    DELIVERY_SOURCE,
    FORGET_AFTER,
    DeliveryStoreBase,
    delivery_from_row,
    delivery_values,
    digest_days,
    epoch,
)
from storage.schema import StoreSchema, Upgrade
from storage.sqlite.database import Connection, SqliteDatabase

SCHEMA = StoreSchema(
    "deliveries",
    (
        Upgrade(
            1,
            "broadcasts and the delivery ledger, with the triggers that move watermarks",
            """
CREATE TABLE broadcasts (
    id         INTEGER PRIMARY KEY,
    html       TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- The ledger that makes delivery exactly-once: one row per (subscriber, edition), inserted before
-- the first message leaves and marked sent only after Telegram confirmed every part.
CREATE TABLE deliveries (
    id            INTEGER PRIMARY KEY,
    subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('digest', 'broadcast')),
    edition       TEXT NOT NULL,        -- digest: subscriber's local date; broadcast: its id
    status        TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'empty', 'failed')),
    article_ids   TEXT NOT NULL DEFAULT '[]',   -- JSON list: what the digest contains
    watermark     INTEGER,                      -- digest: highest article id considered
    parts_sent    INTEGER NOT NULL DEFAULT 0,   -- messages of this delivery Telegram confirmed
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    sent_at       TEXT,
    UNIQUE (subscriber_id, kind, edition)
);

CREATE INDEX deliveries_by_edition ON deliveries (kind, edition);
CREATE INDEX deliveries_pending ON deliveries (status) WHERE status = 'pending';

-- A digest that reached the reader (or had nothing new) moves the reader's watermark, in the same
-- statement that closes the row: the two can never disagree, even across a crash.
CREATE TRIGGER deliveries_watermark_on_close AFTER UPDATE OF status ON deliveries
WHEN new.kind = 'digest' AND new.status = 'sent' AND new.watermark IS NOT NULL
BEGIN
    UPDATE subscribers SET digest_watermark = max(coalesce(digest_watermark, 0), new.watermark)
    WHERE id = new.subscriber_id;
END;

CREATE TRIGGER deliveries_watermark_on_empty AFTER INSERT ON deliveries
WHEN new.kind = 'digest' AND new.status = 'empty' AND new.watermark IS NOT NULL
BEGIN
    UPDATE subscribers SET digest_watermark = max(coalesce(digest_watermark, 0), new.watermark)
    WHERE id = new.subscriber_id;
END;
""",
        ),
        Upgrade(
            2,
            "claims: a delivering process takes its rows in a transaction and keeps them alive",
            """
-- Who is sending a pending row right now. A claim counts while its claimant's lease runs:
-- a process that dies stops renewing it, and its rows go to the next claimer.
ALTER TABLE deliveries ADD COLUMN claimed_by TEXT;

CREATE TABLE delivery_claimants (
    id          TEXT PRIMARY KEY,
    host        TEXT NOT NULL,
    pid         INTEGER NOT NULL,
    alive_until INTEGER NOT NULL    -- Unix time (seconds) the lease runs to
);
""",
        ),
    ),
)


async def _beat(tx: Connection, claimant: Claimant, now: datetime, lease: timedelta) -> None:
    """Record (or renew) ``claimant``'s lease, and forget claimants long dead."""
    await tx.execute(
        "INSERT INTO delivery_claimants (id, host, pid, alive_until) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET alive_until = excluded.alive_until",
        (claimant.id, claimant.host, claimant.pid, epoch(now + lease)),
    )
    await tx.execute(
        "DELETE FROM delivery_claimants WHERE alive_until < ?", (epoch(now - FORGET_AFTER),)
    )


class SqliteDeliveryStore(DeliveryStoreBase[SqliteDatabase]):
    """``digests.stores.DeliveryStore`` on SQLite."""

    async def recorded_digests(self, local_dates: Sequence[date]) -> set[tuple[int, date]]:
        placeholders = ",".join("?" * len(local_dates))
        rows = await self._db.rows(
            f"SELECT subscriber_id, edition FROM deliveries "  # noqa: S608
            f"WHERE kind = 'digest' AND edition IN ({placeholders})",
            [day.isoformat() for day in local_dates],
        )
        return digest_days(rows)

    async def insert(self, deliveries: Iterable[NewDelivery], now: datetime) -> None:
        rows = [delivery_values(delivery, now) for delivery in deliveries]
        async with self._db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO deliveries (subscriber_id, kind, edition, status, article_ids, "
                "watermark, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (subscriber_id, kind, edition) DO NOTHING",
                rows,
            )

    async def claim(
        self, claimant: Claimant, now: datetime, *, lease: timedelta, limit: int
    ) -> list[Delivery]:
        # BEGIN IMMEDIATE takes the file's write lock before the first read: two processes
        # cannot both see a row free and both take it.
        async with self._db.transaction() as tx:
            await _beat(tx, claimant, now, lease)
            claimed = await self._db.rows(
                "UPDATE deliveries SET claimed_by = ? WHERE id IN ("
                "SELECT d.id FROM deliveries d WHERE d.status = 'pending' AND ("
                "d.claimed_by IS NULL OR NOT EXISTS (SELECT 1 FROM delivery_claimants c "
                "WHERE c.id = d.claimed_by AND c.alive_until > ?)) ORDER BY d.id LIMIT ?) "
                "RETURNING id",
                (claimant.id, epoch(now), limit),
                connection=tx,
            )
            rows = await self._db.rows(
                f"SELECT {DELIVERY_COLUMNS} FROM {DELIVERY_SOURCE} WHERE d.id IN "  # noqa: S608
                "(SELECT value FROM json_each(?)) ORDER BY d.id",
                (json.dumps([int(row[0]) for row in claimed]),),
                connection=tx,
            )
        return [delivery_from_row(row) for row in rows]

    async def keep_alive(self, claimant: Claimant, now: datetime, *, lease: timedelta) -> None:
        async with self._db.transaction() as tx:
            await _beat(tx, claimant, now, lease)
