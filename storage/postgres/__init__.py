"""The stores on a PostgreSQL server: for replicas, several bot processes sharing one database.

Each store mirrors its SQLite twin table for table and column for column (``storage.records``
says how values are written), in PostgreSQL's dialect: identity columns, ``FOR UPDATE SKIP
LOCKED`` claims, PL/pgSQL triggers, and a ``tsvector`` over accent-folded text for search.
"""

from __future__ import annotations

from core.clock import Clock
from storage.postgres import (
    articles,
    articles_schema,
    coordination,
    deliveries,
    feeds,
    subscribers,
)
from storage.postgres.database import PostgresDatabase
from storage.postgres.schema import refuse_newer, upgrade
from storage.schema import StoreSchema
from storage.stores import Stores

SCHEMAS: tuple[StoreSchema, ...] = (
    articles_schema.SCHEMA,
    subscribers.SCHEMA,
    deliveries.SCHEMA,
    feeds.SCHEMA,
    coordination.SCHEMA,
)
"""In the order they are upgraded: deliveries refer to subscribers."""


async def open_postgres(url: str, clock: Clock, *, pool_size: int = 10) -> Stores:
    """Connect to the database at ``url``, bring its schema up to date and return its stores."""
    database = await PostgresDatabase.open(url, pool_size=pool_size)
    try:
        await refuse_newer(database, SCHEMAS)
        await upgrade(database, SCHEMAS, clock())
    except BaseException:
        await database.close()
        raise
    return stores_on(database)


def stores_on(database: PostgresDatabase) -> Stores:
    """The stores of an open, upgraded database; closing them gives up the polling right and
    closes the pool."""
    polling = coordination.PostgresPollingRight(database)

    async def close() -> None:
        await polling.release()
        await database.close()

    return Stores(
        articles=articles.PostgresArticleStore(database),
        subscribers=subscribers.PostgresSubscriberStore(database),
        deliveries=deliveries.PostgresDeliveryStore(database),
        feeds=feeds.PostgresFeedStore(database),
        updates=coordination.PostgresUpdateLog(database),
        location=database.location,
        close=close,
        send_slots=coordination.PostgresSendSlots(database),
        polling=polling,
    )
