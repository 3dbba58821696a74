"""Stories on PostgreSQL: which articles tell the same event, and which of them leads.

The article store calls these inside its own transactions, so an article arrives in its story,
and a story changes lead, in the same commit as the article itself. Which articles are the same
event is decided in ``content.stories`` (pure), and which member leads in
``storage.article_rows``; here they are only recorded.

Replicas store articles at the same time, which SQLite never does (its writes queue on one
file). Every transaction that adds, edits or deletes an article first takes
``locks.ARTICLE_WRITES``, so
article writes still happen one at a time, as on SQLite: a copy another process is storing is
committed before this one looks for its story (``StaleStorySearch``), two processes cannot
both store one text, a story's lead is chosen from all its members, and ids are committed in
the order they are drawn (``newest_id`` relies on that).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from storage.article_rows import MAX_CANDIDATES, MIN_SHARED_KEYS, story_lead
from storage.postgres import locks
from storage.postgres.database import PostgresDatabase
from storage.records import stamp


async def lock_writes(tx: asyncpg.Connection) -> None:
    """Wait for the other article writes to commit, and hold them off until this one does.

    A statement of its own: under READ COMMITTED each statement reads the database as it is
    when the statement starts, so only the statements after this one see what the writes it
    waited for committed."""
    await tx.execute("SELECT pg_advisory_xact_lock($1)", locks.ARTICLE_WRITES)


async def candidate_ids(
    database: PostgresDatabase, keys: Sequence[int], *, since: datetime
) -> list[int]:
    """Recent articles sharing at least ``MIN_SHARED_KEYS`` index keys with ``keys``, those
    sharing the most first."""
    if not keys:
        return []
    rows = await database.rows(
        "SELECT article_id FROM story_keys WHERE key = ANY($1::bigint[]) AND added_at >= $2 "
        "GROUP BY article_id HAVING count(*) >= $3 "
        "ORDER BY count(*) DESC, article_id DESC LIMIT $4",
        (list(keys), stamp(since), MIN_SHARED_KEYS, MAX_CANDIDATES),
    )
    return [int(row[0]) for row in rows]


async def set_story(
    database: PostgresDatabase, tx: asyncpg.Connection, article_id: int, story_id: int
) -> None:
    """Put the article in ``story_id`` (a story of its own when that story is gone) and choose
    the story's lead again."""
    if not await tx.fetchval(
        "SELECT EXISTS (SELECT 1 FROM articles WHERE story_id = $1)", story_id
    ):
        return  # the article started its own story as it was stored, and leads it
    await tx.execute("UPDATE articles SET story_id = $1 WHERE id = $2", story_id, article_id)
    await choose_lead(database, tx, story_id)


async def choose_lead(database: PostgresDatabase, tx: asyncpg.Connection, story_id: int) -> None:
    """Flag the story's most complete article as its lead in ``articles`` (for « latest »
    pages), and in ``article_topics`` (topic pages, digests, topic counts) the lead on each
    topic (``storage.article_rows.story_leads``)."""
    decided = await story_lead(database, tx, story_id)
    if decided is None:  # the story is gone
        return
    lead, flags = decided
    await tx.execute(
        "UPDATE articles SET lead = (id = $1)::integer "
        "WHERE story_id = $2 AND lead <> (id = $1)::integer",
        lead,
        story_id,
    )
    if flags:
        ids, topics, leads = zip(*flags, strict=True)
        await tx.execute(
            "UPDATE article_topics t SET lead = f.lead "
            "FROM unnest($1::bigint[], $2::text[], $3::integer[]) AS f (article_id, topic, lead) "
            "WHERE t.article_id = f.article_id AND t.topic = f.topic AND t.lead <> f.lead",
            list(ids),
            list(topics),
            list(leads),
        )
