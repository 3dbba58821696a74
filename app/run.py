"""``python -m bot run``: the bot against Telegram (or any Bot API server named in the config).

``build_bot`` is how every caller gets the bot (this run mode, the chat mode, the end-to-end tests
and the benchmarks): the Application of ``bot.application`` with the services of
``app.services``.
"""

from __future__ import annotations

import asyncio
import logging
import os
from contextlib import nullcontext
from functools import partial
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from app.config import Config, ConfigError
from app.logs import format_log_lines
from app.ops import replica_name
from app.services import load_catalog, open_services, services_on
from bot.application import ALLOWED_UPDATES, build_application
from bot.context import BotApplication
from bot.handlers import COMMAND_NAMES
from bot.replica import run_replica
from bot.startup import check_bot_api, check_token_shape, check_webhook_port
from core.clock import Clock, utc_now
from storage.backends import open_stores
from storage.locks import polling_lock
from storage.stores import Stores

if TYPE_CHECKING:
    from app.metrics import ReplicaMetrics

logger = logging.getLogger(__name__)

NO_TOKEN = (
    "no bot token: set the environment variable {env} to the token @BotFather gave you "
    "(in Telegram, talk to @BotFather and send /newbot). "
    "To try the bot without Telegram: python -m bot chat"
)


def build_bot(
    config: Config,
    token: str,
    clock: Clock = utc_now,
    *,
    stores: Stores | None = None,
    rate_limited: bool = True,
    private_chat_interval: float = 1.0,
    metrics: ReplicaMetrics | None = None,
) -> BotApplication:
    """The bot for ``config``: its Application, with the services it opens at start-up, on the
    configured database or on ``stores`` the caller opened (and closes). With ``metrics``, it
    counts what it does and serves ``/healthz`` and ``/metrics`` (``[ops] metrics_port``)."""
    if stores is None:
        services = partial(
            open_services,
            config,
            clock=clock,
            reserved_commands=COMMAND_NAMES,
            metrics=metrics,
        )
    else:
        catalog = load_catalog(config.content, COMMAND_NAMES)
        services = partial(services_on, stores, catalog, config, clock=clock, metrics=metrics)
    return build_application(
        config.telegram,
        token,
        services,
        digest_interval_seconds=config.digest.check_interval_seconds,
        send_concurrency=config.digest.concurrency,
        feed_interval_seconds=config.feeds.check_interval_seconds if config.feeds.enabled else None,
        rate_limited=rate_limited,
        private_chat_interval=private_chat_interval,
        flood_watch=metrics,
    )


def bot_token(config: Config) -> str:
    """The token, from the environment variable the configuration names (spaces around it, as
    an env file may leave them, trimmed); refused, unseen, when it cannot be a token."""
    token = os.environ.get(config.telegram.token_env, "").strip()
    if not token:
        raise ConfigError(NO_TOKEN.format(env=config.telegram.token_env))
    check_token_shape(token, config.telegram.token_env)
    return token


async def check_before_start(config: Config, token: str) -> None:
    """What would stop the bot in the middle of its start-up, asked first (``StartFailure`` or
    ``StorageError``, ``TopicFileError``, one line each): the topics leave the bot's commands
    free, the Bot API answers and knows the token, the webhook's port is free, the database
    opens and accepts writes. The database comes last: it is the one check that creates
    something (a new file), which only a start that will go on should do."""
    load_catalog(config.content, COMMAND_NAMES)
    await check_bot_api(config.telegram, token)
    if config.telegram.mode == "webhook":
        check_webhook_port(config.telegram)
    stores = await open_stores(config.database, utc_now)
    await stores.close()


def run_bot(config: Config) -> None:
    """Run until interrupted: long polling by default, or a webhook when configured."""
    replica = replica_name(config.ops)
    format_log_lines(config.logging.format, replica)
    token = bot_token(config)
    asyncio.run(check_before_start(config, token))
    metrics = None
    if config.ops.metrics_port:
        # prometheus-client and aiohttp's server are loaded only when they serve: 12 MB.
        from app.metrics import ReplicaMetrics

        metrics = ReplicaMetrics(replica)
    application = build_bot(config, token, metrics=metrics)
    telegram = config.telegram
    webhook = telegram.mode == "webhook"
    if not webhook and config.database.backend == "postgresql":
        logger.info(
            "Starting as a replica against %s: polling while no other replica does",
            telegram.base_url,
        )
        asyncio.run(run_replica(application))
        return
    # On SQLite, refuse before touching anything when another process already polls this file.
    with nullcontext() if webhook else polling_lock(config.database):
        logger.info("Starting in %s mode against %s", telegram.mode, telegram.base_url)
        if webhook:
            secret = os.environ.get(telegram.webhook_secret_env) or None
            application.run_webhook(
                listen=telegram.webhook_listen,
                port=telegram.webhook_port,
                # The local server listens on the public URL's path (behind a reverse proxy).
                url_path=urlsplit(telegram.webhook_url).path.lstrip("/"),
                webhook_url=telegram.webhook_url,
                secret_token=secret,
                allowed_updates=ALLOWED_UPDATES,
            )
        else:
            application.run_polling(allowed_updates=ALLOWED_UPDATES)
