"""A store's schema as data: numbered upgrades, the same shape on every backend.

Each backend keeps, next to each store's queries, a ``StoreSchema`` in its own SQL dialect; its
``schema`` module applies the upgrades a database lacks and records each store's version in a
``schema_versions`` table. The two backends' series are numbered alike, store by store, so that
``python -m bot db migrate-to`` can tell that a file and a server hold the same layout.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from storage.errors import DatabaseTooNew


@dataclass(frozen=True, slots=True)
class Upgrade:
    version: int
    description: str
    sql: str


@dataclass(frozen=True, slots=True)
class StoreSchema:
    """A store's schema: its upgrades, numbered 1..N without gaps."""

    store: str
    upgrades: tuple[Upgrade, ...]

    def __post_init__(self) -> None:
        numbers = [upgrade.version for upgrade in self.upgrades]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"{self.store}: upgrades must be numbered 1..N, got {numbers}")

    @property
    def latest(self) -> int:
        return len(self.upgrades)


def refuse_newer_versions(versions: Mapping[str, int], schemas: Sequence[StoreSchema]) -> None:
    """Raise ``DatabaseTooNew`` when a database records a store this code does not know, or a
    version beyond this code's: a newer bot wrote it, and using it could corrupt it."""
    known = {schema.store: schema.latest for schema in schemas}
    for store, version in sorted(versions.items()):
        if store not in known:
            raise DatabaseTooNew(
                f"database has a {store!r} store that this code does not know; "
                "upgrade the bot instead of opening this database with an older version"
            )
        if version > known[store]:
            raise DatabaseTooNew(
                f"database {store} schema version {version} is newer than this code knows "
                f"({known[store]}); upgrade the bot instead of opening this database with an "
                "older version"
            )
