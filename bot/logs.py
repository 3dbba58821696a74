"""Logging set-up: English log lines, quiet HTTP client, and no secret ever printed.

httpx logs every request URL at INFO, and python-telegram-bot's URLs contain the bot token
(``…/bot<token>/sendMessage``). The httpx logger is kept at WARNING, and a filter on the root
handler masks the token and the webhook secret in any record, whoever logs it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

MASK = "<redacted>"
_NOISY_LOGGERS = ("httpx", "httpcore", "apscheduler", "hpack", "tornado.access", "aiohttp.access")


class SecretFilter(logging.Filter):
    """Replaces secrets in a record's rendered message and traceback text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = [secret for secret in secrets if secret]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        masked = self._mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = self._mask(text)
            record.exc_info = None
        return True

    def _mask(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text


def setup_logging(level: str, secrets: Iterable[str] = ()) -> None:
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    secret_filter = SecretFilter(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(secret_filter)
    for name in _NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
