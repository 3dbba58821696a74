"""``python -m bot run``: the bot against Telegram (or any Bot API server named in the config)."""

from __future__ import annotations

import logging
import os
from urllib.parse import urlsplit

from bot.app import ALLOWED_UPDATES, build_application
from bot.config import Config, ConfigError

logger = logging.getLogger(__name__)

NO_TOKEN = (
    "no bot token: set the environment variable {env} to the token @BotFather gave you "
    "(in Telegram, talk to @BotFather and send /newbot). "
    "To try the bot without Telegram: python -m bot chat"
)


def bot_token(config: Config) -> str:
    token = os.environ.get(config.telegram.token_env, "").strip()
    if not token:
        raise ConfigError(NO_TOKEN.format(env=config.telegram.token_env))
    return token


def run_bot(config: Config) -> None:
    """Run until interrupted: long polling by default, or a webhook when configured."""
    token = bot_token(config)
    application = build_application(config, token)
    telegram = config.telegram
    logger.info("Starting in %s mode against %s", telegram.mode, telegram.base_url)
    if telegram.mode == "webhook":
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
