"""The services handlers use, opened once at start-up and closed at shutdown."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.config import Config
from content.fetch import FetchPolicy, UrlFetcher
from content.library import Library
from content.pipeline import SummaryBudget
from content.storage import Database
from content.topics import TopicCatalog, load_topics
from core.clock import Clock, utc_now
from digests.delivery import Courier, Sender
from digests.service import DigestService, DigestSettings

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Services:
    config: Config
    database: Database
    catalog: TopicCatalog
    library: Library
    digests: DigestService
    fetcher: UrlFetcher
    clock: Clock

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.config.telegram.admins

    async def close(self) -> None:
        await self.fetcher.aclose()
        await self.database.close()


async def open_services(
    config: Config, sender: Sender, clock: Clock = utc_now, *, load_seed: bool | None = None
) -> Services:
    """Open the store, load the topics and the shipped articles, wire the domain services.

    Shared by the bot's start-up, the command line and the tests, so all three run the same code.
    """
    catalog = load_topics(config.content.topics_file)
    database = await Database.open(config.database.path)
    try:
        budget = SummaryBudget(config.content.summary_min_words, config.content.summary_max_words)
        library = Library(database, catalog, clock, budget)
        if config.content.load_seed if load_seed is None else load_seed:
            for added in await library.load_seed_if_empty():
                logger.info("Loaded shipped article %d: %s", added.article.id, added.article.title)
        digest_config = config.digest
        digests = DigestService(
            database,
            library,
            catalog,
            Courier(database, sender, clock),
            clock,
            DigestSettings(
                default_time=digest_config.default_time,
                default_timezone=digest_config.default_timezone,
                max_articles_per_topic=digest_config.max_articles_per_topic,
                send_when_empty=digest_config.send_when_empty,
                concurrency=digest_config.concurrency,
            ),
        )
        fetcher = UrlFetcher(
            FetchPolicy(
                timeout_seconds=config.content.fetch_timeout_seconds,
                max_bytes=config.content.fetch_max_bytes,
                max_redirects=config.content.fetch_max_redirects,
                allow_private_hosts=config.content.allow_private_hosts,
            )
        )
    except BaseException:
        await database.close()
        raise
    return Services(config, database, catalog, library, digests, fetcher, clock)
