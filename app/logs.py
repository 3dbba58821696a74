"""Logging set-up: English log lines, quiet HTTP client, and no secret ever printed.

httpx logs every request URL at INFO, and python-telegram-bot's URLs contain the bot token
(``…/bot<token>/sendMessage``; PTB itself logs its base URLs at DEBUG). The httpx logger is kept
at WARNING, and the token and the webhook secret are masked in every record as it is created,
whoever logs it and whatever handler reads it (an error tracker hooked into logging included);
the filter on the root handler stays as a second line. Every spelling counts (percent-encoded in
a URL, the secret half alone), and so do the tracebacks Python prints itself.

Lines are text for a terminal or JSON objects for a log collector (``[logging] format``); the
bot's ``run`` names its replica in each, so that the lines of several processes can be told apart
once they are mixed.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Literal
from urllib.parse import quote

from core.settings import Problem

MASK = "<redacted>"
LogFormat = Literal["text", "json"]
_NOISY_LOGGERS = ("httpx", "httpcore", "apscheduler", "hpack", "tornado.access", "aiohttp.access")


@dataclass(frozen=True, slots=True)
class LoggingSettings:
    """The ``[logging]`` section of the configuration file."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: LogFormat = "text"
    """``text`` for a terminal; ``json``, one object per line, for a log collector."""

    def problems(self) -> list[Problem]:
        return []  # no value of this section is wrong once its type is right


def secret_forms(secret: str) -> list[str]:
    """The spellings a secret takes in logs, longest first: as the bot uses it (the environment
    variable trimmed), percent-encoded as in a URL (``%3A`` or ``%3a`` for a token's colon), and
    a bot token's part after the colon, the secret half, alone (at least 8 characters: a shorter
    one is no token, and masking it would garble every line)."""
    secret = secret.strip()
    if not secret:
        return []
    encoded = quote(secret, safe="")
    forms = {secret, encoded, _PERCENT_ESCAPE.sub(lambda m: m.group().lower(), encoded)}
    half = secret.partition(":")[2]
    if len(half) >= 8:
        forms |= {half, quote(half, safe="")}
    return sorted(forms, key=len, reverse=True)


_PERCENT_ESCAPE = re.compile(r"%[0-9A-F]{2}")


class SecretFilter(logging.Filter):
    """Replaces secrets in a record's message, traceback and stack text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._forms = sorted(
            {form for secret in secrets for form in secret_forms(secret)}, key=len, reverse=True
        )

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a wrong format in someone's log call
            # Logging would report it later with the arguments, unmasked, and a traceback; the
            # record factory would even raise it in the caller. Log it as it is instead.
            message = f"{record.msg} (log arguments that did not fit: {record.args!r})"
            record.msg, record.args = message, None
        masked = self.mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            masked = self.mask(text)
            if masked != text:
                # Keep the exception itself only when it is harmless: a handler would render it
                # again, secret included.
                record.exc_text, record.exc_info = masked, None
        elif record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return True

    def mask(self, text: str) -> str:
        for form in self._forms:
            text = text.replace(form, MASK)
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


class MaskingExceptHook:
    """Prints an uncaught exception's traceback as Python would, secrets masked: the tracebacks
    Python prints itself (an exception nobody caught, in the main thread or another) do not go
    through logging, and the Bot API's errors can quote the token (« The token `…` was
    rejected »)."""

    def __init__(self, secret_filter: SecretFilter) -> None:
        self._filter = secret_filter

    def __call__(
        self, kind: type[BaseException], error: BaseException, trace: TracebackType | None
    ) -> None:
        text = "".join(traceback.format_exception(kind, error, trace))
        print(self._filter.mask(text), end="", file=sys.stderr)

    def in_thread(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread is not None else "?"
        sys.stderr.write(f"Exception in thread {name}:\n")
        self(args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback)


def mask_secrets_in_tracebacks(secret_filter: SecretFilter) -> None:
    """Install the masking hooks for uncaught exceptions (replacing any installed earlier)."""
    hook = MaskingExceptHook(secret_filter)
    sys.excepthook = hook
    threading.excepthook = hook.in_thread


class JsonLineFormatter(logging.Formatter):
    """One JSON object per record, on one line (a traceback's newlines are escaped), for log
    collectors that would otherwise cut a traceback into unrelated lines."""

    def __init__(self, replica: str | None = None) -> None:
        super().__init__()
        self._replica = replica

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, str] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if self._replica is not None:
            line["replica"] = self._replica
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False)


def line_formatter(style: LogFormat, replica: str | None = None) -> logging.Formatter:
    """The formatter of ``[logging] format``; the replica's name, when given, in every line."""
    if style == "json":
        return JsonLineFormatter(replica)
    named = "" if replica is None else replica.replace("%", "%%") + " "
    return logging.Formatter(f"%(asctime)s %(levelname)s {named}%(name)s: %(message)s")


def format_log_lines(style: LogFormat, replica: str | None = None) -> None:
    """Write the root handlers' lines in ``style``, naming ``replica`` (``run`` calls this once
    it knows the replica's name; the masking set up by ``setup_logging`` stays as it is)."""
    formatter = line_formatter(style, replica)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter)


def setup_logging(
    level: str,
    secrets: Iterable[str] = (),
    *,
    style: LogFormat = "text",
    replica: str | None = None,
) -> None:
    logging.basicConfig(level=level, force=True)
    format_log_lines(style, replica)
    secret_filter = SecretFilter(secrets)
    mask_secrets_in_records(secret_filter)
    mask_secrets_in_tracebacks(secret_filter)
    for handler in logging.getLogger().handlers:
        handler.addFilter(secret_filter)
    for name in _NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
