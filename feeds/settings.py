"""The ``[feeds]`` section of the configuration file: declared once, here, where it is used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from core.settings import Problem, above, not_positive

DAY_SECONDS = 86_400


@dataclass(frozen=True, slots=True)
class FeedSettings:
    enabled: bool = True
    """Poll the followed feeds while the bot runs (``feeds poll --once`` works either way)."""
    sources_file: Path | None = None
    """Feeds followed on first start; None: the ones shipped in ``content/sources.toml``."""
    load_sources: bool = True
    """Follow the feeds of ``sources_file`` when the feed store is empty (first start)."""
    check_interval_seconds: float = 60.0
    """How often the bot looks for feeds due (each feed has its own next poll)."""
    poll_interval_minutes: float = 10.0
    """How often a feed is polled when it works and asks for nothing else."""
    max_interval_minutes: float = 1440.0
    """Longest wait between polls: a feed's <ttl>, max-age, Retry-After or backoff stops here."""
    per_host_concurrency: int = 2
    """Requests at once to one host (an outlet's several feeds share its server)."""
    concurrency: int = 8
    """Feeds polled at once in all."""
    workers: int = 1
    """Processes that parse feeds and summarise and tag their items beside the bot (0: a
    thread of the bot's own process, which then does all that work on one core)."""
    timeout_seconds: float = 15.0
    """One overall deadline per request: connection, redirects and body."""
    max_bytes: int = 5_000_000
    """Largest feed or page read, after decompression."""
    max_redirects: int = 5
    allow_private_hosts: bool = False
    """Fetch feeds from private and loopback addresses too (tests, an intranet)."""
    trusted_hosts: tuple[str, ...] = ()
    """Host names fetched even at a private address; every other host is still checked."""
    teaser_words: int = 80
    """An item shorter than this is a teaser: its page is fetched and its article extracted."""
    first_poll_hours: float = 24.0
    """On a feed's first poll, only items published within this many hours become articles."""
    alert_after_hours: float = 24.0
    """Admins are told once when a feed has failed for this long, and again when it recovers."""
    user_agent: str = "SahelDigestBot/0.1 (+https://github.com/sahel-digest/sahel-digest)"

    @property
    def poll_interval(self) -> timedelta:
        return timedelta(minutes=self.poll_interval_minutes)

    @property
    def max_interval(self) -> timedelta:
        return timedelta(minutes=self.max_interval_minutes)

    @property
    def first_poll_window(self) -> timedelta:
        return timedelta(hours=self.first_poll_hours)

    @property
    def alert_after(self) -> timedelta:
        return timedelta(hours=self.alert_after_hours)

    def problems(self) -> list[Problem]:
        """(key, what is wrong) for every value this section cannot work with."""
        found = not_positive(
            {
                "check_interval_seconds": self.check_interval_seconds,
                "poll_interval_minutes": self.poll_interval_minutes,
                "max_interval_minutes": self.max_interval_minutes,
                "per_host_concurrency": self.per_host_concurrency,
                "concurrency": self.concurrency,
                "timeout_seconds": self.timeout_seconds,
                "max_bytes": self.max_bytes,
                "first_poll_hours": self.first_poll_hours,
                "alert_after_hours": self.alert_after_hours,
            }
        )
        found += above(
            {
                "check_interval_seconds": (self.check_interval_seconds, DAY_SECONDS),
                "poll_interval_minutes": (self.poll_interval_minutes, 7 * DAY_SECONDS / 60),
                "max_interval_minutes": (self.max_interval_minutes, 7 * DAY_SECONDS / 60),
                "timeout_seconds": (self.timeout_seconds, 3600),
                "concurrency": (self.concurrency, 256),
                "per_host_concurrency": (self.per_host_concurrency, 16),
            }
        )
        if not 0 <= self.workers <= 16:
            found.append(("workers", f"must be from 0 to 16, got {self.workers}"))
        if self.max_redirects < 0:
            found.append(("max_redirects", f"must be 0 or more, got {self.max_redirects}"))
        if self.teaser_words < 0:
            found.append(("teaser_words", f"must be 0 or more, got {self.teaser_words}"))
        if self.max_interval_minutes < self.poll_interval_minutes:
            found.append(("max_interval_minutes", "must be at least feeds.poll_interval_minutes"))
        if not self.user_agent.strip() or not self.user_agent.isprintable():
            found.append(("user_agent", "must be a printable, non-empty string"))
        return found
