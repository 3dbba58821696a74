"""The subscriber store: SQL in, dataclasses out. The caller owns the transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time

import aiosqlite

from digests.schedule import DeliverySchedule

_COLUMNS = (
    "s.id, s.chat_id, s.chat_type, s.active, s.inactive_reason, s.all_topics, s.delivery_time, "
    "s.timezone, s.subscribed_since, s.digest_watermark"
)


@dataclass(frozen=True, slots=True)
class Subscriber:
    """A Telegram chat (private or group) and its digest settings."""

    id: int
    chat_id: int
    chat_type: str
    active: bool
    inactive_reason: str | None
    all_topics: bool
    topics: tuple[str, ...]
    delivery_time: time
    timezone: str
    subscribed_since: datetime | None
    digest_watermark: int | None

    @property
    def subscribed(self) -> bool:
        return self.all_topics or bool(self.topics)

    def topic_keys(self, catalog_keys: Iterable[str]) -> tuple[str, ...]:
        """The subscribed topics in catalog order (all of them for an all-topics subscriber)."""
        chosen = set(self.topics)
        return tuple(key for key in catalog_keys if self.all_topics or key in chosen)

    @property
    def schedule(self) -> DeliverySchedule:
        return DeliverySchedule(self.id, self.delivery_time, self.timezone, self.subscribed_since)


@dataclass(frozen=True, slots=True)
class SubscriberCounts:
    active: int
    inactive: int
    known_chats: int


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


async def get_by_chat(connection: aiosqlite.Connection, chat_id: int) -> Subscriber | None:
    found = await _select(connection, "WHERE s.chat_id = ?", (chat_id,))
    return found[0] if found else None


async def get_many(
    connection: aiosqlite.Connection, subscriber_ids: Iterable[int]
) -> dict[int, Subscriber]:
    ids = list(subscriber_ids)
    if not ids:
        return {}
    placeholders = ",".join("?" * len(ids))
    found = await _select(connection, f"WHERE s.id IN ({placeholders})", tuple(ids))
    return {subscriber.id: subscriber for subscriber in found}


async def ensure(
    connection: aiosqlite.Connection,
    chat_id: int,
    *,
    chat_type: str,
    delivery_time: time,
    timezone: str,
    now: datetime,
) -> Subscriber:
    """Return the chat's subscriber row, creating it with the default settings if needed."""
    await connection.execute(
        "INSERT INTO subscribers (chat_id, chat_type, delivery_time, timezone, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id) DO NOTHING",
        (chat_id, chat_type, delivery_time.strftime("%H:%M"), timezone, _stamp(now), _stamp(now)),
    )
    subscriber = await get_by_chat(connection, chat_id)
    assert subscriber is not None  # inserted or already there, in this transaction
    return subscriber


async def set_topics(
    connection: aiosqlite.Connection,
    subscriber: Subscriber,
    topics: Iterable[str],
    *,
    all_topics: bool,
    now: datetime,
) -> None:
    """Replace the subscriber's topics. Starting a subscription stamps ``subscribed_since``."""
    chosen = sorted(set(topics))
    await connection.execute(
        "DELETE FROM subscriber_topics WHERE subscriber_id = ?", (subscriber.id,)
    )
    await connection.executemany(
        "INSERT INTO subscriber_topics (subscriber_id, topic) VALUES (?, ?)",
        [(subscriber.id, topic) for topic in chosen],
    )
    starting = not subscriber.subscribed and (all_topics or bool(chosen))
    since = _stamp(now) if starting else _stamp_or_none(subscriber.subscribed_since)
    await connection.execute(
        "UPDATE subscribers SET all_topics = ?, subscribed_since = ?, updated_at = ? WHERE id = ?",
        (int(all_topics), since, _stamp(now), subscriber.id),
    )


async def set_delivery_time(
    connection: aiosqlite.Connection, subscriber_id: int, delivery_time: time, now: datetime
) -> None:
    await connection.execute(
        "UPDATE subscribers SET delivery_time = ?, updated_at = ? WHERE id = ?",
        (delivery_time.strftime("%H:%M"), _stamp(now), subscriber_id),
    )


async def set_timezone(
    connection: aiosqlite.Connection, subscriber_id: int, timezone: str, now: datetime
) -> None:
    await connection.execute(
        "UPDATE subscribers SET timezone = ?, updated_at = ? WHERE id = ?",
        (timezone, _stamp(now), subscriber_id),
    )


