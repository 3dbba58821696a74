"""Choosing the backend the configuration names, and opening its stores."""

from __future__ import annotations

from core.clock import Clock
from storage.settings import DatabaseSettings
from storage.sqlite import open_sqlite
from storage.stores import Stores


async def open_stores(settings: DatabaseSettings, clock: Clock) -> Stores:
    """Open the configured database, upgraded to this code's schema: PostgreSQL when
    ``[database] url`` is set, the SQLite file at ``path`` otherwise."""
    if settings.backend == "postgresql":
        from storage.postgres import open_postgres  # asyncpg is loaded only when used

        return await open_postgres(settings.url, clock, pool_size=settings.pool_size)
    return await open_sqlite(settings.path, clock)
