"""Test doubles: a clock that only moves when told, records for pure tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from content.models import Article, TopicMention


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
