"""(being written) The article store on PostgreSQL."""

from __future__ import annotations


class PostgresArticleStore:
    def __init__(self, database: object) -> None:
        raise NotImplementedError("being written")
