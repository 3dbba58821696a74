"""The ``[database]`` section of the configuration file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from core.settings import Problem, not_positive

POSTGRES_SCHEMES = ("postgresql", "postgres")


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    path: Path = Path("sahel-digest.db")
    """The SQLite file holding articles, subscribers and the delivery ledger (the default)."""
    url: str = ""
    """``postgresql://user:password@host:5432/name``: use PostgreSQL instead of ``path``, which
    several bot processes (replicas) can share."""
    pool_size: int = 10
    """PostgreSQL connections each process keeps open (senders, handlers and jobs share them)."""

    @property
    def backend(self) -> Literal["sqlite", "postgresql"]:
        return "postgresql" if self.url else "sqlite"

    @property
    def location(self) -> str:
        """Where the data is, for logs and banners: the file, or the URL without its password."""
        return redacted_url(self.url) if self.url else str(self.path)

    def problems(self) -> list[Problem]:
        """(key, what is wrong) for every value this section cannot work with."""
        problems = not_positive({"pool_size": self.pool_size})
        if self.url:
            problems += [("url", problem) for problem in url_problems(self.url)]
        return problems


def url_problems(url: str) -> list[str]:
    """What is wrong with a PostgreSQL URL, said without repeating its password."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port raises on a bad one
    except ValueError as error:
        return [f"is not a valid URL ({error})"]
    if parts.scheme not in POSTGRES_SCHEMES:
        return [f"must start with postgresql://, got {redacted_url(url)!r}"]
    if not parts.path.strip("/"):
        return [f"must name a database (postgresql://host/NAME), got {redacted_url(url)!r}"]
    return []


def redacted_url(url: str) -> str:
    """The URL with its password replaced, fit for a log line or an error message."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        netloc = f"{parts.username or ''}:***@{host}{port}"
        return urlunsplit(parts._replace(netloc=netloc))
    except ValueError:
        return "<unreadable database URL>"
