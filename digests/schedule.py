"""Who is owed a digest right now. Pure: the clock comes in as an argument.

The database is the source of truth and the scheduler only a clock: every minute the job asks
this module which subscribers' local time has passed their delivery hour on a local date for which
they have nothing recorded yet. That single rule gives catch-up after downtime (same local day
only), immunity to skipped ticks, and "an hour moved after today's digest sends nothing more".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from digests.timezones import fixed_offset


@dataclass(frozen=True, slots=True)
class DeliverySchedule:
    subscriber_id: int
    delivery_time: time
    timezone: str
    subscribed_since: datetime | None
    """When the current subscription began (aware UTC); None for "long ago"."""


@dataclass(frozen=True, slots=True)
class DueDigest:
    subscriber_id: int
    local_date: date


@lru_cache(maxsize=1024)
def zone(name: str) -> tzinfo:
    """The zone a subscriber's setting names: an IANA zone, or a fixed offset with minutes
    (``UTC+05:30``, which IANA has no fixed zone for). Cached: this avoids the lookup per call."""
    return fixed_offset(name) or ZoneInfo(name)


def local_now(now: datetime, timezone: str) -> datetime:
    return now.astimezone(zone(timezone))


def delivery_moment(day: date, delivery_time: time, timezone: str) -> datetime:
    """The instant (aware UTC) a digest set for ``delivery_time`` in ``timezone`` is due on the
    local date ``day``."""
    return datetime.combine(day, delivery_time, tzinfo=zone(timezone)).astimezone(UTC)


def is_due(schedule: DeliverySchedule, now: datetime) -> date | None:
    """The local date owed a digest at ``now``, or None.

    Times compare on the wall clock: on a spring-forward day a 02:30 delivery goes at 03:00,
    the first minute that exists after it; on a fall-back day the first 01:30 counts.
    """
    local = local_now(now, schedule.timezone)
    if local.time() < schedule.delivery_time:
        return None
    if schedule.subscribed_since is not None:
        since = local_now(schedule.subscribed_since, schedule.timezone)
        # Subscribed after today's hour had passed: the first digest is tomorrow's.
        if since.date() > local.date() or (
            since.date() == local.date() and since.time() > schedule.delivery_time
        ):
            return None
    return local.date()


def due_digests(
    schedules: Iterable[DeliverySchedule],
    recorded: set[tuple[int, date]],
    now: datetime,
) -> list[DueDigest]:
    """Subscribers owed a digest at ``now``, skipping (subscriber, local date) pairs already in
    the ledger, whatever their state: sent, empty, pending or failed."""
    due = []
    for schedule in schedules:
        local_date = is_due(schedule, now)
        if local_date is not None and (schedule.subscriber_id, local_date) not in recorded:
            due.append(DueDigest(schedule.subscriber_id, local_date))
    return due


def candidate_dates(now: datetime) -> tuple[date, ...]:
    """Every local date some time zone on Earth can be at ``now`` (UTC-12 to UTC+14)."""
    earliest = now.astimezone(zone("Etc/GMT+12")).date()
    latest = now.astimezone(zone("Etc/GMT-14")).date()
    return tuple(sorted({earliest, now.date(), latest}))


@dataclass(frozen=True, slots=True)
class NextDelivery:
    local_date: date
    delivery_time: time
    now_due: bool
    """True when the digest is owed already and leaves at the next tick."""
    received_today: bool
    """True when today's digest is already recorded (so the next one is tomorrow's)."""


def next_delivery(
    schedule: DeliverySchedule, now: datetime, *, recorded_today: bool
) -> NextDelivery:
    """When the reader's next digest leaves, for /statut and confirmations."""
    local = local_now(now, schedule.timezone)
    today = local.date()
    if not recorded_today:
        if is_due(schedule, now) == today:
            return NextDelivery(today, schedule.delivery_time, True, False)
        if local.time() < schedule.delivery_time:
            return NextDelivery(today, schedule.delivery_time, False, False)
    return NextDelivery(today + timedelta(days=1), schedule.delivery_time, False, recorded_today)
