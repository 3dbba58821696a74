"""How values are written on every backend, so that rows copy between them unchanged.

Instants are ISO 8601 text to the second with their UTC offset, lists are JSON text, and flags
are 0 or 1, on SQLite and on PostgreSQL alike: the stores of both read rows with the same code,
and ``python -m bot db migrate-to`` and ``db backup`` copy tables column for column.
"""

from __future__ import annotations

from datetime import datetime


def stamp(moment: datetime) -> str:
    """How instants are stored: ISO 8601 to the second, with the UTC offset."""
    return moment.isoformat(timespec="seconds")
