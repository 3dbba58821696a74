"""What readers type in the wild: « tout sauf russie », « UTC+5:30 », « 7 heures », « ² ».

Pure functions, checked without the bot; the end-to-end side is tests/e2e/test_dialog.py.
"""

from __future__ import annotations

import time as time_module
from datetime import UTC, datetime, time

import pytest

from bot.parsing import clock_out_of_range, parse_clock, parse_count, parse_topics
from content.topics import TopicCatalog
from digests.schedule import local_now
from digests.timezones import offset_out_of_range, resolve_timezone, zone_label

NOON = datetime(2025, 6, 23, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7 heures", time(7, 0)),
        ("19 heures 15", time(19, 15)),
        ("7 heure", time(7, 0)),
        ("à 6h", time(6, 0)),
        ("7H30", time(7, 30)),
        ("7 h 30", time(7, 30)),
        ("minuit", time(0, 0)),
    ],
)
def test_more_clock_spellings(text: str, expected: time) -> None:
    assert parse_clock(text) == expected


@pytest.mark.parametrize("text", ["25h", "7h60", "24:00", "99", "23h75"])
def test_clocks_out_of_range_are_told_apart(text: str) -> None:
    assert parse_clock(text) is None
    assert clock_out_of_range(text)


@pytest.mark.parametrize("text", ["-1", "demain", "7h3", "", "٧h"])
def test_clocks_not_understood(text: str) -> None:
    assert parse_clock(text) is None
    assert not clock_out_of_range(text)


def test_counts_are_plain_positive_numbers() -> None:
    for bad in ("0", "-1", "²", "3.5", "beaucoup", "٣"):
        assert parse_count(bad, default=5, maximum=10) is None, bad
    assert parse_count("9" * 4000, default=5, maximum=10) == 10
    assert parse_count(" 7 ", default=5, maximum=10) == 7


def keys(catalog: TopicCatalog, text: str) -> set[str]:
    return {topic.key for topic in parse_topics(text, catalog).topics}


def test_everything_but(catalog: TopicCatalog) -> None:
    every = set(catalog.keys)
    assert keys(catalog, "tout sauf russie") == every - {"russie"}
    assert keys(catalog, "tout sauf russie et mali") == every - {"russie", "mali"}
    assert keys(catalog, "Tout, sauf Russie, Mali") == every - {"russie", "mali"}
    assert keys(catalog, "tous les sujets sauf la Russie") == every - {"russie"}
    assert keys(catalog, "sauf l’AES") == every - {"aes"}
    assert keys(catalog, "aes mali russie sauf mali") == {"aes", "russie"}
    choice = parse_topics("tout sauf russie", catalog)
    assert not choice.everything and choice.unknown == ()


def test_everything_but_nothing_known_is_no_choice(catalog: TopicCatalog) -> None:
    choice = parse_topics("tout sauf licornes", catalog)
    assert choice.topics == () and not choice.everything
    assert choice.unknown == ("licornes",)


def test_small_words_between_topics_are_not_unknown_topics(catalog: TopicCatalog) -> None:
    choice = parse_topics("l’AES et le Mali, ou la Russie / licornes", catalog)
    assert {topic.key for topic in choice.topics} == {"aes", "mali", "russie"}
    assert choice.unknown == ("licornes",)
    assert keys(catalog, "jihadisme et terrorisme") == {"jihadisme"}


@pytest.mark.parametrize(
    ("text", "local", "label"),
    [
        ("UTC+14", time(2, 0), "UTC+14"),
        ("UTC-12", time(0, 0), "UTC−12"),
        ("UTC+5:30", time(17, 30), "UTC+5:30"),
        ("UTC+05:45", time(17, 45), "UTC+5:45"),
        ("utc + 5h30", time(17, 30), "UTC+5:30"),
        ("GMT+1", time(13, 0), "UTC+1"),
        ("UTC−3", time(9, 0), "UTC−3"),
        ("UTC–3", time(9, 0), "UTC−3"),
        ("UTC+0", time(12, 0), "UTC"),
        ("UTC-09:30", time(2, 30), "UTC−9:30"),
    ],
)
def test_offsets(text: str, local: time, label: str) -> None:
    zone = resolve_timezone(text)
    assert zone is not None, text
    assert local_now(NOON, zone).time() == local
    assert zone_label(zone) == label


@pytest.mark.parametrize("text", ["UTC+15", "UTC-13", "UTC+14:30", "UTC-12:15", "UTC+5:75"])
def test_impossible_offsets(text: str) -> None:
    assert resolve_timezone(text) is None
    assert offset_out_of_range(text)


@pytest.mark.parametrize("text", ["Mars", "UTC+", "UTC+abc", "Paris"])
def test_not_offsets(text: str) -> None:
    assert not offset_out_of_range(text)


@pytest.mark.parametrize(
    ("zone", "label"),
    [
        ("Africa/Bamako", "Bamako"),
        ("Africa/Ndjamena", "N’Djamena"),
        ("Europe/Paris", "Paris"),
        ("Europe/London", "Londres"),
        ("America/New_York", "New York"),
        ("Asia/Tokyo", "Tokyo"),
        ("America/Argentina/Buenos_Aires", "Buenos Aires"),
        ("Etc/GMT-1", "UTC+1"),
        ("Etc/GMT+3", "UTC−3"),
        ("UTC", "UTC"),
    ],
)
def test_zones_are_named_in_french(zone: str, label: str) -> None:
    assert zone_label(zone) == label


def test_a_message_full_of_words_is_read_quickly(catalog: TopicCatalog) -> None:
    """Regression: the greedy match tried every span of the message, O(n³) in characters; a
    4,096-character « /abonner x x x … » held the event loop for minutes (300 words: 1.5 s)."""
    started = time_module.perf_counter()
    choice = parse_topics(" ".join(["x"] * 2000) + " mali", catalog)
    assert time_module.perf_counter() - started < 1.0
    assert [topic.key for topic in choice.topics] == ["mali"] and len(choice.unknown) == 2000


def test_the_longest_topic_name_is_still_found(catalog: TopicCatalog) -> None:
    long_name = "Communauté économique des États de l’Afrique de l’Ouest"
    assert keys(catalog, f"{long_name} et Mali") == {"cedeao", "mali"}
