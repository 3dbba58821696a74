"""Fixtures shared by the whole suite: a stoppable clock, the topic catalog, a real database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from content.storage import Database
from content.topics import TopicCatalog, load_topics

SEED_FILE = Path(__file__).resolve().parents[1] / "content" / "seed" / "mali-russie-aes.txt"


@dataclass
class FakeClock:
    """Time that only moves when a test says so."""

    now: datetime = field(default_factory=lambda: datetime(2025, 6, 23, 5, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def catalog() -> TopicCatalog:
    return load_topics()


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = await Database.open(tmp_path / "test.db")
    yield db
    await db.close()
