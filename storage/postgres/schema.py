"""Numbered schema upgrades on PostgreSQL, one series per store, as on SQLite.

Each store keeps its PostgreSQL schema next to its queries as a ``StoreSchema`` whose upgrades
are numbered like the SQLite store's (the same version means the same tables and columns, which
is what lets ``db migrate-to`` copy rows across). ``upgrade`` applies every missing upgrade in
one transaction: PostgreSQL's DDL is transactional, so a failed upgrade leaves nothing behind,
and an advisory lock makes replicas starting together wait for the first one instead of
applying an upgrade twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

import asyncpg

from storage.postgres import locks
from storage.postgres.database import PostgresDatabase
from storage.records import stamp
from storage.schema import StoreSchema, refuse_newer_versions

logger = logging.getLogger(__name__)


_VERSIONS_TABLE = """CREATE TABLE IF NOT EXISTS schema_versions (
    store       TEXT PRIMARY KEY,
    version     INTEGER NOT NULL CHECK (version > 0),
    upgraded_at TEXT NOT NULL
)"""


async def versions(database: PostgresDatabase) -> dict[str, int]:
    """Each store's version, read only ({} for an empty database)."""
    rows = await database.rows("SELECT to_regclass('schema_versions') IS NOT NULL")
    if not rows[0][0]:
        return {}
    rows = await database.rows("SELECT store, version FROM schema_versions")
    return {str(row[0]): int(row[1]) for row in rows}


async def refuse_newer(database: PostgresDatabase, schemas: Sequence[StoreSchema]) -> None:
    """Raise ``DatabaseTooNew`` for a database a newer bot wrote, before anything changes."""
    refuse_newer_versions(await versions(database), schemas)


async def upgrade(
    database: PostgresDatabase, schemas: Sequence[StoreSchema], now: datetime
) -> dict[str, int]:
    """Bring every store up to date in one transaction; return each store's version."""
    async with database.transaction() as tx:
        await tx.execute("SELECT pg_advisory_xact_lock($1)", locks.UPGRADE)
        await tx.execute(_VERSIONS_TABLE)
        current = await _versions(tx)
        refuse_newer_versions(current, schemas)
        for schema in schemas:
            for step in schema.upgrades[current.get(schema.store, 0) :]:
                await tx.execute(step.sql)
                await tx.execute(
                    "INSERT INTO schema_versions (store, version, upgraded_at) VALUES ($1, $2, $3) "
                    "ON CONFLICT (store) DO UPDATE SET version = excluded.version, "
                    "upgraded_at = excluded.upgraded_at",
                    schema.store,
                    step.version,
                    stamp(now),
                )
                logger.info("Upgraded %s to %d: %s", schema.store, step.version, step.description)
            current[schema.store] = schema.latest
    return current


async def _versions(tx: asyncpg.Connection) -> dict[str, int]:
    rows = await tx.fetch("SELECT store, version FROM schema_versions")
    return {str(row[0]): int(row[1]) for row in rows}
