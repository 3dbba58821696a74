"""The content service: what the bot, the digests and the command line ask of the article side.

It runs the pure pipeline (summary, topics, fingerprint) before anything reaches the store, so a
refused or failing article leaves nothing half-written behind; the store (``content.store``) makes
each write one transaction. The clock is injected, so tests can stop time.
"""

from __future__ import annotations

import asyncio
import logging
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from importlib import resources

from content.ingestion import draft_from_text
from content.models import AddedArticle, Article, ArticleDraft, PreparedArticle
from content.pipeline import ArticlePipeline
from content.search import search_terms
from content.store import ArticleStore, StaleStorySearch
from content.stories import STORY_WINDOW, StoryPrint, likeness, same_event, story_keys, story_print
from core.clock import Clock

logger = logging.getLogger(__name__)

SEED_INDEX = "index.toml"
STORY_SEARCH_ATTEMPTS = 3
"""Searches for a new article's story when other processes keep storing copies meanwhile; the
last one stores the article whatever arrived."""
CACHED_ARTICLES = 2048
"""Articles kept in memory for the digest fan-out (a few MB): thousands of readers get the same
few articles, and reading them back from the database for every message cost a third of the
fan-out's CPU (bench/fanout.py)."""


@dataclass(frozen=True, slots=True)
class SearchResult:
    articles: list[Article]
    terms: list[str]
    broadened: bool
    """True when no article had every word and the result lists articles with any of them."""


@dataclass(frozen=True, slots=True)
class Candidates:
    """The raw material of a digest: new article ids per topic, newest first, and the newest id
    the selection could see (what the reader's watermark moves to)."""

    ids_by_topic: dict[str, list[int]]
    newest_id: int


@dataclass(frozen=True, slots=True)
class ReadyArticle:
    """An article summarised, tagged and fingerprinted, with the print its story is found by:
    everything but storing it."""

    prepared: PreparedArticle
    story: StoryPrint


def ready_article(
    pipeline: ArticlePipeline,
    draft: ArticleDraft,
    *,
    summary: str | None = None,
    topic_keys: tuple[str, ...] | None = None,
    extra_topics: tuple[str, ...] = (),
) -> ReadyArticle:
    """The CPU work of adding an article, pure: it can run in another process."""
    prepared = pipeline.prepare(
        draft, summary=summary, topic_keys=topic_keys, extra_topics=extra_topics
    )
    story = story_print(draft.title, draft.body)
    return ReadyArticle(replace(prepared, story_keys=story_keys(story)), story)


