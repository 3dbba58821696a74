"""Composing a reader's daily digest: data in, HTML messages out.

Pure: no clock, no database. The caller says which day it is and hands over, for each subscribed
topic, the candidate articles; the composer picks, deduplicates, orders and lays them out. Given
the same input it returns the same text, which lets the delivery path re-compose an interrupted
digest identically after a restart and lets subscribers with the same topics share one text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from content.models import Article
from content.topics import TopicCatalog
from ui import french
from ui.cards import article_card
from ui.messages import MESSAGE_LIMIT, pack_blocks

CONTINUATION_ROOM = 120
"""Units kept free in every part for the « (suite 2/3) » headline of continuation messages."""


@dataclass(frozen=True, slots=True)
class TopicArticles:
    """Candidate articles for one subscribed topic (any order; more than needed is fine)."""

    topic_key: str
    articles: Sequence[Article]


@dataclass(frozen=True, slots=True)
class PlacedArticle:
    article: Article
    also_on: tuple[str, ...]
    """The reader's other subscribed topics this article is also about."""


@dataclass(frozen=True, slots=True)
class DigestSection:
    topic_key: str
    entries: tuple[PlacedArticle, ...]


@dataclass(frozen=True, slots=True)
class Digest:
    day: date
    messages: tuple[str, ...]
    article_ids: tuple[int, ...]

    @property
    def is_empty(self) -> bool:
        return not self.article_ids


def newest_first(articles: Sequence[Article]) -> list[Article]:
    return sorted(articles, key=lambda a: (a.published_on or a.added_at.date(), a.id), reverse=True)


def arrange(sections: Sequence[TopicArticles], *, max_per_topic: int) -> list[DigestSection]:
    """Pick at most ``max_per_topic`` articles per topic, newest first; a story on several
    subscribed topics appears once, under the first of them, naming the others (each topic may
    show the story by another of its articles: the one tagged with it)."""
    subscribed = [section.topic_key for section in sections]
    placed: set[int] = set()
    arranged = []
    for section in sections:
        entries: list[PlacedArticle] = []
        for article in newest_first(section.articles):
            if len(entries) == max_per_topic:
                break
            story = article.story_id or article.id
            if story in placed:
                continue
            placed.add(story)
            others = tuple(
                key for key in subscribed if key != section.topic_key and key in article.topic_keys
            )
            entries.append(PlacedArticle(article, others))
        if entries:
            arranged.append(DigestSection(section.topic_key, tuple(entries)))
    return arranged


def compose_digest(
    day: date,
    sections: Sequence[TopicArticles],
    catalog: TopicCatalog,
    *,
    max_per_topic: int,
    send_when_empty: bool = False,
) -> Digest:
    """The digest for ``day`` as Telegram messages (none when empty, unless asked for)."""
    arranged = arrange(sections, max_per_topic=max_per_topic)
    article_ids = tuple(entry.article.id for part in arranged for entry in part.entries)
    if not article_ids:
        empty = (french.DIGEST_NOTHING_NEW.format(date=french.long_date(day)),)
        return Digest(day, empty if send_when_empty else (), ())
    headline = french.DIGEST_HEADLINE.format(date=french.long_date(day))
    blocks = [f"{headline}\n{escape(french.digest_intro(len(article_ids)))}"]
    for part in arranged:
        topic = catalog.get(part.topic_key)
        label = topic.label if topic else part.topic_key
        cards = [article_card(e.article, catalog, also_on=e.also_on) for e in part.entries]
        # The topic heading travels with its first card, so it never ends a message alone.
        blocks.append(f"<b>▎{escape(label)}</b>\n\n{cards[0]}")
        blocks.extend(cards[1:])
    blocks.append(french.DIGEST_FOOTER)
    messages = pack_blocks(blocks, limit=MESSAGE_LIMIT - CONTINUATION_ROOM)
    return Digest(day, _number_continuations(day, messages), article_ids)


def _number_continuations(day: date, messages: list[str]) -> tuple[str, ...]:
    total = len(messages)
    if total == 1:
        return (messages[0],)
    numbered = [messages[0]]
    for index, message in enumerate(messages[1:], start=2):
        heading = french.DIGEST_CONTINUED.format(
            date=french.long_date(day), part=index, total=total
        )
        numbered.append(f"{heading}\n\n{message}")
    return tuple(numbered)


class Composer:
    """Composes digests for one catalog, remembering each distinct one.

    Thousands of readers share a few dozen topic sets: readers with the same topics and the same
    new articles get one text, composed once per run.
    """

    MAX_REMEMBERED = 4096

    def __init__(self, catalog: TopicCatalog, *, max_per_topic: int) -> None:
        self._catalog = catalog
        self._max_per_topic = max_per_topic
        self._remembered: dict[object, Digest] = {}

    def compose(
        self, day: date, sections: Sequence[TopicArticles], *, send_when_empty: bool
    ) -> Digest:
        key = (
            day,
            send_when_empty,
            tuple((s.topic_key, tuple(a.id for a in s.articles)) for s in sections),
        )
        digest = self._remembered.get(key)
        if digest is None:
            digest = compose_digest(
                day,
                sections,
                self._catalog,
                max_per_topic=self._max_per_topic,
                send_when_empty=send_when_empty,
            )
            if len(self._remembered) >= self.MAX_REMEMBERED:
                self._remembered.clear()
            self._remembered[key] = digest
        return digest
