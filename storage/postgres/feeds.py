"""(being written) The feeds store on PostgreSQL."""

from __future__ import annotations

from storage.schema import StoreSchema

SCHEMA = StoreSchema("feeds", ())


class PostgresFeedStore:
    def __init__(self, database: object) -> None:
        raise NotImplementedError("being written")
