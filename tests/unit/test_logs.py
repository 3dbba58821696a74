"""The secret filter: the token is masked in every spelling, wherever a record carries it, and in
tracebacks printed outside logging; a badly formatted record still reaches the log."""

from __future__ import annotations

import io
import logging
import sys
import threading
from collections.abc import Iterator

import pytest

from app.logs import MASK, SecretFilter
from tests.support.logs import TOKEN, production_logging, secret_forms

SECRET_HALF = TOKEN.partition(":")[2]
forms = secret_forms


@pytest.fixture
def logged() -> Iterator[io.StringIO]:
    """Logging as ``python -m bot`` sets it up, written to a string."""
    with production_logging() as text:
        yield text


def record(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("t", logging.INFO, __file__, 1, message, args, None)


@pytest.mark.parametrize(
    "message",
    [
        f"POST https://api.telegram.org/bot{TOKEN}/getMe",
        f"POST https://api.telegram.org/bot{TOKEN.replace(':', '%3A')}/getMe",
        f"url=http://h/bot{TOKEN.replace(':', '%3a')}/x",
        f"the secret half alone: {SECRET_HALF}",
    ],
)
def test_every_spelling_of_the_token_is_masked(message: str) -> None:
    masked = record(message)
    SecretFilter([TOKEN]).filter(masked)
    for form in forms(TOKEN):
        assert form not in masked.getMessage()
    assert MASK in masked.getMessage()


def test_token_read_with_spaces_around_it_is_masked_as_the_bot_uses_it() -> None:
    """The bot strips the environment variable: the filter must mask what the bot sends."""
    masked = record(f"url=/bot{TOKEN}/getMe")
    SecretFilter([f" {TOKEN}\n"]).filter(masked)
    assert TOKEN not in masked.getMessage()


def test_a_blank_secret_masks_nothing() -> None:
    kept = record("a plain message, with spaces")
    SecretFilter([" ", "\n"]).filter(kept)
    assert kept.getMessage() == "a plain message, with spaces"


def test_exception_chains_and_stacks_are_masked(logged: io.StringIO) -> None:
    logger = logging.getLogger("test.chain")
    try:
        try:
            raise ConnectionError(f"while calling /bot{TOKEN}/getUpdates")
        except ConnectionError as cause:
            raise RuntimeError("the request failed") from cause
    except RuntimeError:
        logger.exception("network")
    logger.info("with stack %s", SECRET_HALF, stack_info=True)
    text = logged.getvalue()
    assert "ConnectionError" in text and "Stack (most recent call last)" in text
    for form in forms(TOKEN):
        assert form not in text


def test_badly_formatted_record_is_logged_not_raised(logged: io.StringIO) -> None:
    """A wrong format in a library's log call must not crash the caller, nor print the
    arguments (the token among them) in logging's own error report."""
    stderr = io.StringIO()
    saved, sys.stderr = sys.stderr, stderr
    try:
        logging.getLogger("test.format").info("count: %d", TOKEN)
    finally:
        sys.stderr = saved
    text = logged.getvalue() + stderr.getvalue()
    assert "count: %d" in text
    for form in forms(TOKEN):
        assert form not in text


def test_uncaught_exceptions_print_masked(logged: io.StringIO) -> None:
    """Tracebacks Python prints itself (an exception nobody caught, in the main thread or in
    another) go through the same mask."""
    stderr = io.StringIO()
    saved, sys.stderr = sys.stderr, stderr
    try:
        try:
            raise ValueError(f"The token `{TOKEN}` was rejected by the server.")
        except ValueError as error:
            sys.excepthook(type(error), error, error.__traceback__)

        def fail() -> None:
            raise ValueError(f"thread saw /bot{TOKEN}/")

        thread = threading.Thread(target=fail)
        thread.start()
        thread.join()
    finally:
        sys.stderr = saved
    text = stderr.getvalue()
    assert text.count("\nValueError: ") == 2 and "Exception in thread" in text and MASK in text
    for form in forms(TOKEN):
        assert form not in text
