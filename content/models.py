"""Records of the content domain, shared by ingestion, the store, the bot and the digests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class ArticleDraft:
    """An article as it arrives (pasted text, file or web page), before summary and tags.

    ``title`` and ``body`` are already normalised (``content.text.normalize_text``); ``body`` does
    not repeat the title.
    """

    title: str
    body: str
    source: str | None = None
    url: str | None = None
    published_on: date | None = None


@dataclass(frozen=True, slots=True)
class TopicMention:
    """A topic found in an article and how many times it is mentioned there."""

    key: str
    count: int


@dataclass(frozen=True, slots=True)
class Article:
    """A stored article: the draft plus what the pipeline and the store added."""

    id: int
    title: str
    body: str
    summary: str
    source: str | None
    url: str | None
    fingerprint: str
    published_on: date | None
    added_at: datetime
    added_by: str
    topics: tuple[TopicMention, ...]
    story_id: int | None = None
    """The story (event) the article belongs to: the id of the story's first article. Outlets
    copy each other; topic pages and digests show one article per story, its lead."""
    also: tuple[str, ...] = ()
    """The other outlets that covered the same story (« Aussi : RFI, APA »)."""

    @property
    def topic_keys(self) -> tuple[str, ...]:
        return tuple(mention.key for mention in self.topics)


@dataclass(frozen=True, slots=True)
class PreparedArticle:
    """A draft with its summary, topics and fingerprint: everything the store needs."""

    draft: ArticleDraft
    summary: str
    topics: tuple[TopicMention, ...]
    fingerprint: str
    story_keys: tuple[int, ...] = ()
    """Index keys of the article's text (``content.stories.story_keys``): the store finds the
    recent articles it may repeat through them."""


@dataclass(frozen=True, slots=True)
class AddedArticle:
    """The outcome of adding an article: the stored article, and whether it was already there."""

    article: Article
    duplicate: bool
