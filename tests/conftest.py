"""Fixtures shared by the whole suite: a stoppable clock, the topic catalog, a real database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from content.topics import TopicCatalog, load_topics
from core.clock import utc_now
from fake_bot_api import LocalBotApi
from storage.settings import DatabaseSettings
from storage.sqlite import open_sqlite
from storage.stores import Stores
from tests.support.factories import FakeClock
from tests.support.harness import BotHarness, bot_config
from tests.support.postgres import PostgresServer, running_postgres

SEED_FILE = Path(__file__).resolve().parents[1] / "content" / "seed" / "mali-russie-aes.txt"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def catalog() -> TopicCatalog:
    return load_topics()


@pytest.fixture
async def stores(tmp_path: Path) -> AsyncIterator[Stores]:
    """The stores of a real SQLite file, upgraded to the current schema."""
    opened = await open_sqlite(tmp_path / "test.db", utc_now)
    yield opened
    await opened.close()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL server for the whole session, started on first use. Skipped only where
    pgserver cannot be installed; CI installs it with the test extra, so CI runs these tests."""
    pytest.importorskip("pgserver", reason="no PostgreSQL server can be installed here")
    with running_postgres() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> DatabaseSettings:
    """A new, empty database of each backend: a test taking it runs twice (``[sqlite]`` and
    ``[postgresql]`` in its id)."""
    if request.param == "sqlite":
        return DatabaseSettings(path=tmp_path / "test.db")
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return DatabaseSettings(url=await server.new_database(), pool_size=4)


@pytest.fixture
async def api() -> AsyncIterator[LocalBotApi]:
    """The local Bot API server on a free port of 127.0.0.1."""
    async with LocalBotApi() as server:
        yield server


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked ``both_backends`` that take ``bot`` run twice: on a SQLite file and on a
    PostgreSQL database."""
    marked = metafunc.definition.get_closest_marker("both_backends")
    if marked and "bot_database" in metafunc.fixturenames:
        metafunc.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
async def bot_database(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Path | str:
    """A new database of the test's backend: a file path, or a PostgreSQL URL."""
    if backend == "sqlite":
        return tmp_path / "bot.db"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return await server.new_database()


@pytest.fixture
async def bot(
    api: LocalBotApi, bot_database: Path | str, clock: FakeClock
) -> AsyncIterator[BotHarness]:
    """The real bot, polling the local server, on a fresh database with the seed loaded."""
    harness = BotHarness(api, bot_config(api, bot_database), clock)
    await harness.start()
    yield harness
    await harness.stop()
