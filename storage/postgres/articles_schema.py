"""(being written) The articles store on PostgreSQL."""

from __future__ import annotations

from storage.schema import StoreSchema

SCHEMA = StoreSchema("articles", ())
