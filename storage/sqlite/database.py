"""One SQLite file: its connections, its pragmas and its transactions.

One writer connection sits behind an asyncio lock, so concurrent handlers and the digest job never
interleave their transactions and never see "database is locked" from each other; a second
connection serves reads, which WAL lets run while a write is in progress. Stores open write
transactions with ``transaction()`` (or ``write()`` for a single statement) and read through
``fetch()``; nothing outside ``storage`` sees a connection.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from storage.errors import StorageError
from storage.records import stamp

__all__ = ["Connection", "Row", "SqliteDatabase", "explain", "stamp"]

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
    connection = aiosqlite.connect(path, isolation_level=None)
    try:
        await connection
    except BaseException:
        # aiosqlite stops its worker thread on a failed connect without waiting for it: were the
        # event loop closed first, the thread would die printing a traceback. Wait for it.
        await asyncio.to_thread(connection._thread.join, BUSY_TIMEOUT_MS / 1000)
        raise
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


async def _check_writable(connection: aiosqlite.Connection) -> None:
    """Try a write now, rolled back so that the file is untouched.

    SQLite opens a read-only file, folder or volume without a word and reads it; the refusal
    would come at the first write, in the middle of the bot's work (a digest recorded, an
    article half-way through a batch). Better one clear line at start.
    """
    await connection.execute("BEGIN IMMEDIATE")
    try:
        await connection.execute("CREATE TABLE main.write_check (x)")
    finally:
        await connection.execute("ROLLBACK")


def _check_location(path: Path) -> None:
    """Refuse what SQLite would describe poorly ("unable to open database file") or not at all.

    A missing folder is not created: a typo in the path, or a volume that is not mounted, would
    otherwise start the bot on a new, empty database.
    """
    folder = path.parent
    if path.is_dir():
        raise StorageError(f"database {path} is a folder, not a database file")
    if not folder.is_dir():
        raise StorageError(
            f"cannot open database {path}: its folder {folder} does not exist "
            "(create it, or correct the path)"
        )
    if path.exists() and not os.access(path, os.R_OK):
        raise StorageError(f"cannot open database {path}: permission denied (reading it)")
    if path.exists() and not os.access(path, os.W_OK):
        raise StorageError(f"database {path} is read-only: the bot must be able to write to it")
    if not path.exists() and not os.access(folder, os.W_OK | os.X_OK):
        raise StorageError(f"cannot create database {path}: its folder {folder} is read-only")


_MEANINGS = {
    "SQLITE_BUSY": f"another process has held it locked for more than {BUSY_TIMEOUT_MS // 1000} s",
    "SQLITE_LOCKED": "another connection holds it locked",
    "SQLITE_READONLY": "it is read-only: the file, its folder or the disk refuses writes",
    "SQLITE_CANTOPEN": "the file (or its -wal and -shm companions) cannot be opened",
    "SQLITE_PERM": "permission denied",
    "SQLITE_NOTADB": "it is not a SQLite database file",
    "SQLITE_CORRUPT": "the file is damaged: restore it from a backup",
    "SQLITE_FULL": "the disk is full",
    "SQLITE_IOERR": "the disk failed to read or write (full, failing or removed?)",
}
"""What SQLite's primary error codes mean for whoever runs the bot."""


def explain(error: sqlite3.Error) -> str:
    """SQLite's message, led by what it means to an operator when the error code says so."""
    name = getattr(error, "sqlite_errorname", None) or ""
    meaning = _MEANINGS.get("_".join(name.split("_")[:2]))
    return f"{meaning} ({error})" if meaning else str(error)


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
    async def open(cls, path: Path, *, wal: bool = True) -> SqliteDatabase:
        """Open (creating if needed, in a folder that exists) the file at ``path``, checked to
        accept writes, and switch it to WAL mode unless ``wal`` is False (the caller then calls
        ``use_wal`` once it knows the file is one it may change). The schema is the caller's
        (``storage.sqlite.schema``)."""
        _check_location(path)
        try:
            writer = await _connect(path)
        except sqlite3.Error as error:
            raise StorageError(f"cannot open database {path}: {explain(error)}") from error
        try:
            await _check_writable(writer)
            reader = await _connect(path)
        except BaseException as error:
            await writer.close()
            if isinstance(error, sqlite3.Error):
                raise StorageError(f"cannot open database {path}: {explain(error)}") from error
            raise
        database = cls(path, writer, reader)
        if wal:
            try:
                await database.use_wal()
            except BaseException:
                await database.close()
                raise
        return database

    async def use_wal(self) -> None:
        """Switch the file to WAL mode (it stays so: a file property, kept across opens)."""
        try:
            await _use_wal(self._writer)
        except sqlite3.Error as error:
            raise StorageError(f"cannot open database {self.path}: {explain(error)}") from error

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
        try:
            return list(await (connection or self._reader).execute_fetchall(sql, params))
        except sqlite3.Error as error:
            if connection is not None:
                raise  # the transaction's own handling reports it, and rolls back
            raise StorageError(f"cannot read database {self.path}: {explain(error)}") from error

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
                raise StorageError(
                    f"cannot write to database {self.path}: {explain(error)}; nothing was changed"
                ) from error
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
                raise StorageError(
                    f"cannot write to database {self.path}: {explain(error)}"
                ) from error
            try:
                yield self._writer
                await self._writer.execute("COMMIT")
            except BaseException as error:
                if self._writer.in_transaction:
                    await self._writer.execute("ROLLBACK")
                if isinstance(error, sqlite3.Error):
                    raise StorageError(
                        f"cannot write to database {self.path}: {explain(error)}; "
                        "nothing of this change was kept"
                    ) from error
                raise
