"""(being written) The deliveries store on PostgreSQL."""

from __future__ import annotations

from storage.schema import StoreSchema

SCHEMA = StoreSchema("deliveries", ())


class PostgresDeliveryStore:
    def __init__(self, database: object) -> None:
        raise NotImplementedError("being written")
