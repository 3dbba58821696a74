"""When a feed is polled next, and when admins hear about it: pure rules on a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feeds.models import FeedState
from feeds.schedule import alert_due, next_poll_on_failure, next_poll_on_success, recovered
from feeds.settings import FeedSettings

NOW = datetime(2025, 6, 23, 5, 0, tzinfo=UTC)
SETTINGS = FeedSettings(poll_interval_minutes=10, max_interval_minutes=1440)
DAY = timedelta(days=1)


def after_success(
    *,
    ttl_minutes: int | None = None,
    max_age: timedelta | None = None,
    retry_after: timedelta | None = None,
    settings: FeedSettings = SETTINGS,
) -> timedelta:
    moment = next_poll_on_success(
        NOW, settings, ttl_minutes=ttl_minutes, max_age=max_age, retry_after=retry_after
    )
    return moment - NOW


def after_failure(
    errors_in_row: int,
    retry_after: timedelta | None = None,
    settings: FeedSettings = SETTINGS,
) -> timedelta:
    moment = next_poll_on_failure(
        NOW, settings, errors_in_row=errors_in_row, retry_after=retry_after
    )
    return moment - NOW


# --- success ----------------------------------------------------------------------------------


def test_a_working_feed_is_polled_every_interval() -> None:
    assert after_success() == timedelta(minutes=10)


MINUTES = timedelta(minutes=1)
Wishes = tuple[int | None, timedelta | None, timedelta | None]
"""An outlet's (ttl_minutes, max_age, retry_after)."""


def after_wishes(wishes: Wishes, settings: FeedSettings = SETTINGS) -> timedelta:
    ttl_minutes, max_age, retry_after = wishes
    return after_success(
        ttl_minutes=ttl_minutes, max_age=max_age, retry_after=retry_after, settings=settings
    )


@pytest.mark.parametrize(
    ("wishes", "expected"),
    [
        ((60, None, None), 60 * MINUTES),
        ((None, 30 * MINUTES, None), 30 * MINUTES),
        ((None, None, 120 * MINUTES), 120 * MINUTES),
        ((60, 180 * MINUTES, None), 180 * MINUTES),
        ((240, None, 20 * MINUTES), 240 * MINUTES),
    ],
)
def test_the_outlets_longest_wish_is_honoured(wishes: Wishes, expected: timedelta) -> None:
    assert after_wishes(wishes) == expected


@pytest.mark.parametrize(
    "wishes",
    [
        (1, None, None),
        (0, None, None),
        (-30, None, None),
        (None, timedelta(0), None),
        (None, timedelta(seconds=30), None),
        (None, None, timedelta(0)),
    ],
)
def test_the_outlet_cannot_make_us_poll_faster_than_the_interval(wishes: Wishes) -> None:
    assert after_wishes(wishes) == 10 * MINUTES


@pytest.mark.parametrize(
    "wishes",
    [
        (10_000, None, None),
        (10**15, None, None),  # would overflow timedelta without the cap first
        (None, timedelta(days=30), None),
        (None, None, timedelta(days=366)),
    ],
)
def test_wishes_stop_at_the_longest_interval(wishes: Wishes) -> None:
    assert after_wishes(wishes) == DAY
    short = FeedSettings(poll_interval_minutes=10, max_interval_minutes=120)
    assert after_wishes(wishes, short) == 120 * MINUTES


# --- failure ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("errors", "expected"),
    [
        (1, timedelta(minutes=10)),
        (2, timedelta(minutes=20)),
        (3, timedelta(minutes=40)),
        (5, timedelta(minutes=160)),
        (8, timedelta(minutes=1280)),
        (9, DAY),  # 2560 minutes, capped
        (100, DAY),
        (10**9, DAY),  # no OverflowError however long the feed has failed
    ],
)
def test_failures_back_off_exponentially_up_to_a_day(errors: int, expected: timedelta) -> None:
    assert after_failure(errors) == expected


def test_zero_or_negative_error_counts_read_as_one_failure() -> None:
    assert after_failure(0) == after_failure(-3) == timedelta(minutes=10)


def test_retry_after_lengthens_the_backoff_but_not_past_the_cap() -> None:
    assert after_failure(1, timedelta(hours=2)) == timedelta(hours=2)
    assert after_failure(3, timedelta(minutes=5)) == timedelta(minutes=40)
    assert after_failure(1, timedelta(days=3)) == DAY


def test_the_backoff_cap_is_the_shorter_of_a_day_and_the_longest_interval() -> None:
    short = FeedSettings(poll_interval_minutes=10, max_interval_minutes=60)
    assert after_failure(5, settings=short) == timedelta(hours=1)
    assert after_failure(1, timedelta(hours=5), settings=short) == timedelta(hours=1)
    long = FeedSettings(poll_interval_minutes=10, max_interval_minutes=7 * 1440)
    assert after_failure(30, settings=long) == DAY


def test_a_feed_polled_less_than_daily_is_not_polled_more_often_when_it_fails() -> None:
    weekly = FeedSettings(poll_interval_minutes=2 * 1440, max_interval_minutes=7 * 1440)
    assert after_failure(1, settings=weekly) == timedelta(days=2)
    assert after_failure(5, settings=weekly) == timedelta(days=2)


@given(
    errors=st.integers(min_value=-5, max_value=10**6),
    retry_seconds=st.one_of(st.none(), st.integers(min_value=0, max_value=10**8)),
    interval=st.floats(min_value=0.5, max_value=1440),
)
def test_failure_waits_stay_within_their_bounds(
    errors: int, retry_seconds: int | None, interval: float
) -> None:
    settings = FeedSettings(poll_interval_minutes=interval, max_interval_minutes=1440)
    retry_after = None if retry_seconds is None else timedelta(seconds=retry_seconds)
    wait = after_failure(errors, retry_after, settings)
    assert settings.poll_interval - timedelta(microseconds=1) <= wait <= DAY
    if retry_after is not None:
        assert wait >= min(retry_after, DAY)
    assert after_failure(errors + 1, retry_after, settings) >= wait


# --- alerts -----------------------------------------------------------------------------------


def failing(hours: float, *, alerted: bool = False) -> FeedState:
    since = NOW - timedelta(hours=hours)
    return FeedState(failing_since=since, errors_in_row=5, alerted=alerted, last_error="HTTP 500")


def test_admins_are_alerted_once_after_a_day_of_failures() -> None:
    settings = FeedSettings(alert_after_hours=24)
    assert not alert_due(failing(23.9), NOW, settings)
    assert alert_due(failing(24), NOW, settings)
    assert alert_due(failing(100), NOW, settings)
    assert not alert_due(failing(100, alerted=True), NOW, settings)


def test_a_working_feed_raises_no_alert() -> None:
    assert not alert_due(FeedState(last_success_at=NOW), NOW, FeedSettings(alert_after_hours=1))


def test_recovery_is_announced_only_after_an_alert() -> None:
    assert recovered(failing(30, alerted=True))
    assert not recovered(failing(2))
    assert not recovered(FeedState())
