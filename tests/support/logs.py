"""Logging as ``python -m bot`` sets it up, captured in a string: the way tests look for the
token in what the bot logs."""

from __future__ import annotations

import io
import logging
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from app.logs import setup_logging

TOKEN = "7311408250:AAH3kxQv9-Zr2pL0wTqY8mN4bC6dE1fG7hJ"


def secret_forms(token: str) -> list[str]:
    """Every spelling of ``token`` a log could carry: whole, its secret half, percent-encoded."""
    return [token, token.partition(":")[2], token.replace(":", "%3A"), token.replace(":", "%3a")]


@contextmanager
def production_logging(
    secrets: Sequence[str] = (TOKEN,), *, debug_loggers: Sequence[str] = ()
) -> Iterator[io.StringIO]:
    """``setup_logging`` at DEBUG as the command line calls it, ``debug_loggers`` at DEBUG too
    (httpx logs each request's URL, the token in it), the output kept in a string; everything
    it changed (handlers, levels, record factory, exception hooks) restored after."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level, logging.getLogRecordFactory()
    hooks = sys.excepthook, threading.excepthook
    levels = {name: logging.getLogger(name).level for name in debug_loggers}
    setup_logging("DEBUG", list(secrets))
    for name in debug_loggers:
        logging.getLogger(name).setLevel(logging.DEBUG)
    text = io.StringIO()
    for handler in root.handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(text)
    try:
        yield text
    finally:
        root.handlers[:], level, factory = saved
        root.setLevel(level)
        logging.setLogRecordFactory(factory)
        sys.excepthook, threading.excepthook = hooks
        for name, old in levels.items():
            logging.getLogger(name).setLevel(old)
