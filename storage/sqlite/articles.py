"""The article store on SQLite: FTS5 for search, triggers for the topic counts, stories.

Each row read carries what every page needs, so reads take one query: the topics and the other
outlets of the article's story come packed in the article row (see ``_ARTICLE_COLUMNS``; rows
become articles in ``storage.article_rows``, shared with the PostgreSQL store).
Articles change only when a feed's outlet edits an item (``update``) and when a story gains a
member; topic pages and digests list each story once, by its lead (``storage.sqlite.stories``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from content.models import AddedArticle, Article, PreparedArticle
from content.store import StaleStorySearch
from storage.article_rows import (
    PREFIX_MIN_LENGTH,
    ArticleStoreBase,
    article_from_row,
    article_values,
    articles_in_order,
    new_article,
    published_value,
)
from storage.sqlite import stories
from storage.sqlite.database import Connection, SqliteDatabase

# Each article row carries its topics, packed as "key US count RS key US count" (ASCII unit and
# record separators, ``storage.article_rows``), and its story's other outlets likewise.
_ARTICLE_COLUMNS = (
    "a.id, a.title, a.body, a.summary, a.source, a.url, a.fingerprint, a.published_on, "
    "a.added_at, a.added_by, (SELECT group_concat(x.topic || char(31) || x.mentions, char(30)) "
    "FROM article_topics x WHERE x.article_id = a.id) AS packed_topics, a.story_id, "
    "(SELECT group_concat(coalesce(b.source, ''), char(30)) FROM articles b "
    "WHERE b.story_id = a.story_id AND b.id != a.id) AS story_sources"
)


class SqliteArticleStore(ArticleStoreBase[SqliteDatabase]):
    """``content.store.ArticleStore`` on SQLite."""

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
            existing, stale = await self._admission(tx, prepared, searched_up_to)
            if existing is not None:
                stored = await self._get_many([existing], tx)
                return AddedArticle(article=stored[0], duplicate=True)
            if stale:
                raise StaleStorySearch(searched_up_to)
            article_id, _ = await self._insert(tx, prepared, added_at, added_by)
            await stories.remember_keys(tx, article_id, prepared.story_keys, added_at)
            if story_id is None:  # its own story (a trigger said so), which it leads
                return AddedArticle(
                    new_article(article_id, prepared, added_at, added_by), duplicate=False
                )
            await stories.set_story(self._db, tx, article_id, story_id)
            stored = await self._get_many([article_id], tx)
        return AddedArticle(article=stored[0], duplicate=False)

    async def _admission(
        self, tx: Connection, prepared: PreparedArticle, searched_up_to: int | None
    ) -> tuple[int | None, bool]:
        """In one query: the article already stored with this text or URL, and whether an
        article above ``searched_up_to`` shares story keys with this one (the story search is
        stale: another process stored a copy meanwhile)."""
        keys = prepared.story_keys if searched_up_to is not None else ()
        placeholders = ",".join("?" * len(keys))  # SQLite reads « IN () » as false
        rows = await self._db.rows(
            "SELECT (SELECT id FROM articles WHERE fingerprint = ? "  # noqa: S608
            "OR (url IS NOT NULL AND url = ?) LIMIT 1), "
            f"EXISTS (SELECT 1 FROM story_keys WHERE key IN ({placeholders}) AND article_id > ?)",
            (prepared.fingerprint, prepared.draft.url, *keys, searched_up_to or 0),
            connection=tx,
        )
        existing = rows[0][0]
        return (None if existing is None else int(existing)), bool(rows[0][1])

    async def update(self, article_id: int, prepared: PreparedArticle) -> Article | None:
        """Replace an article's text, summary and topics (its outlet edited it); None when it
        is gone, or when the new text is another stored article's."""
        draft = prepared.draft
        async with self._db.transaction() as tx:
            clash = await self._find_duplicate(tx, prepared.fingerprint, None)
            if clash is not None and clash != article_id:
                return None
            rows = await self._db.rows(
                "UPDATE articles SET title = ?, body = ?, summary = ?, fingerprint = ?, "
                "published_on = coalesce(?, published_on) WHERE id = ? "
                "RETURNING sort_day, added_at",
                (
                    draft.title,
                    draft.body,
                    prepared.summary,
                    prepared.fingerprint,
                    published_value(prepared),
                    article_id,
                ),
                connection=tx,
            )
            if not rows:
                return None
            await tx.execute("DELETE FROM article_topics WHERE article_id = ?", (article_id,))
            await self._insert_topics(tx, article_id, prepared, str(rows[0][0]))
            # The index holds the new text, under the article's arrival (the story window).
            await tx.execute("DELETE FROM story_keys WHERE article_id = ?", (article_id,))
            added_at = datetime.fromisoformat(str(rows[0][1]))
            await stories.remember_keys(tx, article_id, prepared.story_keys, added_at)
            story = await stories.story_of(self._db, tx, article_id)
            if story is not None:
                await stories.choose_lead(self._db, tx, story)
            return (await self._get_many([article_id], tx))[0]

    async def story_candidates(self, keys: Sequence[int], *, since: datetime) -> list[Article]:
        return await self._get_many(await stories.candidate_ids(self._db, keys, since=since))

    async def _find_duplicate(
        self, tx: Connection, fingerprint: str, url: str | None
    ) -> int | None:
        rows = await self._db.rows(
            "SELECT id FROM articles WHERE fingerprint = ? OR (url IS NOT NULL AND url = ?) "
            "LIMIT 1",
            (fingerprint, url),
            connection=tx,
        )
        return int(rows[0][0]) if rows else None

    async def _insert(
        self, tx: Connection, prepared: PreparedArticle, added_at: datetime, added_by: str
    ) -> tuple[int, str]:
        rows = await self._db.rows(
            "INSERT INTO articles (title, body, summary, source, url, fingerprint, published_on, "
            "added_at, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id, sort_day",
            article_values(prepared, added_at, added_by),
            connection=tx,
        )
        article_id, sort_day = int(rows[0][0]), str(rows[0][1])
        await self._insert_topics(tx, article_id, prepared, sort_day)
        return article_id, sort_day

    @staticmethod
    async def _insert_topics(
        tx: Connection, article_id: int, prepared: PreparedArticle, sort_day: str
    ) -> None:
        if prepared.topics:  # most articles are on no followed topic: spare a database trip
            await tx.executemany(
                "INSERT INTO article_topics (article_id, topic, mentions, sort_day) "
                "VALUES (?, ?, ?, ?)",
                [(article_id, mention.key, mention.count, sort_day) for mention in prepared.topics],
            )

    async def delete(self, article_id: int) -> bool:
        async with self._db.transaction() as tx:
            story = await stories.story_of(self._db, tx, article_id)
            cursor = await tx.execute("DELETE FROM articles WHERE id = ?", (article_id,))
            if story is not None:  # the story may have lost its lead
                await stories.choose_lead(self._db, tx, story)
            return cursor.rowcount > 0

    async def get_many(self, article_ids: Sequence[int]) -> list[Article]:
        return await self._get_many(article_ids)

    async def _get_many(
        self, article_ids: Sequence[int], connection: Connection | None = None
    ) -> list[Article]:
        if not article_ids:
            return []
        placeholders = ",".join("?" * len(article_ids))
        rows = await self._db.rows(
            f"SELECT {_ARTICLE_COLUMNS} FROM articles a WHERE a.id IN ({placeholders})",  # noqa: S608
            tuple(article_ids),
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
        if not terms:
            return []
        # Rank inside the index first, then load only the page's articles: joining before
        # sorting made SQLite read and sort every matching article, body included (a common word
        # matches half the store).
        sql = (
            f"SELECT {_ARTICLE_COLUMNS} FROM ("  # noqa: S608
            "SELECT rowid AS id, bm25(articles_fts, 10.0, 4.0, 1.0) AS score FROM articles_fts "
            "WHERE articles_fts MATCH ? ORDER BY score, rowid DESC LIMIT ? OFFSET ?"
            ") m JOIN articles a ON a.id = m.id ORDER BY m.score, m.id DESC"
        )
        params = (fts_query(terms, any_term=any_term), limit, offset)
        return [article_from_row(row) for row in await self._db.rows(sql, params)]

    async def newest_id(self) -> int:
        rows = await self._db.rows(
            "SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'articles'"
        )
        return int(rows[0][0]) if rows else 0


def fts_query(terms: Sequence[str], *, any_term: bool = False) -> str:
    """An FTS5 MATCH expression: every term (or any term) quoted, long ones as prefixes.

    FTS5 has its own query language (AND, OR, NEAR, quotes, parentheses, ``*``, column filters);
    terms come from ``content.search.search_terms`` (folded word characters only) and each is
    quoted, with any quote inside doubled as FTS5 strings want, so a reader's « (AES) * "Mali »
    can neither raise a syntax error nor change the meaning.

    The index removes accents but keeps the ligatures « œ » and « æ » as letters, while search
    terms are folded (« cœur » is ``coeur``): a term with « oe » or « ae » also matches its
    ligature spelling, so both « coeur » and « cœur » find « cœur ».
    """
    matches = []
    for term in terms:
        spellings = dict.fromkeys((term, _LIGATURES.sub(_ligature, term)))
        quoted = [_quoted(spelling) for spelling in spellings]
        matches.append(quoted[0] if len(quoted) == 1 else f"({' OR '.join(quoted)})")
    # Explicit AND: FTS5 refuses a parenthesised group followed by a bare phrase.
    return (" OR " if any_term else " AND ").join(matches)


_LIGATURES = re.compile("oe|ae")


def _ligature(match: re.Match[str]) -> str:
    return "œ" if match[0] == "oe" else "æ"


def _quoted(term: str) -> str:
    escaped = term.replace('"', '""')
    return f'"{escaped}"*' if len(term) >= PREFIX_MIN_LENGTH else f'"{escaped}"'
