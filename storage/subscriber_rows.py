"""Subscribers as every backend stores them: the columns, the audience, and row → record.

The PostgreSQL schema mirrors SQLite's column for column and both write values alike
(``storage.records``), so one reading of a row serves both subscriber stores, and
``SubscriberStoreBase`` holds the store methods whose SQL both dialects read alike (written with
``?``: ``storage.database``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time
from typing import Generic

from digests.subscribers import NewChat, NewSubscriber, Subscriber, SubscriberCounts
from storage.database import DatabaseT, Row
from storage.records import stamp

SUBSCRIBER_COLUMNS = (
    "s.id, s.chat_id, s.chat_type, s.active, s.inactive_reason, s.all_topics, s.delivery_time, "
    "s.timezone, s.subscribed_since, s.digest_watermark"
)
"""What ``subscriber_from_row`` reads, from ``subscribers s``."""
AUDIENCE = (
    "s.active = 1 AND (s.all_topics = 1 OR EXISTS "
    "(SELECT 1 FROM subscriber_topics t WHERE t.subscriber_id = s.id))"
)
"""Reachable subscribers with at least one topic; the delivery stores queue broadcasts for them."""


def clock_text(moment: time) -> str:
    """How a delivery time is stored: the local wall-clock time "HH:MM"."""
    return moment.strftime("%H:%M")


def stamp_or_none(moment: datetime | None) -> str | None:
    return stamp(moment) if moment else None


def new_chat_values(chat_id: int, new: NewChat) -> tuple[int, str, str, str]:
    """A chat's first row, in this order: chat_id, chat_type, delivery_time, timezone."""
    return (chat_id, new.chat_type, clock_text(new.delivery_time), new.timezone)


def saved_settings(subscriber: Subscriber) -> tuple[int, str | None, str, str]:
    """What an edit writes back, in this order: all_topics, subscribed_since, delivery_time,
    timezone (topics live in their own table)."""
    return (
        int(subscriber.all_topics),
        stamp_or_none(subscriber.subscribed_since),
        clock_text(subscriber.delivery_time),
        subscriber.timezone,
    )


def new_subscriber_values(
    new: NewSubscriber,
) -> tuple[int, str, int, str, str, str | None, int | None]:
    """A bulk-added chat's columns, in this order: chat_id, chat_type, all_topics,
    delivery_time, timezone, subscribed_since, digest_watermark."""
    return (
        new.chat_id,
        new.chat_type,
        int(new.all_topics),
        clock_text(new.delivery_time),
        new.timezone,
        stamp_or_none(new.subscribed_since),
        new.digest_watermark,
    )


def topic_rows(subscriber_id: int, topics: Iterable[str]) -> list[tuple[int, str]]:
    """The ``subscriber_topics`` rows of a subscriber following ``topics`` (each once)."""
    return [(subscriber_id, topic) for topic in sorted(set(topics))]


def subscriber_from_row(row: Row, topics: Iterable[str]) -> Subscriber:
    """A row of ``SUBSCRIBER_COLUMNS`` and its topics (sorted here, by code point, whatever
    order or collation the database used)."""
    hours, minutes = str(row["delivery_time"]).split(":")
    since = row["subscribed_since"]
    return Subscriber(
        id=int(row["id"]),
        chat_id=int(row["chat_id"]),
        chat_type=str(row["chat_type"]),
        active=bool(row["active"]),
        inactive_reason=row["inactive_reason"],
        all_topics=bool(row["all_topics"]),
        topics=tuple(sorted(topics)),
        delivery_time=time(int(hours), int(minutes)),
        timezone=str(row["timezone"]),
        subscribed_since=datetime.fromisoformat(since) if since else None,
        digest_watermark=row["digest_watermark"],
    )


class SubscriberStoreBase(Generic[DatabaseT]):
    """The ``digests.stores.SubscriberStore`` methods whose SQL both backends share; each
    backend's store adds its reads (topics come with the row on PostgreSQL) and its edits
    (which lock the chat's row there)."""

    def __init__(self, database: DatabaseT) -> None:
        self._db = database

    async def set_reachable(
        self, chat_id: int, *, reachable: bool, reason: str | None, now: datetime
    ) -> bool:
        changed = await self._db.write(
            "UPDATE subscribers SET active = ?, inactive_reason = ?, updated_at = ? "
            "WHERE chat_id = ?",
            (int(reachable), None if reachable else reason, stamp(now), chat_id),
        )
        return changed > 0

    async def counts(self) -> SubscriberCounts:
        rows = await self._db.rows(
            "SELECT coalesce(sum(s.active), 0), coalesce(sum(1 - s.active), 0), "
            "(SELECT count(*) FROM subscribers) FROM subscribers s "
            "WHERE s.all_topics = 1 OR EXISTS "
            "(SELECT 1 FROM subscriber_topics t WHERE t.subscriber_id = s.id)"
        )
        active, inactive, known = (int(value) for value in (rows[0][0], rows[0][1], rows[0][2]))
        return SubscriberCounts(active=active, inactive=inactive, known_chats=known)
