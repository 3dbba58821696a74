"""The article store: SQL in, dataclasses out. The caller owns the transaction.

Every function takes an open connection (the writer inside ``Database.transaction()`` for writes,
``Database.reader`` for queries) and uses bound parameters only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import aiosqlite

from content.models import Article, PreparedArticle, TopicMention
from content.search import fts_query

# Each article row carries its topics, packed as "key US count RS key US count" (ASCII unit and
# record separators, which no topic key contains): one query per read instead of two, and every
# query is a trip to the database thread that costs more than the lookup itself.
_ARTICLE_COLUMNS = (
    "a.id, a.title, a.body, a.summary, a.source, a.url, a.fingerprint, a.published_on, "
    "a.added_at, a.added_by, (SELECT group_concat(x.topic || char(31) || x.mentions, char(30)) "
    "FROM article_topics x WHERE x.article_id = a.id) AS packed_topics"
)


async def find_duplicate(
    connection: aiosqlite.Connection, fingerprint: str, url: str | None
) -> int | None:
    """Return the id of an article with the same text or the same URL, if any."""
    rows = await _fetch(
        connection,
        "SELECT id FROM articles WHERE fingerprint = ? OR (url IS NOT NULL AND url = ?) LIMIT 1",
        (fingerprint, url),
    )
    return int(rows[0][0]) if rows else None


async def insert_article(
    connection: aiosqlite.Connection,
    prepared: PreparedArticle,
    *,
    added_at: datetime,
    added_by: str,
) -> int:
    """Insert a new article and its topics; return its id. Check duplicates first."""
    draft = prepared.draft
    rows = await _fetch(
        connection,
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
    assert rows  # RETURNING always yields the inserted row
    article_id, sort_day = int(rows[0][0]), str(rows[0][1])
    if not prepared.topics:
        return article_id  # most articles are on no followed topic: spare a database trip
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
    by_id = {article.id: article for article in map(_article, rows)}
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
    return [_article(row) for row in await _fetch(connection, sql, params)]


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
    # Rank inside the index first, then load only the page's articles: joining before sorting
    # made SQLite read and sort every matching article, body included (a common word matches
    # half the store).
    sql = (
        f"SELECT {_ARTICLE_COLUMNS} FROM ("  # noqa: S608
        "SELECT rowid AS id, bm25(articles_fts, 10.0, 4.0, 1.0) AS score FROM articles_fts "
        "WHERE articles_fts MATCH ? ORDER BY score, rowid DESC LIMIT ? OFFSET ?"
        ") m JOIN articles a ON a.id = m.id ORDER BY m.score, m.id DESC"
    )
    params = (fts_query(terms, any_term=any_term), limit, offset)
    return [_article(row) for row in await _fetch(connection, sql, params)]


async def topic_counts(connection: aiosqlite.Connection) -> dict[str, int]:
    """How many articles each topic has (topics without articles are absent)."""
    rows = await _fetch(connection, "SELECT topic, articles FROM topic_counts WHERE articles > 0")
    return {str(row[0]): int(row[1]) for row in rows}


async def count_articles(connection: aiosqlite.Connection) -> int:
    rows = await _fetch(connection, "SELECT count(*) FROM articles")
    return int(rows[0][0]) if rows else 0


async def max_article_id(connection: aiosqlite.Connection) -> int:
    """The highest id ever given (0 for a new store): digests count "new" from there."""
    rows = await _fetch(
        connection, "SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'articles'"
    )
    return int(rows[0][0]) if rows else 0


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
    return [int(row[0]) for row in await _fetch(connection, sql, params)]


async def _fetch(
    connection: aiosqlite.Connection, sql: str, params: Sequence[object] = ()
) -> list[aiosqlite.Row]:
    """Run one statement and fetch all its rows in a single trip to the database thread
    (``async with execute`` then ``fetchall`` and ``close`` takes three, and the wait for the
    thread costs more than most of our queries)."""
    return list(await connection.execute_fetchall(sql, params))


def _unpack_topics(packed: str | None) -> tuple[TopicMention, ...]:
    """The topics of ``_ARTICLE_COLUMNS``, most mentioned first, then by key."""
    if not packed:
        return ()
    mentions = []
    for item in packed.split("\x1e"):
        key, _, count = item.rpartition("\x1f")
        mentions.append(TopicMention(key, int(count)))
    return tuple(sorted(mentions, key=lambda mention: (-mention.count, mention.key)))


def _article(row: aiosqlite.Row) -> Article:
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
        topics=_unpack_topics(row["packed_topics"]),
    )
