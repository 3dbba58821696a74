"""The replica's metrics, in Prometheus's format, on a registry of its own.

Counters are fed from the reports the services already return (a delivery run's
``FanOutReport``, a feed round's ``PollRound``) and from the rate limiter (flood waits, send
slots missed); the delivery backlog is read from the ledger when Prometheus scrapes, so it is
the database's truth at that instant, shared by every replica, rather than one process's guess.
Every series carries the ``replica`` label: replicas scraped through one service still read
apart.

The registry belongs to this object, not to prometheus-client's global default: two bots in one
process (the tests) keep separate counts, and nothing outside asks to be registered.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from digests.delivery import FanOutReport
from digests.ledger import Backlog
from feeds.poller import PollOutcome, PollRound

PREFIX = "sahel"
EXPOSITION_TYPE = CONTENT_TYPE_LATEST
"""The content type of ``exposition()``: Prometheus's text format."""


class ReplicaMetrics:
    """What one bot process counts, and the backlog it reports when asked."""

    def __init__(self, replica: str) -> None:
        self.replica = replica
        self.registry = CollectorRegistry()
        labels = ("replica",)
        self._deliveries = Counter(
            f"{PREFIX}_deliveries",
            "Digests and broadcasts this replica finished or put off, by outcome: sent, "
            "unreachable (the reader blocked the bot), rejected (Telegram refused the message), "
            "deferred (retried later), expired (the reader's day was over).",
            (*labels, "outcome"),
            registry=self.registry,
        )
        self._feed_polls = Counter(
            f"{PREFIX}_feed_polls",
            "Feeds this replica polled, by outcome.",
            (*labels, "outcome"),
            registry=self.registry,
        )
        self._feed_articles = Counter(
            f"{PREFIX}_feed_articles",
            "New articles this replica stored from feeds.",
            labels,
            registry=self.registry,
        )
        self._flood_waits = Counter(
            f"{PREFIX}_flood_waits",
            "Requests Telegram refused with 429 Too Many Requests (a flood wait).",
            labels,
            registry=self.registry,
        )
        self._flood_wait_seconds = Counter(
            f"{PREFIX}_flood_wait_seconds",
            "Seconds Telegram asked this replica to wait (retry_after), summed.",
            labels,
            registry=self.registry,
        )
        self._missed_slots = Counter(
            f"{PREFIX}_send_slots_missed",
            "Shared send slots this replica woke too late to use and let go (PostgreSQL): a "
            "replica too busy to keep its pace; its messages wait for later slots.",
            labels,
            registry=self.registry,
        )
        self._pending = Gauge(
            f"{PREFIX}_deliveries_pending",
            "Deliveries waiting in the ledger (all replicas), read at scrape time.",
            labels,
            registry=self.registry,
        )
        self._claimed = Gauge(
            f"{PREFIX}_deliveries_claimed",
            "Pending deliveries some replica holds a claim on, read at scrape time.",
            labels,
            registry=self.registry,
        )
        self._claim_lag = Gauge(
            f"{PREFIX}_claim_lag_seconds",
            "Age of the oldest pending delivery (0 when none): how far sending lags behind.",
            labels,
            registry=self.registry,
        )
        self._database_up = Gauge(
            f"{PREFIX}_database_up",
            "1 when this scrape's database round trip answered, 0 when it failed.",
            labels,
            registry=self.registry,
        )
        # Every series exists from the start at 0: a rate() over a counter that appears only at
        # its first increment misses that increment.
        for report_field in fields(FanOutReport):
            self._deliveries.labels(replica, report_field.name)
        for outcome in PollOutcome:
            self._feed_polls.labels(replica, outcome.value)
        for counter in (
            self._feed_articles,
            self._flood_waits,
            self._flood_wait_seconds,
            self._missed_slots,
        ):
            counter.labels(replica)

    def delivered(self, report: FanOutReport) -> None:
        """Count a delivery run's outcomes."""
        for report_field in fields(FanOutReport):
            count = getattr(report, report_field.name)
            if count:
                self._deliveries.labels(self.replica, report_field.name).inc(count)

    def polled(self, poll_round: PollRound) -> None:
        """Count a feed round's polls by outcome, and the articles they brought."""
        for outcome in PollOutcome:
            count = poll_round.count(outcome)
            if count:
                self._feed_polls.labels(self.replica, outcome.value).inc(count)
        if poll_round.new_articles:
            self._feed_articles.labels(self.replica).inc(poll_round.new_articles)

    def flood_wait(self, retry_after: float) -> None:
        """Count one 429 and the seconds it asked for: the rate limiter calls this."""
        self._flood_waits.labels(self.replica).inc()
        self._flood_wait_seconds.labels(self.replica).inc(max(retry_after, 0.0))

    def missed_slot(self) -> None:
        """Count one shared send slot let go: the rate limiter calls this."""
        self._missed_slots.labels(self.replica).inc()

    def backlog_read(self, backlog: Backlog, now: datetime) -> None:
        """Show the ledger's backlog as it stood at ``now``."""
        oldest = backlog.oldest_pending_since
        lag = max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
        self._pending.labels(self.replica).set(backlog.pending)
        self._claimed.labels(self.replica).set(backlog.claimed)
        self._claim_lag.labels(self.replica).set(lag)
        self._database_up.labels(self.replica).set(1)

    def backlog_unknown(self) -> None:
        """The database did not answer: say so, and show no backlog rather than a stale one."""
        for gauge in (self._pending, self._claimed, self._claim_lag):
            gauge.clear()
        self._database_up.labels(self.replica).set(0)

    def exposition(self) -> bytes:
        """Every series, in Prometheus's text format (``EXPOSITION_TYPE``)."""
        return generate_latest(self.registry)
