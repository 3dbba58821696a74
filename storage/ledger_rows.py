"""The delivery ledger as every backend stores it: columns, values, row → record, and the
statements both dialects read alike.

Both delivery stores keep the same tables and columns and write values alike
(``storage.records``): one reading of a row serves both, and ``DeliveryStoreBase`` holds the
store methods whose SQL is the same on both (written with ``?``, which PostgreSQL's database
numbers: ``storage.database``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Generic

from digests.ledger import Backlog, Claimant, DayFigures, Delivery, Kind, NewDelivery, Status
from storage.database import DatabaseT, Row
from storage.records import stamp
from storage.subscriber_rows import AUDIENCE

FORGET_AFTER = timedelta(days=1)
"""A claimant whose lease ran out this long ago is dropped from the table (its claims already
count for nothing)."""
DELIVERY_COLUMNS = (
    "d.id, d.subscriber_id, s.chat_id, d.kind, d.edition, d.article_ids, d.watermark, "
    "d.parts_sent, d.attempts"
)
"""What ``delivery_from_row`` reads, from ``DELIVERY_SOURCE`` (or an UPDATE of ``deliveries d``
joined to ``subscribers s``)."""
DELIVERY_SOURCE = "deliveries d JOIN subscribers s ON s.id = d.subscriber_id"
"""A delivery with the chat it goes to now (groups can move)."""


def epoch(moment: datetime) -> int:
    """How a lease's end is stored: Unix time in seconds."""
    return int(moment.timestamp())


def delivery_values(
    delivery: NewDelivery, now: datetime
) -> tuple[int, str, str, str, str, int | None, str, str]:
    """A new ledger row, in this order: subscriber_id, kind, edition, status, article_ids,
    watermark, created_at, updated_at."""
    return (
        delivery.subscriber_id,
        delivery.kind.value,
        delivery.edition,
        delivery.status.value,
        json.dumps(list(delivery.article_ids)),
        delivery.watermark,
        stamp(now),
        stamp(now),
    )


