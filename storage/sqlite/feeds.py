"""The feed store on SQLite: followed feeds, their polling state, the items seen, alerts.

An item is remembered under each of its identities (its GUID and its normalised link), so an
outlet whose CMS changes the GUID on every fetch, or drops it, is still recognised by the link.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from feeds.models import Feed, FeedAlert, SeenItem
from storage.feed_rows import (
    ALERT_COLUMNS,
    FEED_COLUMNS,
    FeedStoreBase,
    alerts_in_order,
    feeds_in_order,
    item_values,
    seen_item_from_row,
)
from storage.schema import StoreSchema, Upgrade
from storage.sqlite.database import Connection, SqliteDatabase, stamp

SCHEMA = StoreSchema(
    "feeds",
    (
        Upgrade(
            1,
            "followed feeds with their polling state, the items seen, and admin alerts",
            """
CREATE TABLE feeds (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    url              TEXT NOT NULL UNIQUE,
    title            TEXT,
    topic            TEXT,
    include_words    TEXT NOT NULL DEFAULT '[]',  -- JSON list
    exclude_words    TEXT NOT NULL DEFAULT '[]',  -- JSON list
    paused           INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    added_at         TEXT NOT NULL,
    added_by         TEXT NOT NULL,
    next_poll_at     TEXT NOT NULL,
    etag             TEXT,
    last_modified    TEXT,
    last_polled_at   TEXT,
    last_success_at  TEXT,
    last_error       TEXT,
    last_error_at    TEXT,
    failing_since    TEXT,
    errors_in_row    INTEGER NOT NULL DEFAULT 0 CHECK (errors_in_row >= 0),
    alerted          INTEGER NOT NULL DEFAULT 0 CHECK (alerted IN (0, 1)),
    items_seen       INTEGER NOT NULL DEFAULT 0,
    articles_added   INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX feeds_due ON feeds (paused, next_poll_at);

CREATE TABLE feed_items (
    feed_id      INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    key          TEXT NOT NULL,      -- "guid:…", "link:…" or "title:…" (feeds.identity)
    content_hash TEXT NOT NULL,
    article_id   INTEGER,            -- NULL: filtered out, or too old on the first poll
    first_seen   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (feed_id, key)
) WITHOUT ROWID;

CREATE TABLE feed_alerts (
    id         INTEGER PRIMARY KEY,
    feed_id    INTEGER REFERENCES feeds (id) ON DELETE SET NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('failing', 'recovered', 'gone')),
    feed_name  TEXT NOT NULL,
    detail     TEXT,
    created_at TEXT NOT NULL,
    sent_at    TEXT
);

CREATE INDEX feed_alerts_unsent ON feed_alerts (sent_at, id);
""",
        ),
    ),
)


class SqliteFeedStore(FeedStoreBase[SqliteDatabase]):
    """``feeds.stores.FeedStore`` on SQLite."""

    async def ever_followed(self) -> bool:
        rows = await self._db.rows(
            "SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'feeds'"
        )
        return bool(rows and rows[0][0])

    async def claim_due(self, now: datetime, *, lease: timedelta, limit: int) -> list[Feed]:
        async with self._db.transaction() as tx:
            rows = await self._db.rows(
                f"UPDATE feeds SET next_poll_at = ? WHERE id IN ("  # noqa: S608
                "SELECT id FROM feeds WHERE paused = 0 AND next_poll_at <= ? "
                f"ORDER BY next_poll_at, id LIMIT ?) RETURNING {FEED_COLUMNS}",
                (stamp(now + lease), stamp(now), limit),
                connection=tx,
            )
        return feeds_in_order(rows)

    async def _follow_redirect(self, tx: Connection, feed_id: int, url: str) -> None:
        # One writer at a time: no process can follow ``url`` between the check and the move.
        await tx.execute(
            "UPDATE feeds SET url = ? WHERE id = ? "
            "AND NOT EXISTS (SELECT 1 FROM feeds WHERE url = ? AND id != ?)",
            (url, feed_id, url, feed_id),
        )

    async def seen_items(self, feed_id: int, keys: Sequence[str]) -> dict[str, SeenItem]:
        found: dict[str, SeenItem] = {}
        for start in range(0, len(keys), 500):  # SQLite's limit on bound parameters
            chunk = keys[start : start + 500]
            placeholders = ",".join("?" * len(chunk))
            rows = await self._db.rows(
                "SELECT key, content_hash, article_id FROM feed_items "  # noqa: S608
                f"WHERE feed_id = ? AND key IN ({placeholders})",
                (feed_id, *chunk),
            )
            found.update((item.key, item) for item in map(seen_item_from_row, rows))
        return found

    async def remember_items(
        self, feed_id: int, items: Sequence[SeenItem], *, now: datetime
    ) -> None:
        if not items:
            return
        async with self._db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO feed_items (feed_id, key, content_hash, article_id, first_seen, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (feed_id, key) DO UPDATE SET "
                "content_hash = excluded.content_hash, "
                "article_id = coalesce(excluded.article_id, article_id), "
                "updated_at = excluded.updated_at",
                item_values(feed_id, items, now),
            )

    async def take_alerts(self, now: datetime) -> list[FeedAlert]:
        async with self._db.transaction() as tx:
            rows = await self._db.rows(
                "UPDATE feed_alerts SET sent_at = ? WHERE sent_at IS NULL "  # noqa: S608
                f"RETURNING {ALERT_COLUMNS}",
                (stamp(now),),
                connection=tx,
            )
        return alerts_in_order(rows)
