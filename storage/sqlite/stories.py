"""Stories on SQLite: which articles tell the same event, and which of them leads.

The article store calls these inside its own transactions, so an article arrives in its story,
and a story changes lead, in the same commit as the article itself. Which articles are the same
event is decided in ``content.stories`` (pure); here they are only recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from storage.article_rows import MAX_CANDIDATES, MIN_SHARED_KEYS, story_lead
from storage.sqlite.database import Connection, SqliteDatabase, stamp


async def remember_keys(
    tx: Connection, article_id: int, keys: Sequence[int], added_at: datetime
) -> None:
    if keys:
        moment = stamp(added_at)
        await tx.executemany(
            "INSERT OR IGNORE INTO story_keys (key, article_id, added_at) VALUES (?, ?, ?)",
            [(key, article_id, moment) for key in keys],
        )


async def candidate_ids(
    database: SqliteDatabase, keys: Sequence[int], *, since: datetime
) -> list[int]:
    """Recent articles sharing at least ``MIN_SHARED_KEYS`` index keys with ``keys``, those
    sharing the most first."""
    if not keys:
        return []
    placeholders = ",".join("?" * len(keys))
    rows = await database.rows(
        f"SELECT article_id FROM story_keys WHERE key IN ({placeholders}) "  # noqa: S608
        "AND added_at >= ? GROUP BY article_id HAVING count(*) >= ? "
        "ORDER BY count(*) DESC, article_id DESC LIMIT ?",
        (*keys, stamp(since), MIN_SHARED_KEYS, MAX_CANDIDATES),
    )
    return [int(row[0]) for row in rows]


async def set_story(
    database: SqliteDatabase, tx: Connection, article_id: int, story_id: int | None
) -> None:
    """Put the article in ``story_id`` (a story of its own when None, or when that story is
    gone) and choose the story's lead again."""
    if story_id is not None:
        found = await database.rows(
            "SELECT 1 FROM articles WHERE story_id = ? LIMIT 1", (story_id,), connection=tx
        )
        story_id = story_id if found else None
    story = article_id if story_id is None else story_id
    await tx.execute("UPDATE articles SET story_id = ? WHERE id = ?", (story, article_id))
    if story_id is not None:  # alone in its story, the article leads it already (the default)
        await choose_lead(database, tx, story)


async def choose_lead(database: SqliteDatabase, tx: Connection, story_id: int) -> None:
    """Flag the story's most complete article as its lead in ``articles`` (for « latest »
    pages), and in ``article_topics`` (topic pages, digests, topic counts) the lead on each
    topic (``storage.article_rows.story_leads``)."""
    decided = await story_lead(database, tx, story_id)
    if decided is None:  # the story is gone
        return
    lead, flags = decided
    await tx.execute(
        "UPDATE articles SET lead = (id = ?) WHERE story_id = ? AND lead != (id = ?)",
        (lead, story_id, lead),
    )
    await tx.executemany(
        "UPDATE article_topics SET lead = ?3 WHERE article_id = ?1 AND topic = ?2 AND lead != ?3",
        flags,
    )


async def story_of(database: SqliteDatabase, tx: Connection, article_id: int) -> int | None:
    rows = await database.rows(
        "SELECT story_id FROM articles WHERE id = ?", (article_id,), connection=tx
    )
    return int(rows[0][0]) if rows and rows[0][0] is not None else None
