"""(being written) The subscribers store on PostgreSQL."""

from __future__ import annotations

from storage.schema import StoreSchema

SCHEMA = StoreSchema("subscribers", ())


class PostgresSubscriberStore:
    def __init__(self, database: object) -> None:
        raise NotImplementedError("being written")
