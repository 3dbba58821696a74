"""The article store's rows and story leads, read and decided alike on every backend.

Both article stores (``storage.sqlite.articles``, ``storage.postgres.articles``) have the same
tables and columns and write values the same way (``storage.records``), so they share how a row
becomes an ``Article``, the values an article is inserted with, which member of a story leads
it, and in ``ArticleStoreBase`` the store's reads whose SQL both dialects read alike (written with
``?``: ``storage.database``). Writes, search and the packing of a row differ, dialect by dialect.

An article row carries its topics and the other outlets of its story, each packed by the query
into one text column (see each store's ``_ARTICLE_COLUMNS``): one query per read instead of
three, and a query is a trip to the database that costs more than the lookup itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Generic

from content.models import Article, PreparedArticle, TopicMention
from content.stories import StoryMember, representative
from storage.database import ConnectionT, Database, DatabaseT, Row
from storage.records import stamp

PREFIX_MIN_LENGTH = 4
"""Search terms this long also match longer words (« russe » finds « russes »): French
inflects."""
MAX_CANDIDATES = 50
"""Articles compared with a new one at most: the ones sharing the most index keys."""
MIN_SHARED_KEYS = 2
"""Every pair of the 525 labelled ones (tests/data/story-pairs.jsonl) that ``same_event``
accepts shares at least 2 keys (176 of 186 share 4 or more), while one shared key is mostly a
common phrase (« a indiqué le ministère »): comparing those cost a third of a feed poll's time
for nothing."""
UNIT_SEPARATOR = "\x1f"
"""Between a topic and its mention count in ``packed_topics`` (ASCII US: no key contains it)."""
RECORD_SEPARATOR = "\x1e"
"""Between the items of ``packed_topics`` and ``story_sources`` (ASCII RS)."""


def article_values(
    prepared: PreparedArticle, added_at: datetime, added_by: str
) -> tuple[object, ...]:
    """Values for ``(title, body, summary, source, url, fingerprint, published_on, added_at,
    added_by)``: a new article's row."""
    draft = prepared.draft
    return (
        draft.title,
        draft.body,
        prepared.summary,
        draft.source,
        draft.url,
        prepared.fingerprint,
        published_value(prepared),
        stamp(added_at),
        added_by,
    )


def published_value(prepared: PreparedArticle) -> str | None:
    """``published_on`` as stored: an ISO date, or NULL when the outlet gave none."""
    published = prepared.draft.published_on
    return published.isoformat() if published else None


def article_from_row(row: Row) -> Article:
    """The article of a row read with a store's ``_ARTICLE_COLUMNS``."""
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
        story_id=row["story_id"],
        also=_other_outlets(row["story_sources"], row["source"]),
    )


def articles_in_order(rows: Iterable[Row], article_ids: Iterable[int]) -> list[Article]:
    """The articles of ``rows`` in the order of ``article_ids`` (``IN`` and ``ANY`` promise
    none), leaving out the ids no row has (deleted articles)."""
    by_id = {article.id: article for article in map(article_from_row, rows)}
    return [by_id[article_id] for article_id in article_ids if article_id in by_id]


def new_article(
    article_id: int, prepared: PreparedArticle, added_at: datetime, added_by: str
) -> Article:
    """A just-stored article alone in its story, as ``article_from_row`` would read it back
    (one query less per article stored; ``tests/store`` compares the two)."""
    draft = prepared.draft
    return Article(
        id=article_id,
        title=draft.title,
        body=draft.body,
        summary=prepared.summary,
        source=draft.source,
        url=draft.url,
        fingerprint=prepared.fingerprint,
        published_on=draft.published_on,
        added_at=datetime.fromisoformat(stamp(added_at)),
        added_by=added_by,
        topics=tuple(sorted(prepared.topics, key=_most_mentioned_first)),
        story_id=article_id,
    )


def story_leads(
    members: Iterable[Row], tagged: Iterable[Row]
) -> tuple[int, list[tuple[int, str, int]]]:
    """Who leads a story: its lead, and the ``(article id, topic, lead flag)`` of every topic
    row of its members (ValueError for a story without members).

    ``members`` are ``(id, words, has url)`` rows, ``tagged`` ``(article id, topic)`` rows. On
    each topic the story's lead leads wherever it is tagged, and where it is not, the best member
    that is: a longer copy the tagger missed a topic on must not take the story away from that
    topic's readers."""
    by_id = {int(row[0]): StoryMember(int(row[0]), int(row[1]), bool(row[2])) for row in members}
    lead = representative(list(by_id.values()))
    on_topic: dict[str, list[StoryMember]] = {}
    for row in tagged:
        on_topic.setdefault(str(row[1]), []).append(by_id[int(row[0])])
    flags = []
    for topic, tagged_members in on_topic.items():
        ids = {member.id for member in tagged_members}
        topic_lead = lead if lead in ids else representative(tagged_members)
        flags += [(article_id, topic, int(article_id == topic_lead)) for article_id in ids]
    return lead, flags


