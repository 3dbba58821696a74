"""The ``[digest]`` section of the configuration file: declared once, here, where it is used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.settings import Problem, above, not_positive

DAY_SECONDS = 86_400


@dataclass(frozen=True, slots=True)
class DigestSettings:
    default_time: time = time(7, 0)
    """Delivery time given to new subscribers (they change theirs with /heure)."""
    default_timezone: str = "Africa/Bamako"
    """Time zone given to new subscribers (they change theirs with /fuseau)."""
    max_articles_per_topic: int = 5
    """At most this many articles per topic in a digest."""
    send_when_empty: bool = False
    """When a subscriber has nothing new: send nothing, or a short « Rien de neuf »."""
    check_interval_seconds: int = 60
    """How often the scheduler asks the ledger who is due."""
    concurrency: int = 16
    """Messages in flight at once during a digest fan-out."""
    claim_lease_seconds: int = 60
    """How long a delivering process's claims outlive its last heartbeat: after a crash, its
    unfinished digests are resumed by the next process (or the restarted one) this much later."""

    @property
    def claim_lease(self) -> timedelta:
        return timedelta(seconds=self.claim_lease_seconds)

    def problems(self) -> list[Problem]:
        """(key, what is wrong) for every value this section cannot work with."""
        found = not_positive(
            {
                "max_articles_per_topic": self.max_articles_per_topic,
                "check_interval_seconds": self.check_interval_seconds,
                "concurrency": self.concurrency,
                "claim_lease_seconds": self.claim_lease_seconds,
            }
        ) + above(
            {
                "max_articles_per_topic": (self.max_articles_per_topic, 50),
                "check_interval_seconds": (self.check_interval_seconds, DAY_SECONDS),
                "concurrency": (self.concurrency, 1000),
                "claim_lease_seconds": (self.claim_lease_seconds, DAY_SECONDS),
            }
        )
        try:
            ZoneInfo(self.default_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            found.insert(
                0,
                (
                    "default_timezone",
                    f"is not a known time zone: {self.default_timezone!r} "
                    '(use an IANA name such as "Africa/Bamako")',
                ),
            )
        return found
