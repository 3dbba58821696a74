"""Numbered schema upgrades, one series per store, recorded in the database itself.

Each store keeps its schema next to its queries as a ``StoreSchema``: upgrades numbered 1..N,
each a SQL script. ``upgrade`` applies, store by store in the order given, the upgrades a file
lacks, each in its own transaction that also records the store's new version in
``schema_versions``; the version is read again inside that transaction, so two processes opening
a new file at once cannot apply an upgrade twice. A file that knows a store this code does not, or
a version beyond this code's, was written by a newer bot and is refused.

Files written before stores had their own series numbered one global sequence in
``PRAGMA user_version`` (1: articles; 2: subscribers and deliveries; 3: topic counts). They are
read as the store versions they amount to, then ``user_version`` is set to ``USER_VERSION_MARK``
so that a bot from before this layout refuses the file instead of misreading it.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import datetime

import aiosqlite

from storage.errors import DatabaseTooNew
from storage.schema import StoreSchema, refuse_newer_versions
from storage.sqlite.database import SqliteDatabase, stamp

logger = logging.getLogger(__name__)

USER_VERSION_MARK = 100
"""``PRAGMA user_version`` of a file whose versions are in ``schema_versions``."""
LEGACY_VERSIONS: dict[int, dict[str, int]] = {
    1: {"articles": 1},
    2: {"articles": 1, "subscribers": 1, "deliveries": 1},
    3: {"articles": 2, "subscribers": 1, "deliveries": 1},
}
"""What each ``user_version`` of the single-sequence layout amounts to, store by store."""

_VERSIONS_TABLE = """CREATE TABLE IF NOT EXISTS schema_versions (
    store       TEXT PRIMARY KEY,
    version     INTEGER NOT NULL CHECK (version > 0),
    upgraded_at TEXT NOT NULL
) WITHOUT ROWID"""


def statements(script: str) -> Iterator[str]:
    """Split a SQL script into whole statements (a trigger's ``BEGIN … END`` stays one), so an
    upgrade can run inside a transaction that also checks and records its version."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            if pending.strip():
                yield pending.strip()
            pending = ""
    if pending.strip() and not all(
        line.strip().startswith("--") or not line.strip() for line in pending.splitlines()
    ):
        raise ValueError(f"incomplete SQL statement at the end of an upgrade: {pending[:80]!r}")


async def upgrade(
    database: SqliteDatabase, schemas: Sequence[StoreSchema], now: datetime
) -> dict[str, int]:
    """Bring every store of the file up to date; return each store's version."""
    async with database.transaction() as tx:
        await _adopt_legacy_layout(tx, now)
    versions = await _versions(database)
    refuse_newer_versions(versions, schemas)
    for schema in schemas:
        for step in schema.upgrades[versions.get(schema.store, 0) :]:
            async with database.transaction() as tx:
                if await _version(tx, schema.store) >= step.version:
                    continue  # another process applied it meanwhile
                for statement in statements(step.sql):
                    await tx.execute(statement)
                await tx.execute(
                    "INSERT INTO schema_versions (store, version, upgraded_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (store) DO UPDATE SET version = excluded.version, "
                    "upgraded_at = excluded.upgraded_at",
                    (schema.store, step.version, stamp(now)),
                )
            logger.info("Upgraded %s to %d: %s", schema.store, step.version, step.description)
        versions[schema.store] = schema.latest
    return versions


async def refuse_newer(database: SqliteDatabase, schemas: Sequence[StoreSchema]) -> None:
    """Raise ``DatabaseTooNew`` for a file a newer bot wrote, reading only: such a file must be
    left exactly as it is. (``upgrade`` checks again inside its transactions.)

    ``user_version`` is read first: another process may be upgrading the file between the two
    reads, and the mark it sets comes with ``schema_versions`` in one commit. Read the other way
    round, a file found without the table, then with the mark, was refused as too new."""
    (user_version,) = next(iter(await database.rows("PRAGMA user_version")))
    tables = await database.rows(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_versions'"
    )
    if tables:
        refuse_newer_versions(await _versions(database), schemas)
        return
    _refuse_newer_layout(int(user_version))


def _refuse_newer_layout(user_version: int) -> None:
    if user_version not in LEGACY_VERSIONS and user_version != 0:
        raise DatabaseTooNew(
            f"database schema version {user_version} is newer than this code knows; "
            "upgrade the bot instead of opening this file with an older version"
        )


async def _adopt_legacy_layout(tx: aiosqlite.Connection, now: datetime) -> None:
    """Create ``schema_versions``; in a file of the single-sequence layout, fill it."""
    rows = await tx.execute_fetchall(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_versions'"
    )
    if rows:
        return
    (user_version,) = next(iter(await tx.execute_fetchall("PRAGMA user_version")))
    _refuse_newer_layout(user_version)
    await tx.execute(_VERSIONS_TABLE)
    for store, version in LEGACY_VERSIONS.get(user_version, {}).items():
        await tx.execute(
            "INSERT INTO schema_versions (store, version, upgraded_at) VALUES (?, ?, ?)",
            (store, version, stamp(now)),
        )
    await tx.execute(f"PRAGMA user_version = {USER_VERSION_MARK}")


async def _versions(database: SqliteDatabase) -> dict[str, int]:
    rows = await database.rows("SELECT store, version FROM schema_versions")
    return {str(row[0]): int(row[1]) for row in rows}


async def _version(tx: aiosqlite.Connection, store: str) -> int:
    rows = list(
        await tx.execute_fetchall("SELECT version FROM schema_versions WHERE store = ?", (store,))
    )
    return int(rows[0][0]) if rows else 0
