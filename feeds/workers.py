"""The CPU work of a polling round, in worker processes: parsing feeds, and summarising,
tagging and fingerprinting their new articles.

That work is pure Python, so threads cannot share it out (the GIL), and it is most of a first
poll's time: on the bot's own process it would also stall every chat for tens of milliseconds
per feed. Worker processes do it beside the bot, which meanwhile talks to Telegram, fetches
and stores. With ``[feeds] workers = 0`` it runs in a thread of the bot's process instead.

A worker builds the article pipeline once, from a small picklable recipe (the topic file and
the summary budget); the pool starts at the first round that needs it, and a pool broken by a
crashed worker is replaced at the next.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Self, TypeVar

from content.library import ReadyArticle, ready_article
from content.models import ArticleDraft
from content.pipeline import ArticlePipeline, SummaryBudget
from content.rejections import ContentRejected
from content.topics import load_topics
from feeds.models import ParsedFeed
from feeds.parse import parse_feed

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PipelineRecipe:
    """What a worker needs to build the bot's article pipeline."""

    topics_file: Path | None
    budget: SummaryBudget


@dataclass(frozen=True, slots=True)
class ItemToPrepare:
    draft: ArticleDraft
    summary: str | None
    """The outlet's standfirst, when it reads as a summary (``feeds.items``)."""
    extra_topics: tuple[str, ...]


class FeedWorkers:
    def __init__(self, recipe: PipelineRecipe, pipeline: ArticlePipeline, workers: int) -> None:
        self._recipe = recipe
        self._pipeline = pipeline
        self._workers = workers
        self._pool: ProcessPoolExecutor | None = None

    async def parse(
        self, body: bytes, *, url: str, content_type: str | None, now: datetime
    ) -> ParsedFeed:
        """``feeds.parse.parse_feed`` (``NotAFeed`` comes through)."""
        return await self._run(
            partial(parse_feed, body, url=url, content_type=content_type, now=now)
        )

    async def prepare(self, items: Sequence[ItemToPrepare]) -> list[ReadyArticle | None]:
        """Each item ready to store, or None where the pipeline refused it."""
        if not items:
            return []
        if self._workers == 0:
            return await asyncio.to_thread(_prepare_with, self._pipeline, list(items))
        return await self._run(partial(_prepare_in_worker, self._recipe, list(items)))

    async def _run(self, work: Callable[[], T]) -> T:
        if self._workers == 0:
            return await asyncio.to_thread(work)
        pool = self._pool_now()
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, work)
        except BrokenProcessPool:
            logger.warning("A feed worker process died; the next round starts new ones")
            self._pool = None
            pool.shutdown(wait=False, cancel_futures=True)
            raise

    def _pool_now(self) -> Executor:
        if self._pool is None:
            # spawn, not fork: the bot's process has threads (SQLite, the HTTP client), and a
            # forked child would inherit their locks in whatever state they were.
            self._pool = ProcessPoolExecutor(
                self._workers, mp_context=multiprocessing.get_context("spawn")
            )
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _prepare_with(
    pipeline: ArticlePipeline, items: list[ItemToPrepare]
) -> list[ReadyArticle | None]:
    ready: list[ReadyArticle | None] = []
    for item in items:
        try:
            ready.append(
                ready_article(
                    pipeline, item.draft, summary=item.summary, extra_topics=item.extra_topics
                )
            )
        except ContentRejected as error:
            logger.info("Item %s refused: %s", item.draft.url or item.draft.title[:60], error)
            ready.append(None)
    return ready


_WORKER_PIPELINES: dict[PipelineRecipe, ArticlePipeline] = {}
"""In a worker process only: its pipeline, built at its first task (loading the topics and the
summarizer's model takes a tenth of a second) and kept for the next ones."""


def _prepare_in_worker(
    recipe: PipelineRecipe, items: list[ItemToPrepare]
) -> list[ReadyArticle | None]:
    pipeline = _WORKER_PIPELINES.get(recipe)
    if pipeline is None:
        pipeline = ArticlePipeline(load_topics(recipe.topics_file), recipe.budget)
        _WORKER_PIPELINES[recipe] = pipeline
    return _prepare_with(pipeline, items)
