"""The replica's metrics: counted from the services' reports, each series labelled with the
replica, on a registry of the bot's own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client import REGISTRY

from app.metrics import ReplicaMetrics
from bot.ratelimit import FloodWatch
from digests.delivery import FanOutReport
from digests.ledger import Backlog
from feeds.models import Feed, FeedState
from feeds.poller import PollOutcome, PollResult, PollRound
from tests.support.ops import Samples, parse_samples, sample

NOW = datetime(2025, 6, 23, 7, 0, tzinfo=UTC)
FEED = Feed(
    1, "https://lesahel.example/rss", None, None, (), (), False, NOW, "test", NOW, FeedState()
)


def samples_of(metrics: ReplicaMetrics) -> Samples:
    return parse_samples(metrics.exposition().decode())


def test_delivery_runs_add_up_by_outcome() -> None:
    metrics = ReplicaMetrics("bot-1")
    metrics.delivered(FanOutReport(sent=5, unreachable=1, deferred=2))
    metrics.delivered(FanOutReport(sent=2, rejected=1, expired=3))
    samples = samples_of(metrics)
    counts = {
        outcome: sample(samples, "sahel_deliveries_total", replica="bot-1", outcome=outcome)
        for outcome in ("sent", "unreachable", "rejected", "deferred", "expired")
    }
    assert counts == {"sent": 7, "unreachable": 1, "rejected": 1, "deferred": 2, "expired": 3}


def test_feed_rounds_add_up_by_outcome_with_their_articles() -> None:
    metrics = ReplicaMetrics("bot-1")
    metrics.polled(
        PollRound(
            [
                PollResult(FEED, PollOutcome.FETCHED, items=4, new_articles=3),
                PollResult(FEED, PollOutcome.FETCHED, items=1, new_articles=1),
                PollResult(FEED, PollOutcome.FAILED, error="timeout"),
            ]
        )
    )
    metrics.polled(PollRound([PollResult(FEED, PollOutcome.NOT_MODIFIED)]))
    samples = samples_of(metrics)
    polls = {
        outcome.value: sample(
            samples, "sahel_feed_polls_total", replica="bot-1", outcome=outcome.value
        )
        for outcome in PollOutcome
    }
    assert polls == {"fetched": 2, "not_modified": 1, "failed": 1, "gone": 0}
    assert sample(samples, "sahel_feed_articles_total", replica="bot-1") == 4


def test_flood_waits_count_the_429s_and_the_seconds_asked() -> None:
    metrics = ReplicaMetrics("bot-1")
    watch: FloodWatch = metrics  # what the rate limiter is given
    watch.flood_wait(3.0)
    watch.flood_wait(0.5)
    samples = samples_of(metrics)
    assert sample(samples, "sahel_flood_waits_total", replica="bot-1") == 2
    assert sample(samples, "sahel_flood_wait_seconds_total", replica="bot-1") == 3.5


def test_missed_send_slots_are_counted_from_zero() -> None:
    metrics = ReplicaMetrics("bot-1")
    assert sample(samples_of(metrics), "sahel_send_slots_missed_total", replica="bot-1") == 0
    metrics.missed_slot()
    metrics.missed_slot()
    assert sample(samples_of(metrics), "sahel_send_slots_missed_total", replica="bot-1") == 2


def test_the_backlog_shows_its_age_and_goes_away_when_unknown() -> None:
    metrics = ReplicaMetrics("bot-1")
    metrics.backlog_read(
        Backlog(pending=12, claimed=4, oldest_pending_since=NOW), NOW + timedelta(minutes=2)
    )
    samples = samples_of(metrics)
    assert sample(samples, "sahel_deliveries_pending", replica="bot-1") == 12
    assert sample(samples, "sahel_deliveries_claimed", replica="bot-1") == 4
    assert sample(samples, "sahel_claim_lag_seconds", replica="bot-1") == 120
    assert sample(samples, "sahel_database_up", replica="bot-1") == 1
    metrics.backlog_unknown()
    samples = samples_of(metrics)
    assert sample(samples, "sahel_deliveries_pending", replica="bot-1") is None
    assert sample(samples, "sahel_claim_lag_seconds", replica="bot-1") is None
    assert sample(samples, "sahel_database_up", replica="bot-1") == 0
    metrics.backlog_read(Backlog(pending=0, claimed=0, oldest_pending_since=None), NOW)
    assert sample(samples_of(metrics), "sahel_claim_lag_seconds", replica="bot-1") == 0


def test_every_series_names_its_replica_and_two_bots_count_apart() -> None:
    first, second = ReplicaMetrics("bot-1"), ReplicaMetrics("bot-2")
    first.delivered(FanOutReport(sent=1))
    first.backlog_read(Backlog(pending=1, claimed=0, oldest_pending_since=NOW), NOW)
    samples = samples_of(first)
    assert samples
    assert all(dict(labels).get("replica") == "bot-1" for _name, labels in samples)
    assert (
        sample(samples_of(second), "sahel_deliveries_total", replica="bot-2", outcome="sent") == 0
    )
    assert REGISTRY.get_sample_value("sahel_deliveries_total", {"replica": "bot-1"}) is None
