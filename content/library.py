"""The content service: what the bot and the command line ask of the article side.

It owns transactions (store functions never commit) and the clock (injected, so tests can stop
time), and runs the pure pipeline before anything reaches the database: a refused or failing
article leaves nothing half-written behind.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

from content import articles
from content.ingestion import draft_from_text
from content.models import AddedArticle, Article, ArticleDraft
from content.pipeline import ArticlePipeline, SummaryBudget
from content.search import search_terms
from content.storage import Database
from content.topics import TopicCatalog
from core.clock import Clock

logger = logging.getLogger(__name__)

SEED_INDEX = "index.toml"
CACHED_ARTICLES = 2048
"""Articles kept in memory for the digest fan-out (a few MB): thousands of readers get the same
few articles, and reading them back from SQLite for every message cost a third of the fan-out's
CPU (bench/fanout.py)."""


@dataclass(frozen=True, slots=True)
class SearchResult:
    articles: list[Article]
    terms: list[str]
    broadened: bool
    """True when no article had every word and the result lists articles with any of them."""


class Library:
    def __init__(
        self,
        database: Database,
        catalog: TopicCatalog,
        clock: Clock,
        budget: SummaryBudget | None = None,
    ) -> None:
        self.database = database
        self.catalog = catalog
        self._clock = clock
        self._pipeline = ArticlePipeline(catalog, budget)
        # Stored articles never change, so a cached one stays right until it is deleted, and
        # deletions go through ``delete`` below. (Articles are only deleted by this process: the
        # command line adds, it does not delete.)
        self._cached: dict[int, Article] = {}

    async def add(
        self,
        draft: ArticleDraft,
        *,
        added_by: str,
        summary: str | None = None,
        topic_keys: tuple[str, ...] | None = None,
    ) -> AddedArticle:
        """Summarise, tag and store ``draft``; a text or URL already stored is not added twice."""
        prepared = self._pipeline.prepare(draft, summary=summary, topic_keys=topic_keys)
        async with self.database.transaction() as tx:
            existing = await articles.find_duplicate(tx, prepared.fingerprint, draft.url)
            if existing is None:
                article_id = await articles.insert_article(
                    tx, prepared, added_at=self._clock(), added_by=added_by
                )
            else:
                article_id = existing
            article = await articles.get_article(tx, article_id)
        assert article is not None  # just written or found in the same transaction
        if existing is None:
            logger.info("Stored article %d (%s) from %s", article.id, article.topic_keys, added_by)
        return AddedArticle(article=article, duplicate=existing is not None)

    async def load_seed_if_empty(self) -> list[AddedArticle]:
        """Load the articles shipped with the package into an empty store (first start)."""
        if await articles.count_articles(self.database.reader) > 0:
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
        async with self.database.transaction() as tx:
            deleted = await articles.delete_article(tx, article_id)
        self._cached.pop(article_id, None)
        if deleted:
            logger.info("Deleted article %d", article_id)
        return deleted

    async def get(self, article_id: int) -> Article | None:
        return await articles.get_article(self.database.reader, article_id)

    async def get_many(self, article_ids: Sequence[int]) -> list[Article]:
        """The articles still stored among ``article_ids``, in that order; from memory when the
        same ones were asked for before (a digest fan-out asks for them once per reader)."""
        missing = [article_id for article_id in article_ids if article_id not in self._cached]
        if missing:
            if len(self._cached) + len(missing) > CACHED_ARTICLES:
                self._cached.clear()
            for article in await articles.get_articles(self.database.reader, missing):
                self._cached[article.id] = article
        return [self._cached[i] for i in article_ids if i in self._cached]

    async def latest(
        self, *, topic: str | None = None, limit: int, offset: int = 0
    ) -> list[Article]:
        return await articles.latest_articles(
            self.database.reader, topic=topic, limit=limit, offset=offset
        )

    async def search(
        self, user_text: str, *, limit: int, offset: int = 0, broadened: bool | None = None
    ) -> SearchResult:
        """Search for every word; when nothing has them all, fall back to any of them.

        ``broadened`` is decided on the first page and must be passed back for the next pages,
        so that paging through a broadened result does not switch modes halfway.
        """
        terms = search_terms(user_text)
        reader = self.database.reader
        if broadened is None:
            found = await articles.search_articles(reader, terms, limit=limit, offset=offset)
            if found or len(terms) < 2 or offset > 0:
                return SearchResult(found, terms, broadened=False)
            broadened = True
        found = await articles.search_articles(
            reader, terms, limit=limit, offset=offset, any_term=broadened
        )
        return SearchResult(found, terms, broadened=broadened)

    async def topic_counts(self) -> dict[str, int]:
        return await articles.topic_counts(self.database.reader)

    async def count(self) -> int:
        return await articles.count_articles(self.database.reader)
