"""Records for pure tests (composition, rendering)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from content.models import Article, TopicMention


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
