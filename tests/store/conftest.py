"""The store suite runs on both backends: each test that takes ``stores`` runs twice, on a real
SQLite file and on a real PostgreSQL database (``[sqlite]`` and ``[postgresql]`` in its id)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from core.clock import utc_now
from storage.backends import open_stores
from storage.settings import DatabaseSettings
from storage.stores import Stores

OpenAgain = Callable[[], Awaitable[Stores]]


@pytest.fixture
async def stores(database: DatabaseSettings) -> AsyncIterator[Stores]:
    """The stores of ``database``, upgraded to the current schema."""
    opened = await open_stores(database, utc_now)
    yield opened
    await opened.close()


@pytest.fixture
async def open_again(database: DatabaseSettings) -> AsyncIterator[OpenAgain]:
    """Open ``database`` once more, as a second process would; closed at the end."""
    opened: list[Stores] = []

    async def again() -> Stores:
        opened.append(await open_stores(database, utc_now))
        return opened[-1]

    yield again
    for each in opened:
        await each.close()
