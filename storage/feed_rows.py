"""The feed store's rows, read and written alike on every backend.

Both feed stores (``storage.sqlite.feeds``, ``storage.postgres.feeds``) have the same tables and
columns and write values the same way (``storage.records``), so they share the conversions
between records and rows, the column lists, and in ``FeedStoreBase`` the store methods whose
SQL both dialects read alike (written with ``?``: ``storage.database``). What differs between
them is how replicas share the work: claims, alerts, redirects, and the items' batches.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Generic

from feeds.models import Feed, FeedAlert, FeedState, NewFeed, SeenItem
from storage.database import DatabaseT, Row
from storage.records import stamp

FEED_COLUMNS = (
    "id, url, title, topic, include_words, exclude_words, paused, added_at, added_by, "
    "next_poll_at, etag, last_modified, last_polled_at, last_success_at, last_error, "
    "last_error_at, failing_since, errors_in_row, alerted, items_seen, articles_added"
)
"""What ``feed_from_row`` reads."""

ALERT_COLUMNS = "id, feed_id, kind, feed_name, detail, created_at"
"""What ``alert_from_row`` reads."""


def new_feed_values(new: NewFeed, now: datetime) -> tuple[object, ...]:
    """Values for ``(url, title, topic, include_words, exclude_words, added_at, added_by,
    next_poll_at)``: a new feed's first poll is due at once."""
    return (
        new.url,
        new.title,
        new.topic,
        json.dumps(list(new.include), ensure_ascii=False),
        json.dumps(list(new.exclude), ensure_ascii=False),
        stamp(now),
        new.added_by,
        stamp(now),
    )


def poll_values(state: FeedState, next_poll_at: datetime) -> tuple[object, ...]:
    """Values for ``(next_poll_at, etag, last_modified, last_polled_at, last_success_at,
    last_error, last_error_at, failing_since, errors_in_row, alerted, items_seen,
    articles_added)``: what a poll leaves."""
    return (
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
    )


def item_values(feed_id: int, items: Sequence[SeenItem], now: datetime) -> list[tuple[object, ...]]:
    """Values for ``(feed_id, key, content_hash, article_id, first_seen, updated_at)``, one
    tuple per item seen ``now``."""
    moment = stamp(now)
    return [
        (feed_id, item.key, item.content_hash, item.article_id, moment, moment) for item in items
    ]


def feed_from_row(row: Row) -> Feed:
    """A feed read with ``FEED_COLUMNS``."""
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


def alert_from_row(row: Row) -> FeedAlert:
    """An alert read with ``ALERT_COLUMNS``; a removed feed's alert has feed id 0 (the name it
    had is kept with the alert)."""
    return FeedAlert(
        id=int(row["id"]),
        feed_id=int(row["feed_id"]) if row["feed_id"] is not None else 0,
        kind=str(row["kind"]),
        feed_name=str(row["feed_name"]),
        detail=row["detail"],
        created_at=datetime.fromisoformat(row["created_at"]),
    )


def seen_item_from_row(row: Row) -> SeenItem:
    """An item read as ``key, content_hash, article_id``."""
    article = row["article_id"]
    return SeenItem(
        str(row["key"]), str(row["content_hash"]), None if article is None else int(article)
    )


def alerts_in_order(rows: Iterable[Row]) -> list[FeedAlert]:
    """Alerts in the order they were raised (``RETURNING`` promises no order)."""
    return sorted((alert_from_row(row) for row in rows), key=lambda alert: alert.id)


def feeds_in_order(rows: Iterable[Row]) -> list[Feed]:
    """Feeds in the order they were added (``RETURNING`` promises no order)."""
    return sorted((feed_from_row(row) for row in rows), key=lambda feed: feed.id)


