"""What the content side needs from storage: the article store's interface.

The library (``content.library``) is written against this Protocol only; ``storage`` implements it
for each database backend. Every method is one transaction of the storage layer, so an article is
never half-stored, whatever the backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from content.models import AddedArticle, Article, PreparedArticle


class StaleStorySearch(Exception):
    """An article sharing story keys arrived after the caller looked for the new article's
    story: the search must be made again (``ArticleStore.add``)."""


class ArticleStore(Protocol):
    async def add(
        self,
        prepared: PreparedArticle,
        *,
        added_at: datetime,
        added_by: str,
        story_id: int | None = None,
        searched_up_to: int | None = None,
    ) -> AddedArticle:
        """Store ``prepared`` with its topics and story keys, unless an article with the same
        text (fingerprint) or the same URL is there already; return the stored article either
        way. A new article joins story ``story_id`` (or starts its own), and the story's lead is
        chosen again, in the same transaction.

        ``searched_up_to`` is the newest article id there was when the caller looked for the
        story: if a newer article shares story keys with this one (another process stored it
        meanwhile), nothing is stored and ``StaleStorySearch`` is raised, to look again."""
        ...

    async def update(self, article_id: int, prepared: PreparedArticle) -> Article | None:
        """Replace a stored article's text, summary, topics and story keys (a feed's outlet
        edited it); None when it is gone or the new text is another article's."""
        ...

    async def story_candidates(self, keys: Sequence[int], *, since: datetime) -> list[Article]:
        """Articles added since ``since`` sharing story keys with ``keys``, those sharing the
        most first: the few a new article may repeat."""
        ...

    async def delete(self, article_id: int) -> bool:
        """Delete an article (its topics and index entries follow); tell whether it existed."""
        ...

    async def get_many(self, article_ids: Sequence[int]) -> list[Article]:
        """The articles still stored among ``article_ids``, in that order."""
        ...

    async def latest(
        self, *, topic: str | None = None, limit: int, offset: int = 0, one_per_story: bool = True
    ) -> list[Article]:
        """Newest first (publication day, then arrival), optionally on one topic; each story
        once, by its lead, unless ``one_per_story`` is False (every article)."""
        ...

    async def search(
        self, terms: Sequence[str], *, limit: int, offset: int = 0, any_term: bool = False
    ) -> list[Article]:
        """Accent-insensitive full-text search for every term (or any), best matches first;
        terms of four letters or more also match longer words (« russe » finds « russes »)."""
        ...

    async def topic_counts(self) -> dict[str, int]:
        """How many stories each topic has (topics without any are absent)."""
        ...

    async def count(self, *, one_per_story: bool = False) -> int:
        """How many articles, or how many stories."""
        ...

    async def newest_id(self) -> int:
        """The highest id ever given, deleted articles included (0 for a new store): digests
        count "new" from there, so ids are never reused."""
        ...

    async def newest_id_before(self, moment: datetime) -> int:
        """The highest id of an article added at or before ``moment`` (0 if none): what the
        store's newest id was then, for a digest as it stood on another day."""
        ...

    async def newest_on_topic(
        self,
        topic: str,
        *,
        after_id: int,
        up_to_id: int,
        added_since: datetime | None,
        limit: int,
    ) -> list[int]:
        """Ids of the leads of the newest stories on ``topic`` whose first article has
        ``after_id < id <= up_to_id`` (and, when given, lead added since ``added_since``),
        newest first: the raw material of a digest, each event once."""
        ...