def delivery_from_row(row: Row) -> Delivery:
    """A row of ``DELIVERY_COLUMNS``."""
    return Delivery(
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


def digest_days(rows: Iterable[Row]) -> set[tuple[int, date]]:
    """(subscriber_id, edition) rows of digests as (subscriber, local date) pairs."""
    return {(int(row[0]), date.fromisoformat(row[1])) for row in rows}


def day_figures_from_row(row: Row) -> DayFigures:
    """A row of four counts: digests sent, digests empty, pending, failed."""
    return DayFigures(*(int(row[place]) for place in range(4)))


def edition_figures_from_rows(rows: Iterable[Row]) -> dict[Status, int]:
    """(status, count) rows as a count for every status, zero included."""
    found = {Status(row[0]): int(row[1]) for row in rows}
    return {status: found.get(status, 0) for status in Status}


def backlog_from_row(row: Row) -> Backlog:
    """A row of: pending count, claimed count, oldest pending created_at (NULL when none)."""
    oldest = row[2]
    return Backlog(
        pending=int(row[0]),
        claimed=int(row[1]),
        oldest_pending_since=datetime.fromisoformat(oldest) if oldest else None,
    )


class DeliveryStoreBase(Generic[DatabaseT]):
    """The ``digests.stores.DeliveryStore`` methods whose SQL both backends share; each
    backend's store adds what differs: claims, leases, inserts and broadcasts."""

    def __init__(self, database: DatabaseT) -> None:
        self._db = database

    async def has_digest(self, subscriber_id: int, day: date) -> bool:
        rows = await self._db.rows(
            "SELECT 1 FROM deliveries WHERE subscriber_id = ? AND kind = 'digest' AND edition = ?",
            (subscriber_id, day.isoformat()),
        )
        return bool(rows)

    async def recorded_digest(self, subscriber_id: int, day: date) -> tuple[int, ...] | None:
        rows = await self._db.rows(
            "SELECT article_ids FROM deliveries "
            "WHERE subscriber_id = ? AND kind = 'digest' AND edition = ?",
            (subscriber_id, day.isoformat()),
        )
        return tuple(json.loads(rows[0][0])) if rows else None

    async def pending(self) -> list[Delivery]:
        rows = await self._db.rows(
            f"SELECT {DELIVERY_COLUMNS} FROM {DELIVERY_SOURCE} "  # noqa: S608
            "WHERE d.status = 'pending' ORDER BY d.id"
        )
        return [delivery_from_row(row) for row in rows]

    async def release(self, claimant: Claimant) -> None:
        async with self._db.transaction() as tx:
            await self._db.rows(
                "UPDATE deliveries SET claimed_by = NULL "
                "WHERE status = 'pending' AND claimed_by = ?",
                (claimant.id,),
                connection=tx,
            )
            await self._db.rows(
                "DELETE FROM delivery_claimants WHERE id = ?", (claimant.id,), connection=tx
            )

    async def confirm_part(
        self, delivery_id: int, parts_sent: int, now: datetime, claimant: Claimant
    ) -> bool:
        changed = await self._db.write(
            "UPDATE deliveries SET parts_sent = ?, updated_at = ? "
            "WHERE id = ? AND status = 'pending' AND claimed_by = ?",
            (parts_sent, stamp(now), delivery_id, claimant.id),
        )
        return changed == 1

    async def close(
        self,
        delivery_id: int,
        status: Status,
        now: datetime,
        claimant: Claimant,
        *,
        parts_sent: int | None = None,
        error: str | None = None,
    ) -> bool:
        changed = await self._db.write(
            "UPDATE deliveries SET status = ?, parts_sent = coalesce(?, parts_sent), "
            "last_error = ?, updated_at = ?, sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at "
            "END, claimed_by = NULL WHERE id = ? AND status = 'pending' AND claimed_by = ?",
            (
                status.value,
                parts_sent,
                error,
                stamp(now),
                status.value,
                stamp(now),
                delivery_id,
                claimant.id,
            ),
        )
        return changed == 1

    async def note_attempt(
        self, delivery_id: int, error: str, now: datetime, claimant: Claimant
    ) -> None:
        await self._db.write(
            "UPDATE deliveries SET attempts = attempts + 1, last_error = ?, updated_at = ? "
            "WHERE id = ? AND claimed_by = ?",
            (error, stamp(now), delivery_id, claimant.id),
        )

    async def queue_broadcast(self, html: str, created_by: str, now: datetime) -> tuple[int, int]:
        async with self._db.transaction() as tx:
            rows = await self._db.rows(
                "INSERT INTO broadcasts (html, created_by, created_at) VALUES (?, ?, ?) "
                "RETURNING id",
                (html, created_by, stamp(now)),
                connection=tx,
            )
            edition = str(rows[0][0])
            # One pending row per reader of the audience, as the subscriber store defines it.
            await self._db.rows(
                "INSERT INTO deliveries (subscriber_id, kind, edition, status, created_at, "  # noqa: S608
                f"updated_at) SELECT s.id, 'broadcast', ?, 'pending', ?, ? FROM subscribers s "
                f"WHERE {AUDIENCE} ORDER BY s.id",
                (edition, stamp(now), stamp(now)),
                connection=tx,
            )
            # Counted rather than read from the insert's status, which each driver reports its
            # own way (the edition is new: every row of it is this insert's).
            audience = await self._db.rows(
                "SELECT count(*) FROM deliveries WHERE kind = 'broadcast' AND edition = ?",
                (edition,),
                connection=tx,
            )
        return int(edition), int(audience[0][0])

    async def broadcast_html(self, broadcast_id: int) -> str | None:
        rows = await self._db.rows("SELECT html FROM broadcasts WHERE id = ?", (broadcast_id,))
        return str(rows[0][0]) if rows else None

    async def day_figures(self, day: date) -> DayFigures:
        prefix = f"{day.isoformat()}%"
        rows = await self._db.rows(
            "SELECT "
            "count(CASE WHEN kind = 'digest' AND status = 'sent' AND sent_at LIKE ? THEN 1 END), "
            "count(CASE WHEN kind = 'digest' AND status = 'empty' AND updated_at LIKE ? "
            "THEN 1 END), "
            "count(CASE WHEN status = 'pending' THEN 1 END), "
            "count(CASE WHEN status = 'failed' AND updated_at LIKE ? THEN 1 END) "
            "FROM deliveries",
            (prefix, prefix, prefix),
        )
        return day_figures_from_row(rows[0])

    async def edition_figures(self, kind: Kind, edition: str) -> dict[Status, int]:
        rows = await self._db.rows(
            "SELECT status, count(*) FROM deliveries WHERE kind = ? AND edition = ? "
            "GROUP BY status",
            (kind.value, edition),
        )
        return edition_figures_from_rows(rows)

    async def backlog(self, now: datetime) -> Backlog:
        rows = await self._db.rows(
            "SELECT count(*), count(c.id), min(d.created_at) FROM deliveries d "
            "LEFT JOIN delivery_claimants c ON c.id = d.claimed_by AND c.alive_until > ? "
            "WHERE d.status = 'pending'",
            (epoch(now),),
        )
        return backlog_from_row(rows[0])
