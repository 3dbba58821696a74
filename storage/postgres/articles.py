"""The article store on PostgreSQL: the SQLite store's behaviour, for replicas sharing a server.

The same tables and the same rows as on SQLite (``storage.article_rows`` reads them for both),
triggers for the topic counts and for an article's own story, and a ``tsvector`` of folded text
for search (``storage.postgres.search``). Writes take one lock (``storage.postgres.stories``),
so that replicas storing articles at the same time behave as SQLite's single writer does.

Storing an article is one statement (the article, its search document, its topics and its story
keys, through data-modifying WITH clauses) after the duplicate check: a trip to the server
costs more than any of the inserts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from content.models import AddedArticle, Article, PreparedArticle
from content.store import StaleStorySearch
from storage.article_rows import (
    ArticleStoreBase,
    article_from_row,
    article_values,
    articles_in_order,
    new_article,
    published_value,
)
from storage.postgres import locks, stories
from storage.postgres.database import PostgresDatabase
from storage.postgres.search import document_values, tsquery_text

# Each article row carries its topics, packed as "key US count RS key US count" (ASCII unit and
# record separators, ``storage.article_rows``), and its story's other outlets in arrival order.
_ARTICLE_COLUMNS = (
    "a.id, a.title, a.body, a.summary, a.source, a.url, a.fingerprint, a.published_on, "
    "a.added_at, a.added_by, (SELECT string_agg(x.topic || chr(31) || x.mentions, chr(30)) "
    "FROM article_topics x WHERE x.article_id = a.id) AS packed_topics, a.story_id, "
    "(SELECT string_agg(coalesce(b.source, ''), chr(30) ORDER BY b.id) FROM articles b "
    "WHERE b.story_id = a.story_id AND b.id <> a.id) AS story_sources"
)


class PostgresArticleStore(ArticleStoreBase[PostgresDatabase]):
    """``content.store.ArticleStore`` on PostgreSQL."""

    async def add(
        self,
        prepared: PreparedArticle,
        *,
        added_at: datetime,
        added_by: str,
        story_id: int | None = None,
        searched_up_to: int | None = None,
    ) -> AddedArticle:
        async with self._db.transaction() as tx:
            await stories.lock_writes(tx)
            existing, stale = await self._admission(tx, prepared, searched_up_to)
            if existing is not None:
                stored = await self._get_many([existing], tx)
                return AddedArticle(article=stored[0], duplicate=True)
            if stale:
                raise StaleStorySearch(searched_up_to)
            article_id = await self._insert(tx, prepared, added_at, added_by)
            if story_id is None:  # its own story (a trigger said so), which it leads
                return AddedArticle(
                    new_article(article_id, prepared, added_at, added_by), duplicate=False
                )
            await stories.set_story(self._db, tx, article_id, story_id)
            stored = await self._get_many([article_id], tx)
        return AddedArticle(article=stored[0], duplicate=False)

    @staticmethod
    async def _admission(
        tx: asyncpg.Connection, prepared: PreparedArticle, searched_up_to: int | None
    ) -> tuple[int | None, bool]:
        """In one query: the article already stored with this text or URL, and whether an
        article above ``searched_up_to`` shares story keys with this one (the story search is
        stale: another process stored a copy meanwhile)."""
        keys = list(prepared.story_keys) if searched_up_to is not None else []
        row = await tx.fetchrow(
            "SELECT (SELECT id FROM articles WHERE fingerprint = $1 "
            "OR (url IS NOT NULL AND url = $2) LIMIT 1), "
            "EXISTS (SELECT 1 FROM story_keys WHERE key = ANY($3::bigint[]) AND article_id > $4)",
            prepared.fingerprint,
            prepared.draft.url,
            keys,
            searched_up_to or 0,
        )
        existing = row[0]
        return (None if existing is None else int(existing)), bool(row[1])

    @staticmethod
    async def _insert(
        tx: asyncpg.Connection, prepared: PreparedArticle, added_at: datetime, added_by: str
    ) -> int:
        """Store the article, its search document, its topics and its story keys; its id."""
        draft = prepared.draft
        article_id = await tx.fetchval(
            "WITH stored AS ("
            "INSERT INTO articles (title, body, summary, source, url, fingerprint, published_on, "
            "added_at, added_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
            "RETURNING id, sort_day"
            "), indexed AS ("
            "INSERT INTO article_search (article_id, document) "
            "SELECT id, article_document($10, $11, $12) FROM stored"
            "), tagged AS ("
            "INSERT INTO article_topics (article_id, topic, mentions, sort_day) "
            "SELECT s.id, t.topic, t.mentions, s.sort_day "
            "FROM stored s, unnest($13::text[], $14::integer[]) AS t (topic, mentions)"
            "), keyed AS ("
            "INSERT INTO story_keys (key, article_id, added_at) "
            "SELECT DISTINCT k.key, s.id, $8 FROM stored s, unnest($15::bigint[]) AS k (key)"
            ") SELECT id FROM stored",
            *article_values(prepared, added_at, added_by),
            *document_values(draft.title, prepared.summary, draft.body),
            [mention.key for mention in prepared.topics],
            [mention.count for mention in prepared.topics],
            list(prepared.story_keys),
        )
        return int(article_id)

    async def update(self, article_id: int, prepared: PreparedArticle) -> Article | None:
        """Replace an article's text, summary and topics (its outlet edited it); None when it
        is gone, or when the new text is another stored article's."""
        draft = prepared.draft
        async with self._db.transaction() as tx:
            await stories.lock_writes(tx)
            clash = await tx.fetchval(
                "SELECT id FROM articles WHERE fingerprint = $1 LIMIT 1", prepared.fingerprint
            )
            if clash is not None and clash != article_id:
                return None
            # The topics and keys the text no longer has go; the others are written again (a
            # topic row keeps its lead flag until the lead is chosen again below). The index
            # keeps the article's arrival (the story window), as on SQLite.
            story_id = await tx.fetchval(
                "WITH edited AS ("
                "UPDATE articles SET title = $2, body = $3, summary = $4, fingerprint = $5, "
                "published_on = coalesce($6, published_on) WHERE id = $1 "
                "RETURNING id, sort_day, added_at, story_id"
                "), indexed AS ("
                "INSERT INTO article_search (article_id, document) "
                "SELECT id, article_document($7, $8, $9) FROM edited "
                "ON CONFLICT (article_id) DO UPDATE SET document = excluded.document"
                "), untagged AS ("
                "DELETE FROM article_topics WHERE article_id IN (SELECT id FROM edited) "
                "AND topic <> ALL($10::text[])"
                "), tagged AS ("
                "INSERT INTO article_topics (article_id, topic, mentions, sort_day) "
                "SELECT e.id, t.topic, t.mentions, e.sort_day "
                "FROM edited e, unnest($10::text[], $11::integer[]) AS t (topic, mentions) "
                "ON CONFLICT (article_id, topic) DO UPDATE "
                "SET mentions = excluded.mentions, sort_day = excluded.sort_day"
                "), unkeyed AS ("
                "DELETE FROM story_keys WHERE article_id IN (SELECT id FROM edited) "
                "AND key <> ALL($12::bigint[])"
                "), keyed AS ("
                "INSERT INTO story_keys (key, article_id, added_at) "
                "SELECT DISTINCT k.key, e.id, e.added_at "
                "FROM edited e, unnest($12::bigint[]) AS k (key) ON CONFLICT DO NOTHING"
                ") SELECT story_id FROM edited",
                article_id,
                draft.title,
                draft.body,
                prepared.summary,
                prepared.fingerprint,
                published_value(prepared),
                *document_values(draft.title, prepared.summary, draft.body),
                [mention.key for mention in prepared.topics],
                [mention.count for mention in prepared.topics],
                list(prepared.story_keys),
            )
            if story_id is None:
                return None
            await stories.choose_lead(self._db, tx, int(story_id))
            return (await self._get_many([article_id], tx))[0]

    async def story_candidates(self, keys: Sequence[int], *, since: datetime) -> list[Article]:
        return await self._get_many(await stories.candidate_ids(self._db, keys, since=since))

    async def delete(self, article_id: int) -> bool:
        async with self._db.transaction() as tx:
            await stories.lock_writes(tx)
            deleted = await tx.fetchrow(
                "DELETE FROM articles WHERE id = $1 RETURNING story_id", article_id
            )
            if deleted is None:
                return False
            await stories.choose_lead(
                self._db, tx, int(deleted[0])
            )  # the story may have lost its lead
            return True

    async def get_many(self, article_ids: Sequence[int]) -> list[Article]:
        return await self._get_many(article_ids)

    async def _get_many(
        self, article_ids: Sequence[int], connection: asyncpg.Connection | None = None
    ) -> list[Article]:
        if not article_ids:
            return []
        rows = await self._db.rows(
            f"SELECT {_ARTICLE_COLUMNS} FROM articles a WHERE a.id = ANY($1::bigint[])",  # noqa: S608
            (list(article_ids),),
            connection=connection,
        )
        return articles_in_order(rows, article_ids)

    async def latest(
        self, *, topic: str | None = None, limit: int, offset: int = 0, one_per_story: bool = True
    ) -> list[Article]:
        return await self._latest(
            _ARTICLE_COLUMNS, topic=topic, limit=limit, offset=offset, one_per_story=one_per_story
        )

    async def search(
        self, terms: Sequence[str], *, limit: int, offset: int = 0, any_term: bool = False
    ) -> list[Article]:
        """Best matches first: the title weighs most, then the summary, then the body."""
        query = tsquery_text(terms, any_term=any_term)
        if query is None:
            return []
        # Rank inside the index first, then load only the page's articles, as on SQLite. The
        # weights are those of D (body), C (unused), B (summary) and A (title): 1, 4 and 10,
        # as SQLite's bm25 weighs the three columns.
        sql = (
            f"SELECT {_ARTICLE_COLUMNS} FROM ("  # noqa: S608
            "SELECT s.article_id AS id, "
            "ts_rank('{0.1, 0.1, 0.4, 1.0}', s.document, q.query, 1) AS score "
            "FROM article_search s, to_tsquery('simple', $1) AS q (query) "
            "WHERE s.document @@ q.query ORDER BY score DESC, s.article_id DESC "
            "LIMIT $2 OFFSET $3"
            ") m JOIN articles a ON a.id = m.id ORDER BY m.score DESC, m.id DESC"
        )
        params = (query, limit, offset)
        return [article_from_row(row) for row in await self._db.rows(sql, params)]

    async def newest_id(self) -> int:
        """The sequence's last id, once the article writes under way have committed: an id it
        gave to a transaction still running would be counted as seen by a digest before the
        article is there to be read."""
        async with self._db.transaction() as tx:
            await tx.execute("SELECT pg_advisory_xact_lock_shared($1)", locks.ARTICLE_WRITES)
            newest = await tx.fetchval(
                "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM articles_id_seq"
            )
        return int(newest)
