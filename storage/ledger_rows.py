"""The delivery ledger as every backend stores it: columns, values, and row → record.

Both delivery stores keep the same tables and columns and write values alike
(``storage.records``): one reading of a row serves both. The SQL here has no placeholder (the one
thing the two dialects spell differently), so it reads the same on both.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from digests.ledger import Backlog, DayFigures, Delivery, Kind, NewDelivery, Status
from storage.records import stamp
from storage.subscriber_rows import Row, RowReader

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


async def read_pending(database: RowReader) -> list[Delivery]:
    """``DeliveryStore.pending`` in the SQL both dialects share."""
    rows = await database.rows(
        f"SELECT {DELIVERY_COLUMNS} FROM {DELIVERY_SOURCE} "  # noqa: S608
        "WHERE d.status = 'pending' ORDER BY d.id"
    )
    return [delivery_from_row(row) for row in rows]
