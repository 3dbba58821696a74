"""The database file: per-store schema upgrades, the older single-sequence layout, refusal of a
newer file, and transactions."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.clock import utc_now
from storage.errors import DatabaseTooNew, StorageError
from storage.sqlite import SCHEMAS, open_sqlite
from storage.sqlite.database import Connection, SqliteDatabase
from storage.sqlite.schema import (
    LEGACY_VERSIONS,
    USER_VERSION_MARK,
    refuse_newer,
    statements,
    upgrade,
)

LATEST = {schema.store: schema.latest for schema in SCHEMAS}
NOW = datetime(2025, 6, 23, 8, 0, tzinfo=UTC)


def _versions(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        return dict(connection.execute("SELECT store, version FROM schema_versions"))


def _user_version(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("PRAGMA user_version").fetchone()[0])


def _schema(path: Path) -> set[tuple[str, str, str]]:
    """Every table, index and trigger with its SQL, whitespace folded."""
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
            "AND name NOT IN ('schema_versions', 'sqlite_sequence')"
        )
        return {(kind, name, re.sub(r"\s+", " ", sql)) for kind, name, sql in rows}


def _legacy_file(path: Path, user_version: int) -> None:
    """A file as the single-sequence layout left it at ``user_version``."""
    wanted = LEGACY_VERSIONS.get(user_version, {})
    with sqlite3.connect(path) as connection:
        for schema in SCHEMAS:
            for step in schema.upgrades[: wanted.get(schema.store, 0)]:
                connection.executescript(step.sql)
        connection.execute(f"PRAGMA user_version = {user_version}")


async def _insert_subscriber(tx: Connection, chat_id: int) -> None:
    await tx.execute(
        "INSERT INTO subscribers (chat_id, delivery_time, timezone, created_at, updated_at) "
        "VALUES (?, '07:00', 'UTC', 'x', 'x')",
        (chat_id,),
    )


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[SqliteDatabase]:
    opened = await SqliteDatabase.open(tmp_path / "test.db")
    await upgrade(opened, SCHEMAS, NOW)
    yield opened
    await opened.close()


async def test_a_new_file_gets_every_store_at_its_latest_version(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    stores = await open_sqlite(path, utc_now)
    await stores.close()
    assert _versions(path) == LATEST
    assert _user_version(path) == USER_VERSION_MARK
    tables = {name for _kind, name, _sql in _schema(path)}
    assert {"articles", "article_topics", "articles_fts", "subscribers", "deliveries"} <= tables


async def test_reopening_is_idempotent_and_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    first = await SqliteDatabase.open(path)
    await upgrade(first, SCHEMAS, NOW)
    async with first.transaction() as tx:
        await _insert_subscriber(tx, 1)
    await first.close()
    again = await open_sqlite(path, utc_now)
    assert (await again.subscribers.counts()).known_chats == 1
    await again.close()
    assert _versions(path) == LATEST


@pytest.mark.parametrize("user_version", sorted({0, *LEGACY_VERSIONS}))
async def test_files_of_the_single_sequence_layout_reach_the_same_schema(
    tmp_path: Path, user_version: int
) -> None:
    """The upgrade stairway: a file left at any version of the older layout ends with the schema
    of a new file, its store versions recorded, and older bots locked out."""
    fresh = tmp_path / "fresh.db"
    await (await open_sqlite(fresh, utc_now)).close()
    old = tmp_path / f"v{user_version}.db"
    _legacy_file(old, user_version)
    await (await open_sqlite(old, utc_now)).close()
    assert _versions(old) == LATEST
    assert _schema(old) == _schema(fresh)
    assert _user_version(old) == USER_VERSION_MARK


async def test_refuses_a_single_sequence_file_newer_than_the_code(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA user_version = 4")
    with pytest.raises(DatabaseTooNew, match="newer"):
        await open_sqlite(path, utc_now)
    assert _user_version(path) == 4  # untouched


@pytest.mark.parametrize(
    ("store", "version", "message"),
    [("articles", LATEST["articles"] + 1, "newer"), ("polls", 1, "does not know")],
)
async def test_refuses_a_store_newer_than_the_code(
    tmp_path: Path, store: str, version: int, message: str
) -> None:
    path = tmp_path / "future.db"
    await (await open_sqlite(path, utc_now)).close()
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO schema_versions (store, version, upgraded_at) VALUES (?, ?, 'x') "
            "ON CONFLICT (store) DO UPDATE SET version = excluded.version",
            (store, version),
        )
    with pytest.raises(DatabaseTooNew, match=message):
        await open_sqlite(path, utc_now)


async def test_the_newer_file_check_holds_while_another_opener_upgrades(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check reads twice; another process finishing its upgrade between the two reads (as
    one in ten openings at the same instant did in CI) must not make a new file look newer."""
    path = tmp_path / "new.db"
    checker = await SqliteDatabase.open(path)
    other = await SqliteDatabase.open(path)
    read = checker.rows
    reads = 0

    async def read_then_let_the_other_upgrade(
        sql: str, params: Sequence[object] = (), *, connection: Connection | None = None
    ) -> list[sqlite3.Row]:
        nonlocal reads
        rows = await read(sql, params, connection=connection)
        reads += 1
        if reads == 1:
            await upgrade(other, SCHEMAS, utc_now())
        return list(rows)

    monkeypatch.setattr(checker, "rows", read_then_let_the_other_upgrade)
    try:
        await refuse_newer(checker, SCHEMAS)  # a file of this code's schema: no refusal
        assert reads >= 2
    finally:
        await checker.close()
        await other.close()


