"""The database file: migrations, version refusal, transactions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from content import articles
from content.storage import Database, DatabaseTooNew, StorageError, load_migrations


def _version(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("PRAGMA user_version").fetchone()[0])


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')"
        )
        return {row[0] for row in rows}


async def test_migrates_from_zero_to_latest(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    database = await Database.open(path)
    await database.close()
    assert _version(path) == len(load_migrations())
    assert {"articles", "article_topics", "articles_fts", "subscribers", "deliveries"} <= _tables(
        path
    )


async def test_reopening_is_idempotent_and_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    database = await Database.open(path)
    async with database.transaction() as tx:
        await tx.execute(
            "INSERT INTO subscribers (chat_id, delivery_time, timezone, created_at, updated_at) "
            "VALUES (1, '07:00', 'UTC', 'x', 'x')"
        )
    await database.close()
    again = await Database.open(path)
    async with again.reader.execute("SELECT count(*) FROM subscribers") as cursor:
        row = await cursor.fetchone()
    await again.close()
    assert row is not None and row[0] == 1
    assert _version(path) == len(load_migrations())


async def test_stepwise_upgrade_from_each_version(tmp_path: Path) -> None:
    """The migration stairway: a file left at any version reaches the latest one."""
    migrations = load_migrations()
    for stop in range(len(migrations)):
        path = tmp_path / f"v{stop}.db"
        with sqlite3.connect(path) as connection:
            for migration in migrations[:stop]:
                connection.executescript(migration.sql)
            connection.execute(f"PRAGMA user_version = {stop}")
        database = await Database.open(path)
        await database.close()
        assert _version(path) == len(migrations)


async def test_refuses_a_database_newer_than_the_code(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA user_version = {len(load_migrations()) + 1}")
    with pytest.raises(DatabaseTooNew, match="newer"):
        await Database.open(path)
    assert _version(path) == len(load_migrations()) + 1  # untouched


async def test_failed_transaction_rolls_back_everything(database: Database) -> None:
    with pytest.raises(StorageError):
        async with database.transaction() as tx:
            await tx.execute(
                "INSERT INTO subscribers (chat_id, delivery_time, timezone, created_at, "
                "updated_at) VALUES (5, '07:00', 'UTC', 'x', 'x')"
            )
            await tx.execute("INSERT INTO subscribers (chat_id) VALUES (NULL)")  # NOT NULL fails
    async with database.reader.execute("SELECT count(*) FROM subscribers") as cursor:
        row = await cursor.fetchone()
    assert row is not None and row[0] == 0


async def test_bug_in_a_transaction_rolls_back_and_propagates(database: Database) -> None:
    with pytest.raises(ZeroDivisionError):
        async with database.transaction() as tx:
            await tx.execute(
                "INSERT INTO subscribers (chat_id, delivery_time, timezone, created_at, "
                "updated_at) VALUES (6, '07:00', 'UTC', 'x', 'x')"
            )
            _ = 1 / 0
    async with database.reader.execute("SELECT count(*) FROM subscribers") as cursor:
        row = await cursor.fetchone()
    assert row is not None and row[0] == 0
    async with database.transaction() as tx:  # the connection is usable again
        await tx.execute("SELECT 1")


async def test_refused_write_surfaces_as_storage_error(database: Database) -> None:
    """A database that refuses writes (read-only file, full disk) gives StorageError, and the
    connection stays usable. Tests run as root, which ignores file modes, so SQLite's own
    query_only switch stands in for a read-only file (same SQLITE_READONLY error)."""
    await database._writer.execute("PRAGMA query_only = ON")
    with pytest.raises(StorageError, match="readonly"):
        async with database.transaction() as tx:
            await tx.execute(
                "INSERT INTO subscribers (chat_id, delivery_time, timezone, created_at, "
                "updated_at) VALUES (7, '07:00', 'UTC', 'x', 'x')"
            )
    with pytest.raises(StorageError, match="readonly"):
        await database.write("UPDATE subscribers SET active = 0")
    await database._writer.execute("PRAGMA query_only = OFF")
    assert await database.write("UPDATE subscribers SET active = 0") == 0


async def test_topic_counts_migration_backfills_an_existing_store(tmp_path: Path) -> None:
    """A version-2 file with articles gets counts that match its rows, then triggers keep them."""
    path = tmp_path / "v2.db"
    with sqlite3.connect(path) as connection:
        for migration in load_migrations()[:2]:
            connection.executescript(migration.sql)
        connection.execute("PRAGMA user_version = 2")
        for number, topics in enumerate((("mali", "russie"), ("mali",), ("aes",)), start=1):
            connection.execute(
                "INSERT INTO articles (id, title, body, summary, source, fingerprint, added_at,"
                " added_by) VALUES (?, ?, 'corps', 'résumé', 'src', ?, 'x', 'test')",
                (number, f"titre {number}", f"fp{number}"),
            )
            connection.executemany(
                "INSERT INTO article_topics (article_id, topic, mentions, sort_day)"
                " VALUES (?, ?, 1, '2025-06-23')",
                [(number, topic) for topic in topics],
            )
    database = await Database.open(path)
    try:
        assert await articles.topic_counts(database.reader) == {"mali": 2, "russie": 1, "aes": 1}
        async with database.transaction() as tx:
            assert await articles.delete_article(tx, 1)
        assert await articles.topic_counts(database.reader) == {"mali": 1, "aes": 1}
    finally:
        await database.close()
