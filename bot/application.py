"""The Telegram Application: built in one function, started and stopped by its lifecycle hooks.

The bot does not open databases or read configuration files: the wiring (``app.services``)
passes the Telegram settings and a factory that opens the services, which the start-up hook
calls with the bot's sender and the shutdown hook closes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import UTC, timedelta
from typing import Any

from telegram import BotCommand, BotCommandScopeDefault, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults

from bot import handlers
from bot.context import BotApplication, BotContext, BotData
from bot.handlers import sources
from bot.ratelimit import FloodWatch, PacedRateLimiter
from bot.sender import TelegramSender
from bot.services import ServicesFactory
from bot.settings import TelegramSettings
from ui import french

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
"""What the bot asks Telegram for; my_chat_member tells us when a reader blocks the bot."""


def build_application(
    settings: TelegramSettings,
    token: str,
    open_services: ServicesFactory,
    *,
    digest_interval_seconds: float,
    send_concurrency: int,
    feed_interval_seconds: float | None = None,
    rate_limited: bool = True,
    private_chat_interval: float = 1.0,
    flood_watch: FloodWatch | None = None,
) -> BotApplication:
    """The bot, ready to run: handlers, rate limiter, HTTP settings and lifecycle hooks.
    ``flood_watch`` hears of every 429 (flood wait) Telegram answers, with its seconds, and of
    every shared send slot this process was too busy to use."""
    timeout = settings.request_timeout_seconds
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.base_url)
        .base_file_url(settings.file_url)
        .context_types(ContextTypes(context=BotContext, bot_data=BotData))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                tzinfo=UTC,
            )
        )
        .concurrent_updates(16)
        .connect_timeout(timeout)
        .read_timeout(timeout)
        .write_timeout(timeout)
        .pool_timeout(timeout)
        .connection_pool_size(max(32, send_concurrency * 2))
        .get_updates_read_timeout(timeout + 30)
        .post_init(
            lambda app: start_bot(
                app, open_services, digest_interval_seconds, feed_interval_seconds
            )
        )
        .post_shutdown(stop_bot)
    )
    if rate_limited:
        builder = builder.rate_limiter(
            PacedRateLimiter(
                per_second=settings.rate_limit_per_second,
                max_retries=settings.rate_limit_retries,
                private_chat_interval=private_chat_interval,
                watch=flood_watch,
            )
        )
    application: BotApplication = builder.build()
    handlers.register(application)
    return application


async def start_bot(
    application: Application,  # type: ignore[type-arg]
    open_services: ServicesFactory,
    digest_interval_seconds: float,
    feed_interval_seconds: float | None = None,
) -> None:
    """Start-up work (post_init calls it; ``start_in_process`` too): open the services, publish
    the command menu, start the digest clock and, when feeds are on, the feed clock."""
    services = await application.bot_data.open(open_services, TelegramSender(application.bot))
    limiter = application.bot.rate_limiter
    if isinstance(limiter, PacedRateLimiter):
        limiter.share(services.send_slots)
    await publish_commands(application)
    schedule_digests(application, digest_interval_seconds)
    schedule_housekeeping(application)
    if feed_interval_seconds is not None:
        schedule_feeds(application, feed_interval_seconds)
    logger.info(
        "Bot ready: %d articles, %d topics, database %s",
        await services.library.count(),
        len(services.catalog.topics),
        services.database,
    )


async def stop_bot(application: Application) -> None:  # type: ignore[type-arg]
    await application.bot_data.close()


async def publish_commands(application: Application) -> None:  # type: ignore[type-arg]
    """The command menu, in French and for the default language (≤ 100 commands)."""
    catalog = application.bot_data.services.catalog
    commands = [
        BotCommand(topic.command, french.typeset(topic.description)[:256])
        for topic in catalog.topics
    ]
    commands += [BotCommand(name, description) for name, description in french.MENU]
    commands = commands[:100]
    for language in ("fr", None):
        await application.bot.set_my_commands(
            commands, scope=BotCommandScopeDefault(), language_code=language
        )


async def digest_tick(context: BotContext) -> None:
    # Application.stop() waits for this job: once it has begun (``running`` turns False at
    # once), the fan-out ends after the messages in flight instead of sending to everyone.
    application = context.application
    await context.services.digests.tick(keep_going=lambda: application.running)


Job = Callable[[BotContext], Coroutine[Any, Any, None]]


def every(
    application: Application,  # type: ignore[type-arg]
    job: Job,
    interval_seconds: float,
    *,
    first: float,
    name: str,
    at_once: int = 1,
) -> None:
    """Run ``job`` every ``interval_seconds``. APScheduler's default misfire grace time (1 s)
    silently drops a run that starts late (a busy event loop, a suspended laptop); our jobs are
    idempotent, so a late run is always welcome, and runs missed meanwhile coalesce into one.
    At most ``at_once`` runs overlap: a long one makes the next wait, not double."""
    job_queue = application.job_queue
    if job_queue is None:
        raise RuntimeError('the JobQueue is missing: install "python-telegram-bot[job-queue]"')
    job_queue.run_repeating(
        job,
        interval=interval_seconds,
        first=first,
        name=name,
        job_kwargs={"misfire_grace_time": None, "coalesce": True, "max_instances": at_once},
    )


def schedule_digests(application: Application, interval_seconds: float) -> None:  # type: ignore[type-arg]
    """The scheduler is only a clock: every minute, ask the ledger who is due."""
    every(application, digest_tick, interval_seconds, first=1, name="digest-tick", at_once=2)


def schedule_feeds(application: Application, interval_seconds: float) -> None:  # type: ignore[type-arg]
    """Every ``interval_seconds``, poll the feeds that are due (each has its own next poll: the
    clock only asks). One round at a time."""
    every(application, sources.feeds_tick, interval_seconds, first=2, name="feeds-tick")


UPDATES_KEPT = timedelta(days=2)
"""Telegram gives up redelivering an update within a day; its id is kept a day longer."""
HOUSEKEEPING_SECONDS = 3600.0


async def housekeeping(context: BotContext) -> None:
    """Forget what only mattered for a while: old update ids, idle send slots."""
    services = context.services
    await services.updates.forget_before(services.clock() - UPDATES_KEPT)
    if services.send_slots is not None:
        await services.send_slots.forget_idle()


def schedule_housekeeping(application: Application) -> None:  # type: ignore[type-arg]
    every(application, housekeeping, HOUSEKEEPING_SECONDS, first=60, name="housekeeping")


async def start_in_process(application: BotApplication) -> None:
    """Start polling without ``run_polling`` (which owns the event loop): the chat mode and the
    tests run the bot inside their own loop, so they call the start-up hook themselves."""
    await application.initialize()
    assert application.post_init is not None
    await application.post_init(application)
    assert application.updater is not None
    await application.updater.start_polling(
        poll_interval=0.0, timeout=1, allowed_updates=ALLOWED_UPDATES
    )
    await application.start()


async def stop_in_process(application: BotApplication) -> None:
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await stop_bot(application)
    await application.shutdown()
