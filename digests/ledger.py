"""The delivery ledger: one row per (subscriber, edition). The caller owns the transaction.

A row is written *before* anything is sent (status ``pending``), advanced after every message
Telegram confirms (``parts_sent``), and closed as ``sent``, ``empty`` or ``failed``. The unique
key (subscriber, kind, edition) is what makes a second digest on the same local day impossible,
whatever the scheduler, a restart or a changed delivery hour do.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

import aiosqlite

from content.storage import Database


class Kind(StrEnum):
    DIGEST = "digest"
    BROADCAST = "broadcast"


class Status(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    EMPTY = "empty"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    subscriber_id: int
    chat_id: int
    kind: Kind
    edition: str
    article_ids: tuple[int, ...]
    watermark: int | None
    parts_sent: int
    attempts: int


@dataclass(frozen=True, slots=True)
class NewDelivery:
    subscriber_id: int
    kind: Kind
    edition: str
    status: Status
    article_ids: tuple[int, ...] = ()
    watermark: int | None = None


@dataclass(frozen=True, slots=True)
class DayFigures:
    digests_sent: int
    digests_empty: int
    pending: int
    failed: int


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


async def recorded_digests(
    connection: aiosqlite.Connection, local_dates: Sequence[date]
) -> set[tuple[int, date]]:
    """(subscriber, local date) pairs that already have a digest row, in any state."""
    placeholders = ",".join("?" * len(local_dates))
    async with connection.execute(
        f"SELECT subscriber_id, edition FROM deliveries "  # noqa: S608
        f"WHERE kind = 'digest' AND edition IN ({placeholders})",
        [day.isoformat() for day in local_dates],
    ) as cursor:
        return {(int(row[0]), date.fromisoformat(row[1])) async for row in cursor}


async def has_digest(connection: aiosqlite.Connection, subscriber_id: int, day: date) -> bool:
    async with connection.execute(
        "SELECT 1 FROM deliveries WHERE subscriber_id = ? AND kind = 'digest' AND edition = ?",
        (subscriber_id, day.isoformat()),
    ) as cursor:
        return await cursor.fetchone() is not None


async def insert(
    connection: aiosqlite.Connection, deliveries: Iterable[NewDelivery], now: datetime
) -> None:
    """Record new deliveries; a row that already exists is left untouched (never duplicated)."""
    await connection.executemany(
        "INSERT INTO deliveries (subscriber_id, kind, edition, status, article_ids, watermark, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (subscriber_id, kind, edition) DO NOTHING",
        [
            (
                d.subscriber_id,
                d.kind.value,
                d.edition,
                d.status.value,
                json.dumps(list(d.article_ids)),
                d.watermark,
                _stamp(now),
                _stamp(now),
            )
            for d in deliveries
        ],
    )


async def pending(connection: aiosqlite.Connection) -> list[Delivery]:
    """Deliveries not yet confirmed, oldest first, with the chat they go to now."""
    async with connection.execute(
        "SELECT d.id, d.subscriber_id, s.chat_id, d.kind, d.edition, d.article_ids, d.watermark, "
        "d.parts_sent, d.attempts FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id "
        "WHERE d.status = 'pending' ORDER BY d.id"
    ) as cursor:
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
            async for row in cursor
        ]


async def confirm_part(
    database: Database, delivery_id: int, parts_sent: int, now: datetime
) -> None:
    """Telegram confirmed message number ``parts_sent`` (1-based) of a multi-part delivery.

    Committed on its own at once: the ledger must never lag behind what the reader received.
    """
    await database.write(
        "UPDATE deliveries SET parts_sent = ?, updated_at = ? WHERE id = ? AND status = 'pending'",
        (parts_sent, _stamp(now), delivery_id),
    )


async def close(
    database: Database,
    delivery_id: int,
    status: Status,
    now: datetime,
    parts_sent: int | None = None,
    error: str | None = None,
) -> None:
    """Close a pending delivery as sent or failed, committed at once (see confirm_part)."""
    await database.write(
        "UPDATE deliveries SET status = ?, parts_sent = coalesce(?, parts_sent), last_error = ?, "
        "updated_at = ?, sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END "
        "WHERE id = ? AND status = 'pending'",
        (status.value, parts_sent, error, _stamp(now), status.value, _stamp(now), delivery_id),
    )


async def note_attempt(database: Database, delivery_id: int, error: str, now: datetime) -> None:
    """A try failed in a way worth retrying later: count it, keep it pending."""
    await database.write(
        "UPDATE deliveries SET attempts = attempts + 1, last_error = ?, updated_at = ? "
        "WHERE id = ?",
        (error, _stamp(now), delivery_id),
    )


async def day_figures(connection: aiosqlite.Connection, day: date) -> DayFigures:
    """Digest figures for one UTC day (for the admins' /stats)."""
    prefix = f"{day.isoformat()}%"
    async with connection.execute(
        "SELECT "
        "coalesce(sum(kind = 'digest' AND status = 'sent' AND sent_at LIKE ?), 0), "
        "coalesce(sum(kind = 'digest' AND status = 'empty' AND updated_at LIKE ?), 0), "
        "coalesce(sum(status = 'pending'), 0), "
        "coalesce(sum(status = 'failed' AND updated_at LIKE ?), 0) "
        "FROM deliveries",
        (prefix, prefix, prefix),
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return DayFigures(*(int(value) for value in row))


async def edition_figures(
    connection: aiosqlite.Connection, kind: Kind, edition: str
) -> dict[Status, int]:
    """How the deliveries of one edition (a broadcast, a day's digests) stand."""
    async with connection.execute(
        "SELECT status, count(*) FROM deliveries WHERE kind = ? AND edition = ? GROUP BY status",
        (kind.value, edition),
    ) as cursor:
        found = {Status(row[0]): int(row[1]) async for row in cursor}
    return {status: found.get(status, 0) for status in Status}


async def create_broadcast(
    connection: aiosqlite.Connection, html: str, created_by: str, now: datetime
) -> int:
    cursor = await connection.execute(
        "INSERT INTO broadcasts (html, created_by, created_at) VALUES (?, ?, ?) RETURNING id",
        (html, created_by, _stamp(now)),
    )
    row = await cursor.fetchone()
    await cursor.close()
    assert row is not None
    return int(row[0])


async def broadcast_html(connection: aiosqlite.Connection, broadcast_id: int) -> str | None:
    async with connection.execute(
        "SELECT html FROM broadcasts WHERE id = ?", (broadcast_id,)
    ) as cursor:
        row = await cursor.fetchone()
    return str(row[0]) if row else None
