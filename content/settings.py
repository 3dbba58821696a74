"""The ``[content]`` section of the configuration file: declared once, here, where it is used."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from content.fetch import FetchPolicy
from content.pipeline import SummaryBudget
from content.summarizer import DEFAULT_MAX_WORDS, DEFAULT_MIN_WORDS
from core.settings import Problem, not_positive


@dataclass(frozen=True, slots=True)
class ContentSettings:
    topics_file: Path | None = None
    """Topic file; None: the one shipped in ``content/topics.toml``."""
    load_seed: bool = True
    """Load the shipped article(s) into an empty database on first start."""
    summary_min_words: int = DEFAULT_MIN_WORDS
    summary_max_words: int = DEFAULT_MAX_WORDS
    fetch_timeout_seconds: float = 10.0
    fetch_max_bytes: int = 2_000_000
    fetch_max_redirects: int = 5
    allow_private_hosts: bool = False
    """Fetch from private and loopback addresses too (tests, an intranet)."""
    fetch_trusted_hosts: tuple[str, ...] = ()
    """Host names fetched even at a private address (one intranet news site), while every other
    host, redirect targets included, is still checked: narrower than ``allow_private_hosts``."""

    @property
    def budget(self) -> SummaryBudget:
        return SummaryBudget(self.summary_min_words, self.summary_max_words)

    @property
    def fetch_policy(self) -> FetchPolicy:
        return FetchPolicy(
            timeout_seconds=self.fetch_timeout_seconds,
            max_bytes=self.fetch_max_bytes,
            max_redirects=self.fetch_max_redirects,
            allow_private_hosts=self.allow_private_hosts,
            allowed_hosts=frozenset(host.lower().rstrip(".") for host in self.fetch_trusted_hosts),
        )

    def problems(self) -> list[Problem]:
        """(key, what is wrong) for every value this section cannot work with."""
        found = not_positive(
            {
                "summary_min_words": self.summary_min_words,
                "fetch_max_bytes": self.fetch_max_bytes,
                "fetch_timeout_seconds": self.fetch_timeout_seconds,
            }
        )
        if self.fetch_max_redirects < 0:
            found.append(
                ("fetch_max_redirects", f"must be 0 or more, got {self.fetch_max_redirects}")
            )
        if self.summary_max_words < self.summary_min_words:
            found.append(("summary_max_words", "must be at least content.summary_min_words"))
        return found