class ArticleStoreBase(Generic[DatabaseT]):
    """The ``content.store.ArticleStore`` reads whose SQL both backends share; each backend's
    store adds its writes, its search, and the columns that pack a row (``_latest``'s
    ``columns``: its ``_ARTICLE_COLUMNS``)."""

    def __init__(self, database: DatabaseT) -> None:
        self._db = database

    async def _latest(
        self, columns: str, *, topic: str | None, limit: int, offset: int, one_per_story: bool
    ) -> list[Article]:
        """``latest``, with the store's ``_ARTICLE_COLUMNS`` as ``columns``."""
        leads = 1 if one_per_story else 0  # "lead >= 0" keeps every article
        if topic is None:
            sql = (
                f"SELECT {columns} FROM articles a WHERE a.lead >= ? "  # noqa: S608
                "ORDER BY a.sort_day DESC, a.id DESC LIMIT ? OFFSET ?"
            )
            params: tuple[object, ...] = (leads, limit, offset)
        else:
            sql = (
                f"SELECT {columns} FROM article_topics t "  # noqa: S608
                "JOIN articles a ON a.id = t.article_id WHERE t.topic = ? AND t.lead >= ? "
                "ORDER BY t.sort_day DESC, t.article_id DESC LIMIT ? OFFSET ?"
            )
            params = (topic, leads, limit, offset)
        return [article_from_row(row) for row in await self._db.rows(sql, params)]

    async def topic_counts(self) -> dict[str, int]:
        rows = await self._db.rows("SELECT topic, articles FROM topic_counts WHERE articles > 0")
        return {str(row[0]): int(row[1]) for row in rows}

    async def count(self, *, one_per_story: bool = False) -> int:
        rows = await self._db.rows(
            "SELECT count(*) FROM articles WHERE lead >= ?", (1 if one_per_story else 0,)
        )
        return int(rows[0][0])

    async def newest_id_before(self, moment: datetime) -> int:
        rows = await self._db.rows(
            "SELECT coalesce(max(id), 0) FROM articles WHERE added_at <= ?",
            (stamp(moment.astimezone(UTC)),),
        )
        return int(rows[0][0])

    async def newest_on_topic(
        self,
        topic: str,
        *,
        after_id: int,
        up_to_id: int,
        added_since: datetime | None,
        limit: int,
    ) -> list[int]:
        # A story is new when its first article is (its id is the story's), whichever article
        # leads it now: a story already in an earlier digest is not sent again when another
        # outlet covers it, and one whose lead arrived after ``up_to_id`` is not lost.
        sql = (
            "SELECT t.article_id FROM article_topics t JOIN articles a ON a.id = t.article_id "
            "WHERE t.topic = ? AND t.lead = 1 AND a.story_id > ? AND a.story_id <= ? "
            "AND a.added_at >= ? ORDER BY t.sort_day DESC, t.article_id DESC LIMIT ?"
        )
        since = stamp(added_since) if added_since else ""
        params = (topic, after_id, up_to_id, since, limit)
        return [int(row[0]) for row in await self._db.rows(sql, params)]


async def story_lead(
    database: Database[ConnectionT], tx: ConnectionT, story_id: int
) -> tuple[int, list[tuple[int, str, int]]] | None:
    """``story_leads`` of a story as ``tx`` sees it, read in SQL both dialects share (so both
    count a member's words alike); None when the story is gone."""
    members = await database.rows(
        "SELECT id, length(body) - length(replace(body, ' ', '')) + 1, url IS NOT NULL "
        "FROM articles WHERE story_id = ?",
        (story_id,),
        connection=tx,
    )
    if not members:
        return None
    tagged = await database.rows(
        "SELECT t.article_id, t.topic FROM article_topics t JOIN articles a "
        "ON a.id = t.article_id WHERE a.story_id = ?",
        (story_id,),
        connection=tx,
    )
    return story_leads(members, tagged)


def _most_mentioned_first(mention: TopicMention) -> tuple[int, str]:
    return -mention.count, mention.key


def _unpack_topics(packed: str | None) -> tuple[TopicMention, ...]:
    """The topics of ``packed_topics``, most mentioned first, then by key."""
    if not packed:
        return ()
    mentions = []
    for item in packed.split(RECORD_SEPARATOR):
        key, _, count = item.rpartition(UNIT_SEPARATOR)
        mentions.append(TopicMention(key, int(count)))
    return tuple(sorted(mentions, key=_most_mentioned_first))


def _other_outlets(packed: str | None, own: str | None) -> tuple[str, ...]:
    """The story's other outlets, each once, in arrival order, without the article's own."""
    if not packed:
        return ()
    names = (name for name in packed.split(RECORD_SEPARATOR) if name and name != own)
    return tuple(dict.fromkeys(names))
