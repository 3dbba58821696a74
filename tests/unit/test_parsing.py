"""Reading what readers type: times, ids, topics, /ajouter options, button payloads, zones."""

from __future__ import annotations

from datetime import time

import pytest

from bot import callbacks
from bot.parsing import (
    command_argument,
    parse_add_request,
    parse_article_id,
    parse_clock,
    parse_count,
    parse_topics,
)
from content.topics import TopicCatalog
from digests.timezones import resolve_timezone


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7h", time(7, 0)),
        ("07h30", time(7, 30)),
        ("7:30", time(7, 30)),
        ("19h", time(19, 0)),
        ("7 h 30", time(7, 30)),
        ("07:05", time(7, 5)),
        ("0h", time(0, 0)),
        ("23h59", time(23, 59)),
        ("midi", time(12, 0)),
        ("Minuit", time(0, 0)),
        ("6.45", time(6, 45)),
    ],
)
def test_clock_formats(text: str, expected: time) -> None:
    assert parse_clock(text) == expected


@pytest.mark.parametrize("text", ["25:99", "24h", "7h60", "sept heures", "", "7h3", "-1h", "7:3O"])
def test_bad_clocks(text: str) -> None:
    assert parse_clock(text) is None


def test_article_ids() -> None:
    assert parse_article_id("12") == 12
    assert parse_article_id("n°12") == 12
    assert parse_article_id("#3") == 3
    for bad in ("abc", "0", "-1", "1.5", "99999999999999999999", "", "12 13"):
        assert parse_article_id(bad) is None, bad


def test_counts() -> None:
    assert parse_count("", default=5, maximum=10) == 5
    assert parse_count("8", default=5, maximum=10) == 8
    assert parse_count("80", default=5, maximum=10) == 10
    assert parse_count("0", default=5, maximum=10) is None  # said, not silently 1
    assert parse_count("trois", default=5, maximum=10) is None


def test_topics_greedy_multiword_and_unknown(catalog: TopicCatalog) -> None:
    choice = parse_topics("Burkina Faso, aes  russie xyz", catalog)
    assert [t.key for t in choice.topics] == ["burkina", "aes", "russie"]
    assert choice.unknown == ("xyz",)
    assert not choice.everything
    assert parse_topics("tout", catalog).everything
    assert parse_topics("Mali mali MALI", catalog).topics == (catalog.get("mali"),)


def test_command_argument_keeps_newlines() -> None:
    assert command_argument("/ajouter Titre\nCorps") == "Titre\nCorps"
    assert command_argument("/ajouter@sahel_bot\nTitre\nCorps") == "Titre\nCorps"
    assert command_argument("/recherche   goita ") == "goita "
    assert command_argument("/statut") == ""


def test_add_request_options() -> None:
    request = parse_add_request("#aes #Russie\nTitre\nCorps du texte.\nRésumé : Mon résumé.")
    assert request.tags == ("aes", "russie")
    assert request.summary == "Mon résumé."
    assert request.text == "Titre\nCorps du texte."
    assert request.url is None
    link = parse_add_request("https://example.org/article?id=1\n#mali")
    assert link.url == "https://example.org/article?id=1"
    assert link.tags == ("mali",)
    assert parse_add_request("ftp://example.org/a").url == "ftp://example.org/a"
    assert parse_add_request("javascript:alert(1)").url == "javascript:alert(1)"
    assert parse_add_request("Bamako : la pluie\nCorps.").url is None
    hashtag_in_title = parse_add_request("Le #MeToo au Mali\nCorps.")
    assert hashtag_in_title.tags == ()


@pytest.mark.parametrize(
    "action",
    [
        callbacks.Page("mali", 0),
        callbacks.Page(callbacks.ALL, 25),
        callbacks.SearchPage(("goita", "moscou"), 5, True),
        callbacks.ShowTopic("russie"),
        callbacks.Toggle("aes"),
        callbacks.Toggle(callbacks.ALL),
        callbacks.KeyboardDone(),
        callbacks.OpenKeyboard(),
        callbacks.SubscribeAll(),
        callbacks.ConfirmDelete(123),
        callbacks.CancelDelete(),
    ],
)
def test_callback_round_trip_under_64_bytes(action: callbacks.Action) -> None:
    data = callbacks.encode(action)
    assert data.isascii() and len(data.encode()) <= 64
    assert callbacks.decode(data) == action


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "p:mali",
        "p:mali:-1",
        "p:Mali:0",
        "p:mali:01",
        "x:d:abc",
        "r:0:2:goita",
        "r:0:1:GOÏTA",
        "t:",
        "zzz",
        "p:" + "a" * 70 + ":0",
        "x:d:1 ",
        "k:extra",
    ],
)
def test_forged_callbacks_are_rejected(data: str | None) -> None:
    assert callbacks.decode(data) is None


def test_search_terms_too_long_for_a_button_are_refused() -> None:
    with pytest.raises(ValueError):
        callbacks.encode(callbacks.SearchPage(tuple(["mot"] * 30), 0, False))


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("Bamako", "Africa/Bamako"),
        ("ouaga", "Africa/Ouagadougou"),
        ("Niamey", "Africa/Niamey"),
        ("N'Djamena", "Africa/Ndjamena"),
        ("paris", "Europe/Paris"),
        ("Africa/Dakar", "Africa/Dakar"),
        ("africa/bamako", "Africa/Bamako"),
        ("UTC+1", "Etc/GMT-1"),
        ("GMT-3", "Etc/GMT+3"),
        ("utc", "UTC"),
        ("Le Caire", "Africa/Cairo"),
    ],
)
def test_time_zones(text: str, zone: str) -> None:
    assert resolve_timezone(text) == zone


@pytest.mark.parametrize("text", ["Mars", "", "UTC+15", "Africa/Atlantis", "../../etc/passwd"])
def test_unknown_time_zones(text: str) -> None:
    assert resolve_timezone(text) is None
