"""Logging set-up: English log lines, quiet HTTP client, and no secret ever printed.

httpx logs every request URL at INFO, and python-telegram-bot's URLs contain the bot token
(``…/bot<token>/sendMessage``; PTB itself logs its base URLs at DEBUG). The httpx logger is kept
at WARNING, and the token and the webhook secret are masked in every record as it is created,
whoever logs it and whatever handler reads it (an error tracker hooked into logging included);
the filter on the root handler stays as a second line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from core.settings import Problem

MASK = "<redacted>"
_NOISY_LOGGERS = ("httpx", "httpcore", "apscheduler", "hpack", "tornado.access", "aiohttp.access")


@dataclass(frozen=True, slots=True)
class LoggingSettings:
    """The ``[logging]`` section of the configuration file."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    def problems(self) -> list[Problem]:
        return []  # no value of this section is wrong once its type is right


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
            masked = self._mask(text)
            if masked != text:
                # Keep the exception itself only when it is harmless: a handler would render it
                # again, secret included.
                record.exc_text, record.exc_info = masked, None
        return True

    def _mask(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text


class MaskingRecordFactory:
    """A log record factory that masks secrets before any handler sees the record."""

    def __init__(
        self, inner: Callable[..., logging.LogRecord], secret_filter: SecretFilter
    ) -> None:
        self.inner = inner
        self._filter = secret_filter

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.inner(*args, **kwargs)
        self._filter.filter(record)
        return record


def mask_secrets_in_records(secret_filter: SecretFilter) -> None:
    """Install the masking factory, replacing (not stacking on) one installed earlier."""
    current = logging.getLogRecordFactory()
    inner = current.inner if isinstance(current, MaskingRecordFactory) else current
    logging.setLogRecordFactory(MaskingRecordFactory(inner, secret_filter))


def setup_logging(level: str, secrets: Iterable[str] = ()) -> None:
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    secret_filter = SecretFilter(secrets)
    mask_secrets_in_records(secret_filter)
    for handler in logging.getLogger().handlers:
        handler.addFilter(secret_filter)
    for name in _NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
