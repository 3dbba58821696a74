"""How the storage layer says no, whatever the backend."""

from __future__ import annotations


class StorageError(Exception):
    """The database refused an operation (read-only file, disk full, corruption, lock timeout)."""


class DatabaseTooNew(StorageError):
    """The database was upgraded by a newer version of the bot; using it could corrupt it."""


class DatabaseInUse(StorageError):
    """Another process holds a right on this database that only one process may hold."""
