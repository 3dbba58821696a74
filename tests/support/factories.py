"""Test doubles and data: a clock that only moves when told, records for pure tests, articles,
subscribers seeded straight into a store file, a sender that never sends."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from content.models import Article, TopicMention
from core.clock import utc_now
from digests.subscribers import NewSubscriber
from storage.backends import open_stores
from storage.settings import DatabaseSettings

ARTICLE = (
    "Niamey et Ouagadougou relancent la route du Sahel\n"
    "Les ministres du Niger et du Burkina Faso ont inauguré mardi à Niamey un corridor routier. "
    "Le projet, soutenu par l'Alliance des États du Sahel, doit relier les deux capitales. "
    "Les transporteurs nigériens saluent une décision attendue depuis des années."
)
"""An article an admin pastes after /ajouter (title on the first line)."""


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


def make_article(
    article_id: int,
    *,
    title: str = "Titre",
    summary: str = "Un résumé.",
    topics: tuple[str, ...] = ("mali",),
    published_on: date | None = None,
    added_at: datetime | None = None,
    url: str | None = None,
    source: str | None = "Sahel Matin",
    body: str = "Le corps de l'article.",
) -> Article:
    """An Article record for pure tests (composition, rendering)."""
    return Article(
        id=article_id,
        title=title,
        body=body,
        summary=summary,
        source=source,
        url=url,
        fingerprint=f"fp{article_id}",
        published_on=published_on,
        added_at=added_at or datetime(2025, 6, 23, 6, 0, tzinfo=UTC),
        added_by="test",
        topics=tuple(TopicMention(key, 2) for key in topics),
    )


def readers(
    chat_ids: Sequence[int],
    *,
    topics: tuple[str, ...] = ("mali",),
    all_topics: bool = False,
    delivery_time: time = time(7, 0),
    timezone: str = "Africa/Bamako",
    since: datetime | None = None,
) -> list[NewSubscriber]:
    """Private chats subscribed with the same settings."""
    return [
        NewSubscriber(
            chat_id=chat_id,
            chat_type="private",
            delivery_time=delivery_time,
            timezone=timezone,
            topics=() if all_topics else topics,
            all_topics=all_topics,
            subscribed_since=since,
        )
        for chat_id in chat_ids
    ]


async def seed_subscribers(
    database: Path | DatabaseSettings, subscribers: Sequence[NewSubscriber]
) -> None:
    """Subscribers written straight into a store (faster than hundreds of conversations),
    through the subscriber store of a connection of its own: a SQLite file, or any database."""
    settings = database if isinstance(database, DatabaseSettings) else DatabaseSettings(database)
    stores = await open_stores(settings, utc_now)
    try:
        await stores.subscribers.add_many(subscribers, utc_now())
    finally:
        await stores.close()


class NoSending:
    """The sender of set-up phases: nothing may leave while a store is being prepared."""

    async def send_html(self, chat_id: int, html: str) -> None:
        raise RuntimeError(f"nothing should be sent to chat {chat_id} while preparing a store")
