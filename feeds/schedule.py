"""When to poll a feed next, and when to tell admins about it: pure rules, the clock passed in.

A working feed is polled every ``poll_interval``, or later when the outlet asks for it (RSS
``<ttl>``, Cache-Control max-age, Retry-After): never sooner than it asks, since polling
faster than an outlet wishes gets readers' agents blocked. A failing feed backs off
exponentially, so a dead site costs a few requests a day rather than one every ten minutes,
and readers still see a feed that comes back within a day at most.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from feeds.models import FeedState
from feeds.settings import FeedSettings

LONGEST_BACKOFF = timedelta(days=1)
"""A failing feed is retried at least daily: a site down for a weekend is back on Monday."""
_MAX_DOUBLINGS = 64
"""Beyond this many doublings every interval has long reached the cap: it bounds the power."""


def next_poll_on_success(
    now: datetime,
    settings: FeedSettings,
    *,
    ttl_minutes: int | None,
    max_age: timedelta | None,
    retry_after: timedelta | None,
) -> datetime:
    """The poll interval, or the longest wait the outlet asked for, within ``max_interval``."""
    ceiling = settings.max_interval
    waits = [settings.poll_interval]
    if ttl_minutes is not None and ttl_minutes > 0:  # min() first: a huge ttl overflows
        waits.append(timedelta(minutes=min(ttl_minutes, ceiling.total_seconds() / 60)))
    waits += [wait for wait in (max_age, retry_after) if wait is not None]
    return now + min(max(waits), ceiling)


def next_poll_on_failure(
    now: datetime,
    settings: FeedSettings,
    *,
    errors_in_row: int,
    retry_after: timedelta | None,
) -> datetime:
    """Exponential backoff: ``poll_interval × 2^(errors_in_row − 1)``, at least Retry-After,
    at most ``max_interval`` and a day.

    A feed polled less often than daily when it works (``poll_interval`` over a day) is not
    polled more often when it fails: the day cap then becomes ``poll_interval``.
    """
    ceiling = min(settings.max_interval, max(LONGEST_BACKOFF, settings.poll_interval))
    doublings = min(max(errors_in_row - 1, 0), _MAX_DOUBLINGS)
    backoff_seconds = settings.poll_interval.total_seconds() * 2.0**doublings
    backoff = timedelta(seconds=min(backoff_seconds, ceiling.total_seconds()))
    if retry_after is not None:
        backoff = max(backoff, retry_after)
    return now + min(backoff, ceiling)


def alert_due(state: FeedState, now: datetime, settings: FeedSettings) -> bool:
    """Admins should now be told the feed is failing: for ``alert_after`` at least, and they
    were not told yet (once per run of failures: readers complain of spam as much as silence)."""
    return (
        state.failing_since is not None
        and not state.alerted
        and now - state.failing_since >= settings.alert_after
    )


def recovered(previous: FeedState) -> bool:
    """A poll just succeeded after this state: admins were told of the failure, so they are
    told of the recovery too."""
    return previous.alerted
