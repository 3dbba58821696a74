"""Who is due, with the clock as an argument: time zones, DST, catch-up, late subscriptions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from digests.schedule import (
    DeliverySchedule,
    candidate_dates,
    due_digests,
    is_due,
    next_delivery,
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def schedule(
    subscriber_id: int = 1,
    when: time = time(7, 0),
    zone: str = "Africa/Bamako",
    since: datetime | None = None,
) -> DeliverySchedule:
    return DeliverySchedule(subscriber_id, when, zone, since)


def test_due_once_local_time_passes_the_hour() -> None:
    assert is_due(schedule(), at("2025-06-23T06:59")) is None
    assert is_due(schedule(), at("2025-06-23T07:00")) == date(2025, 6, 23)
    assert is_due(schedule(), at("2025-06-23T23:59")) == date(2025, 6, 23)


def test_time_zones_shift_the_moment() -> None:
    paris = schedule(zone="Europe/Paris")  # UTC+2 in June
    assert is_due(paris, at("2025-06-23T04:59")) is None
    assert is_due(paris, at("2025-06-23T05:00")) == date(2025, 6, 23)
    tokyo = schedule(zone="Asia/Tokyo")  # UTC+9: already the 24th
    assert is_due(tokyo, at("2025-06-23T22:00")) == date(2025, 6, 24)
    honolulu = schedule(zone="Pacific/Honolulu")  # UTC-10: still the 22nd
    assert is_due(honolulu, at("2025-06-23T08:00")) == date(2025, 6, 22)  # 22:00 there
    assert is_due(honolulu, at("2025-06-23T16:59")) is None
    assert is_due(honolulu, at("2025-06-23T17:00")) == date(2025, 6, 23)


def test_spring_forward_gap_delivers_at_the_first_existing_minute() -> None:
    # Paris, 30 March 2025: 02:00 → 03:00. A 02:30 delivery goes at 03:00 local (01:00 UTC).
    gap = schedule(when=time(2, 30), zone="Europe/Paris")
    assert is_due(gap, at("2025-03-30T00:59")) is None
    assert is_due(gap, at("2025-03-30T01:00")) == date(2025, 3, 30)


def test_fall_back_repeated_hour_delivers_once() -> None:
    # Paris, 26 October 2025: 03:00 → 02:00; 02:30 happens twice (00:30 and 01:30 UTC).
    repeated = schedule(when=time(2, 30), zone="Europe/Paris")
    first = is_due(repeated, at("2025-10-26T00:30"))
    assert first == date(2025, 10, 26)
    recorded = {(1, first)}
    assert due_digests([repeated], recorded, at("2025-10-26T01:30")) == []


def test_catch_up_after_downtime_is_same_local_day_only() -> None:
    reader = schedule()
    # Down from 06:00 to 15:00: at restart the 07:00 digest is still owed today.
    assert [d.local_date for d in due_digests([reader], set(), at("2025-06-23T15:00"))] == [
        date(2025, 6, 23)
    ]
    # Down for two days: only today's digest is owed, not the missed ones.
    assert [d.local_date for d in due_digests([reader], set(), at("2025-06-25T09:00"))] == [
        date(2025, 6, 25)
    ]


def test_recorded_day_is_never_due_again_even_after_an_hour_change() -> None:
    recorded = {(1, date(2025, 6, 23))}
    moved = schedule(when=time(20, 0))
    assert due_digests([moved], recorded, at("2025-06-23T20:30")) == []
    assert len(due_digests([moved], recorded, at("2025-06-24T20:30"))) == 1


def test_subscribing_after_the_hour_starts_tomorrow() -> None:
    late = schedule(since=at("2025-06-23T10:00"))
    assert is_due(late, at("2025-06-23T10:01")) is None
    assert is_due(late, at("2025-06-24T07:00")) == date(2025, 6, 24)
    early = schedule(since=at("2025-06-23T06:00"))
    assert is_due(early, at("2025-06-23T07:00")) == date(2025, 6, 23)


def test_next_delivery_descriptions() -> None:
    reader = schedule()
    before = next_delivery(reader, at("2025-06-23T06:00"), recorded_today=False)
    assert (before.local_date, before.now_due, before.received_today) == (
        date(2025, 6, 23),
        False,
        False,
    )
    owed = next_delivery(reader, at("2025-06-23T08:00"), recorded_today=False)
    assert owed.now_due
    done = next_delivery(reader, at("2025-06-23T08:00"), recorded_today=True)
    assert (done.local_date, done.received_today) == (date(2025, 6, 24), True)


def test_candidate_dates_cover_every_zone() -> None:
    zones = ("Etc/GMT+12", "Pacific/Honolulu", "UTC", "Africa/Bamako", "Asia/Tokyo")
    zones += ("Pacific/Kiritimati",)  # UTC+14
    for hour in range(24):
        now = at(f"2025-06-23T{hour:02d}:30")
        dates = candidate_dates(now)
        assert 1 <= len(dates) <= 3
        for zone in zones:
            local = is_due(schedule(when=time(0, 0), zone=zone), now)
            assert local in dates, (hour, zone)