async def set_reachable(
    connection: aiosqlite.Connection,
    chat_id: int,
    *,
    reachable: bool,
    reason: str | None,
    now: datetime,
) -> bool:
    """Mark a chat reachable again (/start) or unreachable (blocked, kicked); tell if it exists."""
    cursor = await connection.execute(
        "UPDATE subscribers SET active = ?, inactive_reason = ?, updated_at = ? WHERE chat_id = ?",
        (int(reachable), None if reachable else reason, _stamp(now), chat_id),
    )
    changed = cursor.rowcount > 0
    await cursor.close()
    return changed


async def move_chat(
    connection: aiosqlite.Connection, old_chat_id: int, new_chat_id: int, now: datetime
) -> None:
    """Follow a group that became a supergroup; a row already at the new id is kept instead."""
    existing = await get_by_chat(connection, new_chat_id)
    if existing is None:
        await connection.execute(
            "UPDATE subscribers SET chat_id = ?, chat_type = 'supergroup', updated_at = ? "
            "WHERE chat_id = ?",
            (new_chat_id, _stamp(now), old_chat_id),
        )
    else:
        await set_reachable(connection, old_chat_id, reachable=False, reason="migrated", now=now)


async def set_watermark(
    connection: aiosqlite.Connection, subscriber_id: int, watermark: int
) -> None:
    """Remember the newest article a digest covered; never move backwards."""
    await connection.execute(
        "UPDATE subscribers SET digest_watermark = max(coalesce(digest_watermark, 0), ?) "
        "WHERE id = ?",
        (watermark, subscriber_id),
    )


async def subscribed(connection: aiosqlite.Connection) -> list[Subscriber]:
    """Every reachable subscriber with at least one topic: the digest's audience."""
    return await _select(
        connection,
        "WHERE s.active = 1 AND (s.all_topics = 1 OR EXISTS "
        "(SELECT 1 FROM subscriber_topics t WHERE t.subscriber_id = s.id))",
        (),
    )


async def counts(connection: aiosqlite.Connection) -> SubscriberCounts:
    """Subscribers with topics, split by reachability, plus every chat the bot knows."""
    async with connection.execute(
        "SELECT coalesce(sum(active), 0), coalesce(sum(1 - active), 0) FROM subscribers s "
        "WHERE s.all_topics = 1 OR EXISTS "
        "(SELECT 1 FROM subscriber_topics t WHERE t.subscriber_id = s.id)"
    ) as cursor:
        row = await cursor.fetchone()
    async with connection.execute("SELECT count(*) FROM subscribers") as cursor:
        known = await cursor.fetchone()
    assert row is not None and known is not None
    return SubscriberCounts(active=int(row[0]), inactive=int(row[1]), known_chats=int(known[0]))


def _stamp_or_none(moment: datetime | None) -> str | None:
    return _stamp(moment) if moment else None


async def _select(
    connection: aiosqlite.Connection, where: str, params: tuple[object, ...]
) -> list[Subscriber]:
    sql = f"SELECT {_COLUMNS} FROM subscribers s {where} ORDER BY s.id"  # noqa: S608
    async with connection.execute(sql, params) as cursor:
        rows = list(await cursor.fetchall())
    if not rows:
        return []
    topics = await _topics_of(connection, [int(row[0]) for row in rows])
    return [_subscriber(row, topics.get(int(row[0]), ())) for row in rows]


async def _topics_of(
    connection: aiosqlite.Connection, subscriber_ids: list[int]
) -> dict[int, tuple[str, ...]]:
    found: dict[int, list[str]] = {}
    # Chunked: SQLite limits bound parameters (32,766 here) and audiences can be larger.
    for start in range(0, len(subscriber_ids), 10_000):
        chunk = subscriber_ids[start : start + 10_000]
        placeholders = ",".join("?" * len(chunk))
        async with connection.execute(
            f"SELECT subscriber_id, topic FROM subscriber_topics "  # noqa: S608
            f"WHERE subscriber_id IN ({placeholders})",
            chunk,
        ) as cursor:
            async for row in cursor:
                found.setdefault(int(row[0]), []).append(str(row[1]))
    return {key: tuple(value) for key, value in found.items()}


def _subscriber(row: aiosqlite.Row, topics: tuple[str, ...]) -> Subscriber:
    hours, minutes = str(row["delivery_time"]).split(":")
    since = row["subscribed_since"]
    return Subscriber(
        id=int(row["id"]),
        chat_id=int(row["chat_id"]),
        chat_type=str(row["chat_type"]),
        active=bool(row["active"]),
        inactive_reason=row["inactive_reason"],
        all_topics=bool(row["all_topics"]),
        topics=topics,
        delivery_time=time(int(hours), int(minutes)),
        timezone=str(row["timezone"]),
        subscribed_since=datetime.fromisoformat(since) if since else None,
        digest_watermark=row["digest_watermark"],
    )
