"""The ``[database]`` section of the configuration file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.settings import Problem


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    path: Path = Path("sahel-digest.db")
    """The SQLite file holding articles, subscribers and the delivery ledger."""

    def problems(self) -> list[Problem]:
        """(key, what is wrong) for every value this section cannot work with."""
        return []