@pytest.mark.parametrize("attempt", range(10))
async def test_two_openers_of_a_new_file_both_succeed_and_upgrade_once(
    tmp_path: Path, attempt: int
) -> None:
    """Two connections open a file that does not exist yet at the same instant (two processes
    started together): both get WAL and the schema, and each upgrade is recorded once."""
    path = tmp_path / f"shared{attempt}.db"
    first, second = await asyncio.gather(open_sqlite(path, utc_now), open_sqlite(path, utc_now))
    await first.close()
    await second.close()
    assert _versions(path) == LATEST
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_statements_keep_trigger_bodies_whole() -> None:
    script = (
        "-- a comment\nCREATE TABLE t (x INTEGER);\n"
        "CREATE TRIGGER g AFTER INSERT ON t BEGIN\n  UPDATE t SET x = 1;\n  SELECT 2;\nEND;\n"
    )
    found = list(statements(script))
    assert len(found) == 2
    assert found[1].startswith("CREATE TRIGGER") and found[1].endswith("END;")
    with pytest.raises(ValueError, match="incomplete"):
        list(statements("CREATE TABLE u (x"))


async def test_failed_transaction_rolls_back_everything(database: SqliteDatabase) -> None:
    with pytest.raises(StorageError):
        async with database.transaction() as tx:
            await _insert_subscriber(tx, 5)
            await tx.execute("INSERT INTO subscribers (chat_id) VALUES (NULL)")  # NOT NULL fails
    assert (await database.rows("SELECT count(*) FROM subscribers"))[0][0] == 0


async def test_bug_in_a_transaction_rolls_back_and_propagates(database: SqliteDatabase) -> None:
    with pytest.raises(ZeroDivisionError):
        async with database.transaction() as tx:
            await _insert_subscriber(tx, 6)
            _ = 1 / 0
    assert (await database.rows("SELECT count(*) FROM subscribers"))[0][0] == 0
    async with database.transaction() as tx:  # the connection is usable again
        await tx.execute("SELECT 1")


async def test_refused_write_surfaces_as_storage_error(database: SqliteDatabase) -> None:
    """A database that refuses writes (read-only file, full disk) gives StorageError, and the
    connection stays usable. Tests run as root, which ignores file modes, so SQLite's own
    query_only switch stands in for a read-only file (same SQLITE_READONLY error)."""
    await database._writer.execute("PRAGMA query_only = ON")
    with pytest.raises(StorageError, match="readonly"):
        async with database.transaction() as tx:
            await _insert_subscriber(tx, 7)
    with pytest.raises(StorageError, match="readonly"):
        await database.write("UPDATE subscribers SET active = 0")
    await database._writer.execute("PRAGMA query_only = OFF")
    assert await database.write("UPDATE subscribers SET active = 0") == 0


async def test_topic_counts_upgrade_backfills_an_existing_store(tmp_path: Path) -> None:
    """A file of the older layout at version 2 (articles without counts) gets counts that match
    its rows, then triggers keep them."""
    path = tmp_path / "v2.db"
    _legacy_file(path, 2)
    with sqlite3.connect(path) as connection:
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
    stores = await open_sqlite(path, utc_now)
    try:
        assert await stores.articles.topic_counts() == {"mali": 2, "russie": 1, "aes": 1}
        assert await stores.articles.delete(1)
        assert await stores.articles.topic_counts() == {"mali": 1, "aes": 1}
    finally:
        await stores.close()
