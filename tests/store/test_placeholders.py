"""SQL written once for both backends: PostgreSQL's database numbers SQLite's ``?`` placeholders,
refuses a ``?`` it cannot tell from text, and both database classes answer the same verbs."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage.database import Database
from storage.postgres.database import PostgresDatabase, numbered_placeholders
from tests.support.postgres import PostgresServer


def test_each_mark_becomes_the_next_number_in_order() -> None:
    assert numbered_placeholders("UPDATE t SET a = ?, b = coalesce(?, b) WHERE id = ?") == (
        "UPDATE t SET a = $1, b = coalesce($2, b) WHERE id = $3"
    )
    # A value used twice is two marks, as on SQLite: two numbers, never one.
    assert numbered_placeholders("SELECT CASE WHEN ? = 1 THEN x ELSE ? END") == (
        "SELECT CASE WHEN $1 = 1 THEN x ELSE $2 END"
    )


def test_sql_without_marks_is_left_as_it_is() -> None:
    written = "SELECT x FROM t WHERE id = $1 AND note <> '$2'"
    assert numbered_placeholders(written) is written
    assert numbered_placeholders("SELECT count(*) FROM t") == "SELECT count(*) FROM t"


def test_quoted_text_and_comments_around_marks_are_kept() -> None:
    assert numbered_placeholders("SELECT 'it''s', \"Name\" FROM t WHERE a = ? -- the id") == (
        "SELECT 'it''s', \"Name\" FROM t WHERE a = $1 -- the id"
    )
    assert numbered_placeholders("SELECT $tag$ body $tag$, ?::text") == (
        "SELECT $tag$ body $tag$, $1::text"
    )


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT x FROM t WHERE note = 'why?' AND id = ?",
        'SELECT "odd?" FROM t WHERE id = ?',
        "SELECT x FROM t WHERE id = ? -- or ?",
        "SELECT x FROM t /* ? */ WHERE id = ?",
        "SELECT $$ ? $$, ?",
        "SELECT x FROM t WHERE id = ? AND note = 'unclosed",
    ],
)
def test_a_mark_that_may_be_text_is_refused(sql: str) -> None:
    with pytest.raises(ValueError, match=r"'\?'|unclosed"):
        numbered_placeholders(sql)


def test_the_two_styles_in_one_statement_are_refused() -> None:
    with pytest.raises(ValueError, match="mixes"):
        numbered_placeholders("UPDATE t SET a = ? WHERE id = $1")


@pytest.fixture
async def postgres(postgres_server: PostgresServer) -> AsyncIterator[PostgresDatabase]:
    database = await PostgresDatabase.open(await postgres_server.new_database(), pool_size=2)
    await database.write("CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT, score INTEGER)")
    yield database
    await database.close()


async def test_postgresql_runs_sqlite_style_statements(postgres: PostgresDatabase) -> None:
    shared: Database[object] = postgres  # the Protocol the stores' shared code is written to
    assert (
        await shared.write("INSERT INTO t VALUES (?, ?, ?), (?, ?, ?)", (1, "a", 5, 2, "b", 7)) == 2
    )
    assert await shared.write("UPDATE t SET score = score + ? WHERE name = ?", (10, "b")) == 1
    rows = await shared.rows("SELECT id, name, score FROM t WHERE score > ? ORDER BY id", (0,))
    assert [tuple(row) for row in rows] == [(1, "a", 5), (2, "b", 17)]
    async with postgres.transaction() as tx:
        deleted = await postgres.rows(
            "DELETE FROM t WHERE id = ? RETURNING name", (1,), connection=tx
        )
        assert [row["name"] for row in deleted] == ["a"]
    assert [tuple(row) for row in await postgres.rows("SELECT id FROM t")] == [(2,)]
    # PostgreSQL's own style still runs unchanged.
    assert (await postgres.rows("SELECT name FROM t WHERE id = $1", (2,)))[0][0] == "b"


async def test_a_refused_statement_never_reaches_the_server(postgres: PostgresDatabase) -> None:
    await postgres.write("INSERT INTO t VALUES (?, ?, ?)", (2, "b", 7))
    # Sent as written, the server would answer a syntax error (a StorageError), not this.
    with pytest.raises(ValueError, match=r"'\?'"):
        await postgres.write("UPDATE t SET name = 'who?' WHERE id = ?", (2,))
    with pytest.raises(ValueError, match="mixes"):
        await postgres.rows("UPDATE t SET name = ? WHERE id = $2 RETURNING id", ("c", 2))
    assert [tuple(row) for row in await postgres.rows("SELECT * FROM t")] == [(2, "b", 7)]
