"""The delivery ledger and the broadcasts on SQLite.

Triggers move a reader's digest watermark in the very statement that closes the digest's row, so
the two never disagree, even across a crash; confirming a message is one statement and one commit
(``SqliteDatabase.write``), the hot path of a fan-out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from digests.ledger import DayFigures, Delivery, Kind, NewDelivery, Status
from storage.sqlite.database import SqliteDatabase, stamp
from storage.sqlite.schema import StoreSchema, Upgrade
from storage.sqlite.subscribers import AUDIENCE

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
    ),
)


class SqliteDeliveryStore:
    """``digests.stores.DeliveryStore`` on SQLite."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def recorded_digests(self, local_dates: Sequence[date]) -> set[tuple[int, date]]:
        placeholders = ",".join("?" * len(local_dates))
        rows = await self._db.rows(
            f"SELECT subscriber_id, edition FROM deliveries "  # noqa: S608
            f"WHERE kind = 'digest' AND edition IN ({placeholders})",
            [day.isoformat() for day in local_dates],
        )
        return {(int(row[0]), date.fromisoformat(row[1])) for row in rows}

    async def has_digest(self, subscriber_id: int, day: date) -> bool:
        rows = await self._db.rows(
            "SELECT 1 FROM deliveries WHERE subscriber_id = ? AND kind = 'digest' AND edition = ?",
            (subscriber_id, day.isoformat()),
        )
        return bool(rows)

    async def insert(self, deliveries: Iterable[NewDelivery], now: datetime) -> None:
        rows = [
            (
                d.subscriber_id,
                d.kind.value,
                d.edition,
                d.status.value,
                json.dumps(list(d.article_ids)),
                d.watermark,
                stamp(now),
                stamp(now),
            )
            for d in deliveries
        ]
        async with self._db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO deliveries (subscriber_id, kind, edition, status, article_ids, "
                "watermark, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (subscriber_id, kind, edition) DO NOTHING",
                rows,
            )

    async def pending(self) -> list[Delivery]:
        rows = await self._db.rows(
            "SELECT d.id, d.subscriber_id, s.chat_id, d.kind, d.edition, d.article_ids, "
            "d.watermark, d.parts_sent, d.attempts FROM deliveries d "
            "JOIN subscribers s ON s.id = d.subscriber_id WHERE d.status = 'pending' ORDER BY d.id"
        )
        return [
            Delivery(
                id=int(row[0]),
                subscriber_id=int(row[1]),
                chat_id=int(row[2]),
                kind=Kind(row[3]),
                edition=str(row[4]),
                article_ids=tuple(json.loads(row[5])),
                watermark=row[6],
                parts_sent=int(row[7]),
                attempts=int(row[8]),
            )
            for row in rows
        ]

    async def confirm_part(self, delivery_id: int, parts_sent: int, now: datetime) -> None:
        await self._db.write(
            "UPDATE deliveries SET parts_sent = ?, updated_at = ? "
            "WHERE id = ? AND status = 'pending'",
            (parts_sent, stamp(now), delivery_id),
        )

    async def close(
        self,
        delivery_id: int,
        status: Status,
        now: datetime,
        *,
        parts_sent: int | None = None,
        error: str | None = None,
    ) -> None:
        await self._db.write(
            "UPDATE deliveries SET status = ?, parts_sent = coalesce(?, parts_sent), "
            "last_error = ?, updated_at = ?, sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at "
            "END WHERE id = ? AND status = 'pending'",
            (status.value, parts_sent, error, stamp(now), status.value, stamp(now), delivery_id),
        )

    async def note_attempt(self, delivery_id: int, error: str, now: datetime) -> None:
        await self._db.write(
            "UPDATE deliveries SET attempts = attempts + 1, last_error = ?, updated_at = ? "
            "WHERE id = ?",
            (error, stamp(now), delivery_id),
        )

    async def queue_broadcast(self, html: str, created_by: str, now: datetime) -> tuple[int, int]:
        async with self._db.transaction() as tx:
            rows = await self._db.rows(
                "INSERT INTO broadcasts (html, created_by, created_at) VALUES (?, ?, ?) "
                "RETURNING id",
                (html, created_by, stamp(now)),
                connection=tx,
            )
            broadcast_id = int(rows[0][0])
            # One pending row per reader of the audience, as the subscriber store defines it.
            cursor = await tx.execute(
                "INSERT INTO deliveries (subscriber_id, kind, edition, status, created_at, "  # noqa: S608
                f"updated_at) SELECT s.id, 'broadcast', ?, 'pending', ?, ? FROM subscribers s "
                f"WHERE {AUDIENCE} ORDER BY s.id",
                (str(broadcast_id), stamp(now), stamp(now)),
            )
            audience = cursor.rowcount
        return broadcast_id, audience

    async def broadcast_html(self, broadcast_id: int) -> str | None:
        rows = await self._db.rows("SELECT html FROM broadcasts WHERE id = ?", (broadcast_id,))
        return str(rows[0][0]) if rows else None

    async def day_figures(self, day: date) -> DayFigures:
        prefix = f"{day.isoformat()}%"
        rows = await self._db.rows(
            "SELECT "
            "coalesce(sum(kind = 'digest' AND status = 'sent' AND sent_at LIKE ?), 0), "
            "coalesce(sum(kind = 'digest' AND status = 'empty' AND updated_at LIKE ?), 0), "
            "coalesce(sum(status = 'pending'), 0), "
            "coalesce(sum(status = 'failed' AND updated_at LIKE ?), 0) "
            "FROM deliveries",
            (prefix, prefix, prefix),
        )
        return DayFigures(*(int(value) for value in rows[0]))

    async def edition_figures(self, kind: Kind, edition: str) -> dict[Status, int]:
        rows = await self._db.rows(
            "SELECT status, count(*) FROM deliveries WHERE kind = ? AND edition = ? "
            "GROUP BY status",
            (kind.value, edition),
        )
        found = {Status(row[0]): int(row[1]) for row in rows}
        return {status: found.get(status, 0) for status in Status}
