"""The subscriber store on SQLite: one row per chat, its topics in a table of their own."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from digests.subscribers import NewChat, NewSubscriber, Subscriber
from storage.schema import StoreSchema, Upgrade
from storage.sqlite.database import Connection, SqliteDatabase, stamp
from storage.subscriber_rows import (
    AUDIENCE,
    SUBSCRIBER_COLUMNS,
    SubscriberStoreBase,
    new_chat_values,
    new_subscriber_values,
    saved_settings,
    subscriber_from_row,
    topic_rows,
)

SCHEMA = StoreSchema(
    "subscribers",
    (
        Upgrade(
            1,
            "subscribers (one per Telegram chat) and their topics",
            """
CREATE TABLE subscribers (
    id               INTEGER PRIMARY KEY,
    chat_id          INTEGER NOT NULL UNIQUE,   -- changes when a group migrates to a supergroup
    chat_type        TEXT NOT NULL DEFAULT 'private',
    -- 0 once Telegram says the chat is unreachable (bot blocked, user deactivated, bot kicked,
    -- chat not found); /start makes it 1 again.
    active           INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    inactive_reason  TEXT,
    all_topics       INTEGER NOT NULL DEFAULT 0 CHECK (all_topics IN (0, 1)),
    delivery_time    TEXT NOT NULL,             -- local wall-clock time "HH:MM"
    timezone         TEXT NOT NULL,             -- IANA name
    -- When the current subscription began (UTC). A digest whose local hour passed before that
    -- instant is not owed: a reader who subscribes at 10:00 for 07:00 starts tomorrow.
    subscribed_since TEXT,
    -- Highest article id covered by the last digest sent (or found empty); NULL before the first.
    digest_watermark INTEGER,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

CREATE TABLE subscriber_topics (
    subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    topic         TEXT NOT NULL,
    PRIMARY KEY (subscriber_id, topic)
) WITHOUT ROWID;
""",
        ),
    ),
)

_CHUNK = 10_000
"""SQLite limits bound parameters (32,766 here) and audiences can be larger."""


class SqliteSubscriberStore(SubscriberStoreBase[SqliteDatabase]):
    """``digests.stores.SubscriberStore`` on SQLite."""

    async def get(self, chat_id: int) -> Subscriber | None:
        found = await self._select("WHERE s.chat_id = ?", (chat_id,))
        return found[0] if found else None

    async def get_many(self, subscriber_ids: Iterable[int]) -> dict[int, Subscriber]:
        ids = list(subscriber_ids)
        found: list[Subscriber] = []
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            placeholders = ",".join("?" * len(chunk))
            found += await self._select(f"WHERE s.id IN ({placeholders})", tuple(chunk))
        return {subscriber.id: subscriber for subscriber in found}

    async def edit(
        self,
        chat_id: int,
        change: Callable[[Subscriber], Subscriber],
        *,
        now: datetime,
        create: NewChat | None = None,
    ) -> Subscriber | None:
        async with self._db.transaction() as tx:
            if create is not None:
                await self._insert(tx, chat_id, create, now)
            # Read through the transaction itself: the reader connection may still be inside an
            # older snapshot (another handler's open query).
            found = await self._select("WHERE s.chat_id = ?", (chat_id,), tx)
            if not found:
                return None
            current = found[0]
            updated = change(current)
            await self._save(tx, current, updated, now)
            saved = await self._select("WHERE s.chat_id = ?", (chat_id,), tx)
        return saved[0]

    async def _insert(self, tx: Connection, chat_id: int, new: NewChat, now: datetime) -> None:
        await tx.execute(
            "INSERT INTO subscribers (chat_id, chat_type, delivery_time, timezone, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id) DO NOTHING",
            (*new_chat_values(chat_id, new), stamp(now), stamp(now)),
        )

    async def _save(
        self, tx: Connection, current: Subscriber, updated: Subscriber, now: datetime
    ) -> None:
        if updated.topics != current.topics:
            await tx.execute("DELETE FROM subscriber_topics WHERE subscriber_id = ?", (current.id,))
            await tx.executemany(
                "INSERT INTO subscriber_topics (subscriber_id, topic) VALUES (?, ?)",
                topic_rows(current.id, updated.topics),
            )
        await tx.execute(
            "UPDATE subscribers SET all_topics = ?, subscribed_since = ?, delivery_time = ?, "
            "timezone = ?, updated_at = ? WHERE id = ?",
            (*saved_settings(updated), stamp(now), current.id),
        )

    async def move_chat(self, old_chat_id: int, new_chat_id: int, now: datetime) -> None:
        async with self._db.transaction() as tx:
            if await self._select("WHERE s.chat_id = ?", (new_chat_id,), tx):
                await tx.execute(
                    "UPDATE subscribers SET active = 0, inactive_reason = 'migrated', "
                    "updated_at = ? WHERE chat_id = ?",
                    (stamp(now), old_chat_id),
                )
            else:
                await tx.execute(
                    "UPDATE subscribers SET chat_id = ?, chat_type = 'supergroup', updated_at = ? "
                    "WHERE chat_id = ?",
                    (new_chat_id, stamp(now), old_chat_id),
                )

    async def subscribed(self) -> list[Subscriber]:
        return await self._select(f"WHERE {AUDIENCE}", ())

    async def add_many(self, subscribers: Sequence[NewSubscriber], now: datetime) -> int:
        added = 0
        async with self._db.transaction() as tx:
            for new in subscribers:
                rows = await self._db.rows(
                    "INSERT INTO subscribers (chat_id, chat_type, all_topics, delivery_time, "
                    "timezone, subscribed_since, digest_watermark, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id) DO NOTHING "
                    "RETURNING id",
                    (*new_subscriber_values(new), stamp(now), stamp(now)),
                    connection=tx,
                )
                if not rows:
                    continue
                added += 1
                await tx.executemany(
                    "INSERT INTO subscriber_topics (subscriber_id, topic) VALUES (?, ?)",
                    topic_rows(int(rows[0][0]), new.topics),
                )
        return added

    async def _select(
        self, where: str, params: tuple[object, ...], connection: Connection | None = None
    ) -> list[Subscriber]:
        sql = f"SELECT {SUBSCRIBER_COLUMNS} FROM subscribers s {where} ORDER BY s.id"  # noqa: S608
        rows = await self._db.rows(sql, params, connection=connection)
        if not rows:
            return []
        topics = await self._topics_of([int(row[0]) for row in rows], connection)
        return [subscriber_from_row(row, topics.get(int(row[0]), ())) for row in rows]

    async def _topics_of(
        self, subscriber_ids: list[int], connection: Connection | None
    ) -> dict[int, tuple[str, ...]]:
        found: dict[int, list[str]] = {}
        for start in range(0, len(subscriber_ids), _CHUNK):
            chunk = subscriber_ids[start : start + _CHUNK]
            placeholders = ",".join("?" * len(chunk))
            rows = await self._db.rows(
                f"SELECT subscriber_id, topic FROM subscriber_topics "  # noqa: S608
                f"WHERE subscriber_id IN ({placeholders}) ORDER BY subscriber_id, topic",
                chunk,
                connection=connection,
            )
            for row in rows:
                found.setdefault(int(row[0]), []).append(str(row[1]))
        return {key: tuple(value) for key, value in found.items()}