class FeedStoreBase(ABC, Generic[DatabaseT]):
    """The ``feeds.stores.FeedStore`` methods whose SQL both backends share; each backend's
    store adds claims, alerts, items, and how a poll follows a redirect."""

    def __init__(self, database: DatabaseT) -> None:
        self._db = database

    async def add(self, new: NewFeed, *, now: datetime) -> tuple[Feed, bool]:
        async with self._db.transaction() as tx:
            rows = await self._db.rows(
                "INSERT INTO feeds (url, title, topic, include_words, exclude_words, "  # noqa: S608
                "added_at, added_by, next_poll_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                f"ON CONFLICT (url) DO NOTHING RETURNING {FEED_COLUMNS}",
                new_feed_values(new, now),
                connection=tx,
            )
            if rows:
                return feed_from_row(rows[0]), True
            # Followed already (perhaps by another process a moment ago: on PostgreSQL this
            # statement, reading a new snapshot, sees its commit).
            rows = await self._db.rows(
                f"SELECT {FEED_COLUMNS} FROM feeds WHERE url = ?",  # noqa: S608
                (new.url,),
                connection=tx,
            )
        return feed_from_row(rows[0]), False

    async def get(self, feed_id: int) -> Feed | None:
        rows = await self._db.rows(
            f"SELECT {FEED_COLUMNS} FROM feeds WHERE id = ?",  # noqa: S608
            (feed_id,),
        )
        return feed_from_row(rows[0]) if rows else None

    async def all(self) -> list[Feed]:
        rows = await self._db.rows(f"SELECT {FEED_COLUMNS} FROM feeds ORDER BY id")  # noqa: S608
        return [feed_from_row(row) for row in rows]

    async def count(self) -> int:
        rows = await self._db.rows("SELECT count(*) FROM feeds")
        return int(rows[0][0])

    async def remove(self, feed_id: int) -> Feed | None:
        # In a transaction: on SQLite only the writer's connection may write.
        async with self._db.transaction() as tx:
            rows = await self._db.rows(
                f"DELETE FROM feeds WHERE id = ? RETURNING {FEED_COLUMNS}",  # noqa: S608
                (feed_id,),
                connection=tx,
            )
        return feed_from_row(rows[0]) if rows else None

    async def set_paused(self, feed_id: int, *, paused: bool, now: datetime) -> Feed | None:
        async with self._db.transaction() as tx:
            rows = await self._db.rows(
                "UPDATE feeds SET paused = ?, "  # noqa: S608
                "next_poll_at = CASE WHEN ? = 1 THEN next_poll_at ELSE ? END "
                f"WHERE id = ? RETURNING {FEED_COLUMNS}",
                (int(paused), int(paused), stamp(now), feed_id),
                connection=tx,
            )
        return feed_from_row(rows[0]) if rows else None

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
            if url is not None:  # a permanent redirect
                await self._follow_redirect(tx, feed_id, url)
            rows = await self._db.rows(
                "UPDATE feeds SET next_poll_at = ?, etag = ?, last_modified = ?, "  # noqa: S608
                "last_polled_at = ?, last_success_at = ?, last_error = ?, last_error_at = ?, "
                "failing_since = ?, errors_in_row = ?, alerted = ?, items_seen = ?, "
                "articles_added = ?, title = coalesce(title, ?), paused = coalesce(?, paused) "
                f"WHERE id = ? RETURNING {FEED_COLUMNS}",
                (
                    *poll_values(state, next_poll_at),
                    title,
                    None if paused is None else int(paused),
                    feed_id,
                ),
                connection=tx,
            )
            if not rows:
                return None
            feed = feed_from_row(rows[0])
            if alert is not None:
                await self._db.rows(
                    "INSERT INTO feed_alerts (feed_id, kind, feed_name, detail, created_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (feed_id, alert[0], feed.name, alert[1], stamp(now)),
                    connection=tx,
                )
        return feed

    @abstractmethod
    async def _follow_redirect(self, tx: Any, feed_id: int, url: str) -> None:
        """Move the feed to ``url`` inside ``save_poll``'s transaction ``tx``, unless another
        feed follows that URL already: then the feed keeps its address, and the poll is saved
        all the same. Each backend's own: whether another process can follow the URL between
        the check and the move is its concurrency's question."""


def _stamp(moment: datetime | None) -> str | None:
    return stamp(moment) if moment is not None else None


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
