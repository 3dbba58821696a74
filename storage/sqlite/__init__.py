"""The stores on one SQLite file (the default backend: embedded, nothing to run)."""

from __future__ import annotations

from pathlib import Path

from core.clock import Clock
from storage.schema import StoreSchema
from storage.sqlite import (
    articles,
    articles_schema,
    coordination,
    deliveries,
    feeds,
    subscribers,
)
from storage.sqlite.database import SqliteDatabase
from storage.sqlite.schema import refuse_newer, upgrade
from storage.stores import Stores

SCHEMAS: tuple[StoreSchema, ...] = (
    articles_schema.SCHEMA,
    subscribers.SCHEMA,
    deliveries.SCHEMA,
    feeds.SCHEMA,
    coordination.SCHEMA,
)
"""In the order they are upgraded: deliveries refer to subscribers."""


async def open_sqlite(path: Path, clock: Clock) -> Stores:
    """Open the file at ``path`` (created if needed), bring its schema up to date and return its
    stores."""
    # A file written by a newer bot is refused before anything in it changes (WAL mode included).
    database = await SqliteDatabase.open(path, wal=False)
    try:
        await refuse_newer(database, SCHEMAS)
        await database.use_wal()
        await upgrade(database, SCHEMAS, clock())
    except BaseException:
        await database.close()
        raise
    return stores_on(database)


def stores_on(database: SqliteDatabase) -> Stores:
    """The stores of an open, upgraded database; closing them closes it."""
    return Stores(
        articles=articles.SqliteArticleStore(database),
        subscribers=subscribers.SqliteSubscriberStore(database),
        deliveries=deliveries.SqliteDeliveryStore(database),
        feeds=feeds.SqliteFeedStore(database),
        updates=coordination.SqliteUpdateLog(database),
        location=str(database.path),
        close=database.close,
    )