class Library:
    def __init__(self, store: ArticleStore, pipeline: ArticlePipeline, clock: Clock) -> None:
        self.store = store
        self.pipeline = pipeline
        self.catalog = pipeline.catalog
        self._clock = clock
        # A cached article stays right until it is deleted or edited, or its story gains a
        # member (its « Aussi » changes): all of these go through this class, which forgets the
        # cache then. Another process's additions show at the next digest run, which starts
        # with an empty cache (``forget_cached``).
        self._cached: dict[int, Article] = {}
        self._adding = asyncio.Lock()
        # The newest article id this library knows of: what its story searches saw, as far as
        # it can tell without asking. When another process stored articles meanwhile, it is
        # lower than the truth, and the store's stale-search check may send a search round
        # again for nothing, never the other way round: one query less per article stored.
        self._newest_seen: int | None = None

    async def add(
        self,
        draft: ArticleDraft,
        *,
        added_by: str,
        summary: str | None = None,
        topic_keys: tuple[str, ...] | None = None,
        extra_topics: tuple[str, ...] = (),
    ) -> AddedArticle:
        """Summarise, tag and store ``draft``; a text or URL already stored is not added twice.

        An article telling an event stored within ``STORY_WINDOW`` joins that event's story."""
        ready = ready_article(
            self.pipeline, draft, summary=summary, topic_keys=topic_keys, extra_topics=extra_topics
        )
        return await self.add_ready(ready, added_by=added_by)

    async def add_ready(self, ready: ReadyArticle, *, added_by: str) -> AddedArticle:
        """Store an article prepared beforehand (``ready_article``, which feeds run in worker
        processes), in its story."""
        prepared, story = ready.prepared, ready.story
        # One addition at a time from finding the story to storing it: two outlets' copies
        # polled at once would otherwise each miss the other and start two stories.
        # Another process may store a copy between the search and the insert: the store then
        # refuses the insert (``StaleStorySearch``) and the search is made again.
        async with self._adding:
            for attempt in range(STORY_SEARCH_ATTEMPTS):
                now = self._clock()
                if self._newest_seen is None or attempt:
                    self._newest_seen = await self.store.newest_id()
                searched_up_to = self._newest_seen
                story_id = await self._story_of_event(story, prepared.story_keys, now)
                last = attempt == STORY_SEARCH_ATTEMPTS - 1
                try:
                    added = await self.store.add(
                        prepared,
                        added_at=now,
                        added_by=added_by,
                        story_id=story_id,
                        searched_up_to=None if last else searched_up_to,
                    )
                    break
                except StaleStorySearch:
                    logger.info("A copy arrived meanwhile: looking again for the story")
        if not added.duplicate:
            article = added.article
            self._newest_seen = max(self._newest_seen or 0, article.id)
            if story_id is not None:
                self._cached.clear()
            logger.info(
                "Stored article %d (%s) from %s%s",
                article.id,
                article.topic_keys,
                added_by,
                f", story {article.story_id}" if story_id is not None else "",
            )
        return added

    async def update(
        self,
        article_id: int,
        draft: ArticleDraft,
        *,
        summary: str | None = None,
        extra_topics: tuple[str, ...] = (),
    ) -> Article | None:
        """Store an edited version of an article (a feed's outlet corrected its item); the story
        index learns the new text, so the next outlet's copy of it finds the article."""
        ready = ready_article(self.pipeline, draft, summary=summary, extra_topics=extra_topics)
        updated = await self.store.update(article_id, ready.prepared)
        self._cached.clear()
        return updated

    async def _story_of_event(
        self, story: StoryPrint, keys: tuple[int, ...], now: datetime
    ) -> int | None:
        """The story of the recent article telling the same event, the most alike first."""
        best: tuple[float, int] | None = None
        for candidate in await self.store.story_candidates(keys, since=now - STORY_WINDOW):
            other = story_print(candidate.title, candidate.body)
            if same_event(story, other):
                score = likeness(story, other)
                if best is None or score > best[0]:
                    best = (score, candidate.story_id or candidate.id)
        return best[1] if best else None

    def forget_cached(self) -> None:
        """Drop the articles kept in memory: a digest run starts from what is stored now."""
        self._cached.clear()

    async def load_seed_if_empty(self) -> list[AddedArticle]:
        """Load the articles shipped with the package into an empty store (first start)."""
        if await self.store.count() > 0:
            return []
        folder = resources.files("content").joinpath("seed")
        index = tomllib.loads(folder.joinpath(SEED_INDEX).read_text(encoding="utf-8"))
        added = []
        for entry in index["article"]:
            draft = draft_from_text(
                folder.joinpath(entry["file"]).read_text(encoding="utf-8"),
                source=entry.get("source"),
                published_on=entry.get("published_on"),
            )
            added.append(await self.add(draft, added_by="seed"))
        return added

    async def delete(self, article_id: int) -> bool:
        deleted = await self.store.delete(article_id)
        self._cached.pop(article_id, None)
        if deleted:
            self._cached.clear()  # the other articles of its story named its outlet
            logger.info("Deleted article %d", article_id)
        return deleted

    async def get(self, article_id: int) -> Article | None:
        found = await self.store.get_many([article_id])
        return found[0] if found else None

    async def get_many(self, article_ids: Sequence[int]) -> list[Article]:
        """The articles still stored among ``article_ids``, in that order; from memory when the
        same ones were asked for before (a digest fan-out asks for them once per reader)."""
        missing = [article_id for article_id in article_ids if article_id not in self._cached]
        if missing:
            if len(self._cached) + len(missing) > CACHED_ARTICLES:
                self._cached.clear()
            for article in await self.store.get_many(missing):
                self._cached[article.id] = article
        return [self._cached[i] for i in article_ids if i in self._cached]

    async def latest(
        self, *, topic: str | None = None, limit: int, offset: int = 0, one_per_story: bool = True
    ) -> list[Article]:
        return await self.store.latest(
            topic=topic, limit=limit, offset=offset, one_per_story=one_per_story
        )

    async def search(
        self, user_text: str, *, limit: int, offset: int = 0, broadened: bool | None = None
    ) -> SearchResult:
        """Search for every word; when nothing has them all, fall back to any of them.

        ``broadened`` is decided on the first page and must be passed back for the next pages,
        so that paging through a broadened result does not switch modes halfway.
        """
        terms = search_terms(user_text)
        if broadened is None:
            found = await self.store.search(terms, limit=limit, offset=offset)
            if found or len(terms) < 2 or offset > 0:
                return SearchResult(found, terms, broadened=False)
            broadened = True
        found = await self.store.search(terms, limit=limit, offset=offset, any_term=broadened)
        return SearchResult(found, terms, broadened=broadened)

    async def candidates(
        self,
        topic_keys: Sequence[str],
        *,
        after_id: int,
        added_since: datetime | None,
        per_topic: int,
        added_until: datetime | None = None,
    ) -> Candidates:
        """The newest articles on each topic with an id above ``after_id`` (and, when given,
        added since ``added_since`` and no later than ``added_until``).

        The newest id is read first: an article stored while the topics are read waits for the
        next digest instead of being covered by the watermark without having been shown.
        """
        newest = await (
            self.store.newest_id()
            if added_until is None
            else self.store.newest_id_before(added_until)
        )
        ids_by_topic = {
            key: await self.store.newest_on_topic(
                key,
                after_id=after_id,
                up_to_id=newest,
                added_since=added_since,
                limit=per_topic,
            )
            for key in topic_keys
        }
        return Candidates(ids_by_topic, newest)

    async def topic_counts(self) -> dict[str, int]:
        return await self.store.topic_counts()

    async def count(self, *, one_per_story: bool = False) -> int:
        return await self.store.count(one_per_story=one_per_story)
