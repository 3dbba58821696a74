"""The wiring: the one place that builds every service from the configuration.

Stores come from ``storage`` (the backend the configuration names), the domain services from
``content`` and ``digests``, and the bot receives them through a factory it opens at start-up and
closes at shutdown (``app.run.build_bot``). The bot's start-up, the command line, the chat mode,
the tests and the benchmarks all go through here, so they run the same code. Nothing here imports
python-telegram-bot: the commands that never talk to Telegram start without it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Collection
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from typing import TYPE_CHECKING

from app.config import Config
from bot.services import Services
from content.fetch import UrlFetcher
from content.library import Library
from content.pipeline import ArticlePipeline
from content.settings import ContentSettings
from content.topics import TopicCatalog, load_topics
from core.clock import Clock, utc_now
from digests.broadcasts import Broadcasts
from digests.delivery import Courier, Sender
from digests.service import DigestService
from digests.subscriptions import SubscriptionService
from feeds.fetching import FeedFetcher
from feeds.poller import FeedPoller
from feeds.service import FeedService
from feeds.workers import FeedWorkers, PipelineRecipe
from storage.backends import open_stores
from storage.stores import Stores

if TYPE_CHECKING:
    from app.metrics import ReplicaMetrics

logger = logging.getLogger(__name__)


def load_catalog(
    settings: ContentSettings, reserved_commands: Collection[str] = ()
) -> TopicCatalog:
    """The configured topics; the bot passes its own command names, which no topic may take."""
    return load_topics(settings.topics_file, reserved_commands=reserved_commands)


@asynccontextmanager
async def open_services(
    config: Config,
    sender: Sender,
    clock: Clock = utc_now,
    *,
    load_seed: bool | None = None,
    reserved_commands: Collection[str] = (),
    metrics: ReplicaMetrics | None = None,
) -> AsyncIterator[Services]:
    """Load the topics, open the configured stores and wire the services on them; close
    everything on the way out."""
    catalog = load_catalog(config.content, reserved_commands)
    stores = await open_stores(config.database, clock)
    try:
        async with services_on(
            stores, catalog, config, sender, clock, load_seed=load_seed, metrics=metrics
        ) as wired:
            yield wired
    finally:
        await stores.close()


@asynccontextmanager
async def services_on(
    stores: Stores,
    catalog: TopicCatalog,
    config: Config,
    sender: Sender,
    clock: Clock,
    *,
    load_seed: bool | None = None,
    metrics: ReplicaMetrics | None = None,
) -> AsyncIterator[Services]:
    """The services on stores opened by the caller (who closes them): load the shipped articles
    into an empty store (and the shipped feeds into a store that never followed any), open the
    fetchers, wire the domain services. With ``metrics`` (the bot's ``run``), delivery runs and
    feed rounds are counted, and ``/healthz`` and ``/metrics`` are served when
    ``[ops] metrics_port`` is set."""
    library = Library(stores.articles, ArticlePipeline(catalog, config.content.budget), clock)
    if config.content.load_seed if load_seed is None else load_seed:
        for added in await library.load_seed_if_empty():
            logger.info("Loaded shipped article %d: %s", added.article.id, added.article.title)
    settings = config.digest
    courier = Courier(stores.subscribers, sender, clock)
    recipe = PipelineRecipe(config.content.topics_file, config.content.budget)
    async with (
        UrlFetcher(config.content.fetch_policy) as fetcher,
        FeedFetcher(config.feeds) as feed_fetcher,
    ):
        with FeedWorkers(recipe, library.pipeline, config.feeds.workers) as workers:
            poller_parts = (stores.feeds, library, feed_fetcher, workers, config.feeds, clock)
            digest_parts = (library, stores.subscribers, stores.deliveries, courier, clock)
            if metrics is None:
                poller = FeedPoller(*poller_parts)
                digests = DigestService(*digest_parts, settings)
            else:  # prometheus-client is loaded only by a bot that counts
                from app.metered import MeteredDigestService, MeteredFeedPoller

                poller = MeteredFeedPoller(metrics, *poller_parts)
                digests = MeteredDigestService(metrics, *digest_parts, settings)
            feeds = FeedService(
                stores.feeds, poller, feed_fetcher, config.feeds, clock, catalog.keys
            )
            if config.feeds.load_sources:
                followed = await feeds.load_sources_if_new(config.feeds.sources_file)
                if followed.added:
                    logger.info("Following %d shipped feeds", len(followed.added))
            async with _ops_endpoints(config, metrics, stores, clock):
                yield Services(
                    catalog=catalog,
                    library=library,
                    subscriptions=SubscriptionService(
                        stores.subscribers, stores.deliveries, catalog.keys, clock, settings
                    ),
                    digests=digests,
                    broadcasts=Broadcasts(stores.deliveries, clock),
                    feeds=feeds,
                    fetcher=fetcher,
                    clock=clock,
                    admins=frozenset(config.telegram.admins),
                    database=stores.location,
                    updates=stores.updates,
                    send_slots=stores.send_slots,
                    polling=stores.polling,
                )


def _ops_endpoints(
    config: Config, metrics: ReplicaMetrics | None, stores: Stores, clock: Clock
) -> AbstractAsyncContextManager[None]:
    """``/healthz`` and ``/metrics`` while the services are open, when the bot counts and the
    configuration gives them a port."""
    if metrics is None or not config.ops.metrics_port:
        return nullcontext()
    from app.ops_server import serving_ops  # aiohttp's server, loaded only when it serves

    return serving_ops(config.ops, metrics, stores.deliveries, clock)
