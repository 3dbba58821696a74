"""The SQLite file every part of the bot shares: opening, migrations and transactions.

One writer connection sits behind an asyncio lock, so concurrent handlers and the digest job never
interleave their transactions and never see "database is locked" from each other; a second
connection serves reads, which WAL lets run while a write is in progress. Callers own their
transactions (``async with database.transaction() as tx``) and pass the connection to store
functions, which never commit on their own.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import aiosqlite

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5_000


class StorageError(Exception):
    """The database refused an operation (read-only file, disk full, corruption, lock timeout)."""


class DatabaseTooNew(StorageError):
    """The file was migrated by a newer version of the bot; opening it could corrupt it."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations() -> tuple[Migration, ...]:
    """Read the numbered ``content/migrations/NNNN_name.sql`` files, in order, without gaps."""
    folder = resources.files("content").joinpath("migrations")
    migrations = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number, _, rest = entry.name.partition("_")
            migrations.append(Migration(int(number), rest.removesuffix(".sql"), entry.read_text()))
    migrations.sort(key=lambda migration: migration.version)
    expected = list(range(1, len(migrations) + 1))
    if [migration.version for migration in migrations] != expected:
        raise RuntimeError(f"migrations must be numbered 1..N without gaps: {migrations}")
    return tuple(migrations)


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


async def migrate(connection: aiosqlite.Connection, migrations: tuple[Migration, ...]) -> int:
    """Apply the migrations the file lacks, each in its own transaction; return the version."""
    async with connection.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    current = int(row[0]) if row else 0
    latest = len(migrations)
    if current > latest:
        raise DatabaseTooNew(
            f"database schema version {current} is newer than this code knows ({latest}); "
            "upgrade the bot instead of opening this file with an older version"
        )
    for migration in migrations[current:]:
        script = (
            f"BEGIN IMMEDIATE;\n{migration.sql}\n"
            f"PRAGMA user_version = {migration.version};\nCOMMIT;"
        )
        try:
            await connection.executescript(script)
        except sqlite3.Error:
            if connection.in_transaction:
                await connection.execute("ROLLBACK")
            raise
        logger.info("Applied migration %04d_%s", migration.version, migration.name)
    return latest


class Database:
    """An opened, migrated database: a locked writer connection and a reader connection."""

    def __init__(
        self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection
    ) -> None:
        self.path = path
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> Database:
        """Open (creating if needed) and migrate the file at ``path``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            writer = await _connect(path)
        except sqlite3.Error as error:
            raise StorageError(f"cannot open database {path}: {error}") from error
        try:
            await writer.execute("PRAGMA journal_mode = WAL")
            await migrate(writer, load_migrations())
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

    @property
    def reader(self) -> aiosqlite.Connection:
        """The connection for queries; it sees every committed write."""
        return self._reader

    async def write(self, sql: str, params: tuple[object, ...] = ()) -> int:
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
