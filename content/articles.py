"""The article store: SQL in, dataclasses out. The caller owns the transaction.

Every function takes an open connection (the writer inside ``Database.transaction()`` for writes,
``Database.reader`` for queries) and uses bound parameters only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime

import aiosqlite

from content.models import Article, PreparedArticle, TopicMention
from content.search import fts_query

_ARTICLE_COLUMNS = (
    "a.id, a.title, a.body, a.summary, a.source, a.url, a.fingerprint, a.published_on, "
    "a.added_at, a.added_by"
)


async def find_duplicate(
    connection: aiosqlite.Connection, fingerprint: str, url: str | None
) -> int | None:
    """Return the id of an article with the same text or the same URL, if any."""
    async with connection.execute(
        "SELECT id FROM articles WHERE fingerprint = ? OR (url IS NOT NULL AND url = ?) LIMIT 1",
        (fingerprint, url),
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else None


async def insert_article(
    connection: aiosqlite.Connection,
    prepared: PreparedArticle,
    *,
    added_at: datetime,
    added_by: str,
) -> int:
    """Insert a new article and its topics; return its id. Check duplicates first."""
    draft = prepared.draft
    cursor = await connection.execute(
        "INSERT INTO articles (title, body, summary, source, url, fingerprint, published_on, "
        "added_at, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id, sort_day",
        (
            draft.title,
            draft.body,
            prepared.summary,
            draft.source,
            draft.url,
            prepared.fingerprint,
            draft.published_on.isoformat() if draft.published_on else None,
            added_at.isoformat(timespec="seconds"),
            added_by,
        ),
    )
    row = await cursor.fetchone()
    await cursor.close()
    assert row is not None  # RETURNING always yields the inserted row
    article_id, sort_day = int(row[0]), str(row[1])
    await connection.executemany(
        "INSERT INTO article_topics (article_id, topic, mentions, sort_day) VALUES (?, ?, ?, ?)",
        [(article_id, mention.key, mention.count, sort_day) for mention in prepared.topics],
    )
    return article_id


async def delete_article(connection: aiosqlite.Connection, article_id: int) -> bool:
    """Delete an article (its topics and index entries follow); tell whether it existed."""
    cursor = await connection.execute("DELETE FROM articles WHERE id = ?", (article_id,))
    deleted = cursor.rowcount > 0
    await cursor.close()
    return deleted


async def get_article(connection: aiosqlite.Connection, article_id: int) -> Article | None:
    articles = await get_articles(connection, [article_id])
    return articles[0] if articles else None


async def get_articles(
    connection: aiosqlite.Connection, article_ids: Sequence[int]
) -> list[Article]:
    """Fetch articles by id, in the order given; missing ids are skipped."""
    if not article_ids:
        return []
    placeholders = ",".join("?" * len(article_ids))
    rows = await _fetch(
        connection,
        f"SELECT {_ARTICLE_COLUMNS} FROM articles a WHERE a.id IN ({placeholders})",  # noqa: S608
        tuple(article_ids),
    )
    by_id = {article.id: article for article in await _with_topics(connection, rows)}
    return [by_id[article_id] for article_id in article_ids if article_id in by_id]


async def latest_articles(
    connection: aiosqlite.Connection, *, topic: str | None = None, limit: int, offset: int = 0
) -> list[Article]:
    """Newest first (publication day, then arrival), optionally on one topic."""
    if topic is None:
        sql = (
            f"SELECT {_ARTICLE_COLUMNS} FROM articles a "  # noqa: S608
            "ORDER BY a.sort_day DESC, a.id DESC LIMIT ? OFFSET ?"
        )
        params: tuple[object, ...] = (limit, offset)
    else:
        sql = (
            f"SELECT {_ARTICLE_COLUMNS} FROM article_topics t "  # noqa: S608
            "JOIN articles a ON a.id = t.article_id WHERE t.topic = ? "
            "ORDER BY t.sort_day DESC, t.article_id DESC LIMIT ? OFFSET ?"
        )
        params = (topic, limit, offset)
    return await _with_topics(connection, await _fetch(connection, sql, params))


async def search_articles(
    connection: aiosqlite.Connection,
    terms: list[str],
    *,
    limit: int,
    offset: int = 0,
    any_term: bool = False,
) -> list[Article]:
    """Full-text search, best matches first (title weighs most, then summary, then body)."""
    if not terms:
        return []
    sql = (
        f"SELECT {_ARTICLE_COLUMNS} FROM articles_fts f "  # noqa: S608
        "JOIN articles a ON a.id = f.rowid WHERE articles_fts MATCH ? "
        "ORDER BY bm25(articles_fts, 10.0, 4.0, 1.0), a.id DESC LIMIT ? OFFSET ?"
    )
    params = (fts_query(terms, any_term=any_term), limit, offset)
    return await _with_topics(connection, await _fetch(connection, sql, params))


async def topic_counts(connection: aiosqlite.Connection) -> dict[str, int]:
    """How many articles each topic has (topics without articles are absent)."""
    async with connection.execute(
        "SELECT topic, count(*) FROM article_topics GROUP BY topic"
    ) as cursor:
        return {str(row[0]): int(row[1]) async for row in cursor}


async def count_articles(connection: aiosqlite.Connection) -> int:
    async with connection.execute("SELECT count(*) FROM articles") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def max_article_id(connection: aiosqlite.Connection) -> int:
    """The highest id ever given (0 for a new store): digests count "new" from there."""
    async with connection.execute(
        "SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'articles'"
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def newest_on_topic(
    connection: aiosqlite.Connection,
    topic: str,
    *,
    after_id: int,
    up_to_id: int,
    added_since: datetime | None,
    limit: int,
) -> list[int]:
    """Ids of the newest articles on ``topic`` with ``after_id < id <= up_to_id`` (and, when
    given, added since ``added_since``), newest first: the raw material of a digest."""
    sql = (
        "SELECT t.article_id FROM article_topics t JOIN articles a ON a.id = t.article_id "
        "WHERE t.topic = ? AND t.article_id > ? AND t.article_id <= ? AND a.added_at >= ? "
        "ORDER BY t.sort_day DESC, t.article_id DESC LIMIT ?"
    )
    since = added_since.isoformat(timespec="seconds") if added_since else ""
    params = (topic, after_id, up_to_id, since, limit)
    async with connection.execute(sql, params) as cursor:
        return [int(row[0]) async for row in cursor]


async def _fetch(
    connection: aiosqlite.Connection, sql: str, params: tuple[object, ...]
) -> list[aiosqlite.Row]:
    async with connection.execute(sql, params) as cursor:
        return list(await cursor.fetchall())


async def _with_topics(
    connection: aiosqlite.Connection, rows: Iterable[aiosqlite.Row]
) -> list[Article]:
    rows = list(rows)
    if not rows:
        return []
    ids = [int(row["id"]) for row in rows]
    placeholders = ",".join("?" * len(ids))
    topics: dict[int, list[TopicMention]] = defaultdict(list)
    async with connection.execute(
        f"SELECT article_id, topic, mentions FROM article_topics "  # noqa: S608
        f"WHERE article_id IN ({placeholders}) ORDER BY article_id, mentions DESC, topic",
        ids,
    ) as cursor:
        async for row in cursor:
            topics[int(row[0])].append(TopicMention(str(row[1]), int(row[2])))
    return [_article(row, tuple(topics[int(row["id"])])) for row in rows]


def _article(row: aiosqlite.Row, topics: tuple[TopicMention, ...]) -> Article:
    published = row["published_on"]
    return Article(
        id=int(row["id"]),
        title=row["title"],
        body=row["body"],
        summary=row["summary"],
        source=row["source"],
        url=row["url"],
        fingerprint=row["fingerprint"],
        published_on=date.fromisoformat(published) if published else None,
        added_at=datetime.fromisoformat(row["added_at"]),
        added_by=row["added_by"],
        topics=topics,
    )
