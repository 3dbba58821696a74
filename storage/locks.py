"""One process polls Telegram per database.

Two processes polling one bot make Telegram refuse both (409 Conflict, over and over), so the
second ``run`` in polling mode must not start. On SQLite, the bot's database lives on one
machine: an advisory lock on a file beside it says who polls, and the kernel drops it the
instant that process ends, crash or not, so a restart never waits for a stale lease.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from storage.errors import DatabaseInUse, StorageError
from storage.settings import DatabaseSettings

SUFFIX = ".polling.lock"


@contextmanager
def polling_lock(settings: DatabaseSettings) -> Iterator[None]:
    """Hold the right to poll for this database while the block runs, or raise
    :class:`DatabaseInUse` naming the process that holds it."""
    path = settings.path.with_name(settings.path.name + SUFFIX)
    try:
        handle = path.open("a+", encoding="utf-8")
    except OSError as error:
        raise StorageError(f"cannot create the lock file {path}: {error.strerror}") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise DatabaseInUse(
                f"another bot process (pid {holder}) is already polling Telegram with the "
                f"database {settings.path}; stop it first (two pollers make Telegram refuse "
                "both), or run replicas in webhook mode"
            ) from None
        handle.seek(0)
        handle.truncate()
        print(os.getpid(), file=handle)
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
