"""The SQLite side of ``db migrate-to`` and ``db backup`` (``storage.transfer``).

Reading a file inside the transaction the copy holds on it, writing rows into a new file (a
PostgreSQL database's backup), and the online backup of a file while the bot may be using it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncGenerator, Sequence
from contextlib import closing
from pathlib import Path

from storage.errors import StorageError
from storage.sqlite.database import BUSY_TIMEOUT_MS, Connection, explain
from storage.transfer.plan import Row


class SqliteSide:
    """A SQLite file inside the transaction the copy holds on it (``storage.transfer.reading``)."""

    def __init__(self, connection: Connection, location: str) -> None:
        self._connection = connection
        self.location = location

    async def rows(self, sql: str) -> list[Row]:
        return [tuple(row) for row in await self._connection.execute_fetchall(sql)]

    async def batches(self, sql: str, size: int) -> AsyncGenerator[list[Row], None]:
        cursor = await self._connection.execute(sql)
        try:
            while rows := await cursor.fetchmany(size):
                yield [tuple(row) for row in rows]
        finally:
            await cursor.close()

    async def tables(self) -> set[str]:
        rows = await self._connection.execute_fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
        )
        return {str(row[0]) for row in rows}

    async def columns(self, table: str) -> tuple[str, ...]:
        # hidden: 0 for a stored column; 2 and 3 for generated ones, 1 for a virtual table's.
        rows = await self._connection.execute_fetchall(
            "SELECT name FROM pragma_table_xinfo(?) WHERE hidden = 0 ORDER BY cid", (table,)
        )
        return tuple(str(row[0]) for row in rows)

    async def id_counter(self, table: str) -> int:
        rows = await self._connection.execute_fetchall(
            "SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = ?", (table,)
        )
        return int(next(iter(rows))[0])


async def insert_rows(
    connection: Connection, table: str, columns: Sequence[str], rows: Sequence[Row]
) -> None:
    """Insert ``rows`` as they are, ids included (the file's triggers fill its search index and
    its topic counts as they go)."""
    names = ", ".join(columns)
    placeholders = ",".join("?" * len(columns))
    await connection.executemany(
        f"INSERT INTO {table} ({names}) VALUES ({placeholders})",  # noqa: S608
        rows,
    )


async def raise_id_counter(connection: Connection, table: str, last_id: int) -> None:
    """Make an AUTOINCREMENT table's next id follow ``last_id``, as it would had the file handed
    out that id itself (inserting rows with their ids only takes the counter to the highest one
    left). Other tables reuse the highest id once it is deleted, by SQLite's design: nothing to
    keep for them."""
    autoincrement = await connection.execute_fetchall(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ? "
        "AND sql LIKE '%AUTOINCREMENT%'",
        (table,),
    )
    if not autoincrement:
        return
    cursor = await connection.execute(
        "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?", (last_id, table)
    )
    if cursor.rowcount == 0 and last_id > 0:
        await connection.execute(
            "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, last_id)
        )


def online_backup(source: Path, target: Path) -> None:
    """Copy the file at ``source`` into ``target`` with SQLite's online backup, as one snapshot:
    consistent while the bot keeps writing (in WAL mode a reader never waits for a writer), and
    through a read-only connection, which cannot change the source."""
    try:
        with (
            closing(
                sqlite3.connect(
                    f"{source.resolve().as_uri()}?mode=ro",
                    uri=True,
                    timeout=BUSY_TIMEOUT_MS / 1000,
                )
            ) as reading,
            closing(sqlite3.connect(target)) as copy,
        ):
            reading.backup(copy)
    except sqlite3.Error as error:
        raise StorageError(f"cannot back up database {source}: {explain(error)}") from None
