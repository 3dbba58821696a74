"""The feed store on SQLite: followed feeds, their polling state, the items seen, alerts.

An item is remembered under each of its identities (its GUID and its normalised link), so an
outlet whose CMS changes the GUID on every fetch, or drops it, is still recognised by the link.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta

from feeds.models import Feed, FeedAlert, FeedState, NewFeed, SeenItem
from storage.schema import StoreSchema, Upgrade
from storage.sqlite.database import Row, SqliteDatabase, stamp

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

_FEED_COLUMNS = (
    "id, url, title, topic, include_words, exclude_words, paused, added_at, added_by, "
    "next_poll_at, etag, last_modified, last_polled_at, last_success_at, last_error, "
    "last_error_at, failing_since, errors_in_row, alerted, items_seen, articles_added"
)


class SqliteFeedStore:
    """``feeds.stores.FeedStore`` on SQLite."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def add(self, new: NewFeed, *, now: datetime) -> tuple[Feed, bool]:
        async with self._db.transaction() as tx:
            rows = await self._db.rows(
                "INSERT INTO feeds (url, title, topic, include_words, exclude_words, added_at, "
                "added_by, next_poll_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (url) DO NOTHING RETURNING id",
                (
                    new.url,
                    new.title,
                    new.topic,
                    json.dumps(list(new.include), ensure_ascii=False),
                    json.dumps(list(new.exclude), ensure_ascii=False),
                    stamp(now),
                    new.added_by,
                    stamp(now),
                ),
                connection=tx,
            )
            created = bool(rows)
            found = await self._db.rows(
                f"SELECT {_FEED_COLUMNS} FROM feeds WHERE url = ?",  # noqa: S608
                (new.url,),
                connection=tx,
            )
        return _feed(found[0]), created

    async def get(self, feed_id: int) -> Feed | None:
        rows = await self._db.rows(
            f"SELECT {_FEED_COLUMNS} FROM feeds WHERE id = ?",  # noqa: S608
            (feed_id,),
        )
        return _feed(rows[0]) if rows else None

    async def all(self) -> list[Feed]:
        rows = await self._db.rows(f"SELECT {_FEED_COLUMNS} FROM feeds ORDER BY id")  # noqa: S608
        return [_feed(row) for row in rows]

    async def count(self) -> int:
        rows = await self._db.rows("SELECT count(*) FROM feeds")
        return int(rows[0][0])

    async def ever_followed(self) -> bool:
        rows = await self._db.rows(
            "SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'feeds'"
        )
        return bool(rows and rows[0][0])

    async def remove(self, feed_id: int) -> Feed | None:
        async with self._db.transaction() as tx:
            rows = await self._db.rows(
                f"DELETE FROM feeds WHERE id = ? RETURNING {_FEED_COLUMNS}",  # noqa: S608
                (feed_id,),
                connection=tx,
            )
        return _feed(rows[0]) if rows else None

    async def set_paused(self, feed_id: int, *, paused: bool, now: datetime) -> Feed | None:
        async with self._db.transaction() as tx:
            rows = await self._db.rows(
                "UPDATE feeds SET paused = ?, "  # noqa: S608
                "next_poll_at = CASE WHEN ? THEN next_poll_at ELSE ? END "
                f"WHERE id = ? RETURNING {_FEED_COLUMNS}",
                (int(paused), int(paused), stamp(now), feed_id),
                connection=tx,
            )
        return _feed(rows[0]) if rows else None

    async def claim_due(self, now: datetime, *, lease: timedelta, limit: int) -> list[Feed]:
        async with self._db.transaction() as tx:
            rows = await self._db.rows(
                f"UPDATE feeds SET next_poll_at = ? WHERE id IN ("  # noqa: S608
                "SELECT id FROM feeds WHERE paused = 0 AND next_poll_at <= ? "
                f"ORDER BY next_poll_at, id LIMIT ?) RETURNING {_FEED_COLUMNS}",
                (stamp(now + lease), stamp(now), limit),
                connection=tx,
            )
        return sorted((_feed(row) for row in rows), key=lambda feed: feed.id)

    async def save_poll(
        self,
        feed_id: int,
        *,
        state: FeedState,
        next_poll_at: datetime,
        now: datetime,
        url: str | None = None,
        title: str | None = None,
        paused: bool | None = None,
        alert: tuple[str, str | None] | None = None,
    ) -> Feed | None:
        async with self._db.transaction() as tx:
            if url is not None:  # a permanent redirect; another feed may follow that URL already
                taken = await self._db.rows(
                    "SELECT 1 FROM feeds WHERE url = ? AND id != ?", (url, feed_id), connection=tx
                )
                url = None if taken else url
            rows = await self._db.rows(
                "UPDATE feeds SET next_poll_at = ?, etag = ?, last_modified = ?, "  # noqa: S608
                "last_polled_at = ?, last_success_at = ?, last_error = ?, last_error_at = ?, "
                "failing_since = ?, errors_in_row = ?, alerted = ?, items_seen = ?, "
                "articles_added = ?, url = coalesce(?, url), title = coalesce(title, ?), "
                "paused = coalesce(?, paused) "
                f"WHERE id = ? RETURNING {_FEED_COLUMNS}",
                (
                    stamp(next_poll_at),
                    state.etag,
                    state.last_modified,
                    _stamp(state.last_polled_at),
                    _stamp(state.last_success_at),
                    state.last_error,
                    _stamp(state.last_error_at),
                    _stamp(state.failing_since),
                    state.errors_in_row,
                    int(state.alerted),
                    state.items_seen,
                    state.articles_added,
                    url,
                    title,
                    None if paused is None else int(paused),
                    feed_id,
                ),
                connection=tx,
            )
            if not rows:
                return None
            feed = _feed(rows[0])
            if alert is not None:
                await tx.execute(
                    "INSERT INTO feed_alerts (feed_id, kind, feed_name, detail, created_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (feed_id, alert[0], feed.name, alert[1], stamp(now)),
                )
        return feed

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
            for row in rows:
                article = None if row[2] is None else int(row[2])
                found[str(row[0])] = SeenItem(str(row[0]), str(row[1]), article)
        return found

    async def remember_items(
        self, feed_id: int, items: Sequence[SeenItem], *, now: datetime
    ) -> None:
        if not items:
            return
        moment = stamp(now)
        async with self._db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO feed_items (feed_id, key, content_hash, article_id, first_seen, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (feed_id, key) DO UPDATE SET "
                "content_hash = excluded.content_hash, "
                "article_id = coalesce(excluded.article_id, article_id), "
                "updated_at = excluded.updated_at",
                [
                    (feed_id, item.key, item.content_hash, item.article_id, moment, moment)
                    for item in items
                ],
            )

    async def take_alerts(self, now: datetime) -> list[FeedAlert]:
        async with self._db.transaction() as tx:
            rows = await self._db.rows(
                "UPDATE feed_alerts SET sent_at = ? WHERE sent_at IS NULL "
                "RETURNING id, feed_id, kind, feed_name, detail, created_at",
                (stamp(now),),
                connection=tx,
            )
        alerts = [
            FeedAlert(
                id=int(row[0]),
                feed_id=int(row[1]) if row[1] is not None else 0,
                kind=str(row[2]),
                feed_name=str(row[3]),
                detail=row[4],
                created_at=datetime.fromisoformat(row[5]),
            )
            for row in rows
        ]
        return sorted(alerts, key=lambda alert: alert.id)


def _stamp(moment: datetime | None) -> str | None:
    return stamp(moment) if moment is not None else None


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _feed(row: Row) -> Feed:
    return Feed(
        id=int(row["id"]),
        url=row["url"],
        title=row["title"],
        topic=row["topic"],
        include=tuple(json.loads(row["include_words"])),
        exclude=tuple(json.loads(row["exclude_words"])),
        paused=bool(row["paused"]),
        added_at=datetime.fromisoformat(row["added_at"]),
        added_by=row["added_by"],
        next_poll_at=datetime.fromisoformat(row["next_poll_at"]),
        state=FeedState(
            etag=row["etag"],
            last_modified=row["last_modified"],
            last_polled_at=_moment(row["last_polled_at"]),
            last_success_at=_moment(row["last_success_at"]),
            last_error=row["last_error"],
            last_error_at=_moment(row["last_error_at"]),
            failing_since=_moment(row["failing_since"]),
            errors_in_row=int(row["errors_in_row"]),
            alerted=bool(row["alerted"]),
            items_seen=int(row["items_seen"]),
            articles_added=int(row["articles_added"]),
        ),
    )
