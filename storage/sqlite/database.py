"""One SQLite file: its connections, its pragmas and its transactions.

One writer connection sits behind an asyncio lock, so concurrent handlers and the digest job never
interleave their transactions and never see "database is locked" from each other; a second
connection serves reads, which WAL lets run while a write is in progress. Stores open write
transactions with ``transaction()`` (or ``write()`` for a single statement) and read through
``fetch()``; nothing outside ``storage`` sees a connection.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

import aiosqlite

from storage.errors import StorageError

BUSY_TIMEOUT_MS = 5_000
WAL_ATTEMPTS = 100
Row = aiosqlite.Row
Connection = aiosqlite.Connection


async def _configure(connection: aiosqlite.Connection) -> None:
    connection.row_factory = aiosqlite.Row
    await connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    await connection.execute("PRAGMA foreign_keys = ON")
    await connection.execute("PRAGMA synchronous = NORMAL")


async def _connect(path: Path) -> aiosqlite.Connection:
    # isolation_level=None: the sqlite3 module must not open transactions behind our back;
    # transaction() issues BEGIN IMMEDIATE itself.
    connection = await aiosqlite.connect(path, isolation_level=None)
    try:
        await _configure(connection)
    except BaseException:
        await connection.close()
        raise
    return connection


async def _use_wal(connection: aiosqlite.Connection) -> None:
    """Switch the file to WAL, which lets readers run while a write is in progress.

    The switch needs the file to itself for an instant: when another process opens a new file at
    the same moment, SQLite answers "locked" at once, without waiting out the busy timeout. Try
    again for up to the busy timeout (a file already in WAL mode switches at once).
    """
    for attempt in range(WAL_ATTEMPTS):
        try:
            await connection.execute_fetchall("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == WAL_ATTEMPTS - 1:
                raise
            await asyncio.sleep(BUSY_TIMEOUT_MS / 1000 / WAL_ATTEMPTS)


def stamp(moment: datetime) -> str:
    """How instants are stored: ISO 8601 to the second, with the UTC offset."""
    return moment.isoformat(timespec="seconds")


class SqliteDatabase:
    """An opened database file: a locked writer connection and a reader connection."""

    def __init__(
        self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection
    ) -> None:
        self.path = path
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> SqliteDatabase:
        """Open (creating if needed) the file at ``path`` in WAL mode; the schema is the
        caller's (``storage.sqlite.schema``)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            writer = await _connect(path)
        except sqlite3.Error as error:
            raise StorageError(f"cannot open database {path}: {error}") from error
        try:
            await _use_wal(writer)
            reader = await _connect(path)
        except BaseException as error:
            await writer.close()
            if isinstance(error, sqlite3.Error):
                raise StorageError(f"cannot prepare database {path}: {error}") from error
            raise
        return cls(path, writer, reader)

    async def close(self) -> None:
        async with self._write_lock:
            await self._reader.close()
            await self._writer.close()

    async def rows(
        self,
        sql: str,
        params: Sequence[object] = (),
        *,
        connection: aiosqlite.Connection | None = None,
    ) -> list[aiosqlite.Row]:
        """Run one query and fetch all its rows in a single trip to the database thread (an
        ``async with execute`` then ``fetchall`` takes three, and the wait for the thread costs
        more than most of our queries). Reads go through the reader connection, which sees every
        committed write, unless a transaction passes its own ``connection``."""
        return list(await (connection or self._reader).execute_fetchall(sql, params))

    async def write(self, sql: str, params: Sequence[object] = ()) -> int:
        """Run one write statement as its own transaction; return the number of rows changed.

        A single statement is atomic in SQLite, so hot paths (confirming a delivery) skip the
        three round trips of BEGIN, statement, COMMIT. The cursor is not closed: a finished
        write statement holds nothing, and closing it would be one more trip to the database
        thread per message sent.
        """
        async with self._write_lock:
            try:
                cursor = await self._writer.execute(sql, params)
            except sqlite3.Error as error:
                raise StorageError(f"write failed: {error}") from error
            return cursor.rowcount

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run a block as one write transaction: committed on success, rolled back on any error.

        SQLite errors surface as :class:`StorageError`, so callers can tell "the database said no"
        from a bug.
        """
        async with self._write_lock:
            try:
                await self._writer.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as error:
                raise StorageError(f"cannot start a write transaction: {error}") from error
            try:
                yield self._writer
                await self._writer.execute("COMMIT")
            except BaseException as error:
                if self._writer.in_transaction:
                    await self._writer.execute("ROLLBACK")
                if isinstance(error, sqlite3.Error):
                    raise StorageError(f"write failed and was rolled back: {error}") from error
                raise
