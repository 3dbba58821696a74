"""Item identity (keys, normalised links, content hash) and the per-feed word filters."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from content.text import words
from feeds.filters import parse_words, passes
from feeds.identity import content_hash, item_key, normalised_link
from feeds.models import FeedItem
from feeds.parse import parse_feed

DATA = Path(__file__).resolve().parents[1] / "data" / "feeds"
NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def item(
    title: str = "",
    text: str = "",
    *,
    guid: str | None = None,
    link: str | None = None,
    standfirst: str | None = None,
) -> FeedItem:
    return FeedItem(guid, link, title, text, standfirst, None)


# --- identity ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "normalised"),
    [
        (
            "HTTPS://WWW.Sahel-Info.Example:443/Mali/Article?id=3&utm_source=rss#commentaires",
            "https://www.sahel-info.example/Mali/Article?id=3",
        ),
        ("http://Gao.example:80", "http://gao.example/"),
        ("http://gao.example:8080/a?xtor=RSS-1&b=2&fbclid=x", "http://gao.example:8080/a?b=2"),
        ("https://user:Secret@Kayes.example./a", "https://user:Secret@kayes.example/a"),
        ("http://[2001:DB8::1]:80/x", "http://[2001:db8::1]/x"),
        ("  https://a.example/b?z=1&a=2  ", "https://a.example/b?z=1&a=2"),  # order kept
        ("http://[::1/broken", "http://[::1/broken"),
    ],
)
def test_normalised_link(url: str, normalised: str) -> None:
    assert normalised_link(url) == normalised


def test_keys_of_parsed_items() -> None:
    body = (DATA / "dates_and_identity.xml").read_bytes()
    feed = parse_feed(
        body, url="https://tombouctou-express.example/rss/", content_type=None, now=NOW
    )
    assert [item_key(entry) for entry in feed.items] == [
        "link:https://tombouctou-express.example/culture/manuscrits",
        "link:https://tombouctou-express.example/niger/bulletin",
        "guid:te-1970",
        "guid:te-near",
    ]


def test_the_link_key_ignores_tracking_and_fragments() -> None:
    first = item("Mali", link="https://a.example/mali?utm_source=rss#haut")
    second = item("Mali", link="HTTPS://A.example/mali?utm_medium=feed")
    assert item_key(first) == item_key(second) == "link:https://a.example/mali"


def test_an_item_with_neither_guid_nor_link_is_known_by_its_title() -> None:
    key = item_key(item("Kidal : renforts envoyés", "Texte."))
    assert key == "title:f3852832d8b76fc010e4f9f59126c5e4366a43ea"  # sha1("kidal renforts envoyes")
    assert item_key(item("KIDAL — renforts  envoyés !", "Autre texte.")) == key
    assert item_key(item("Kidal : renforts attendus", "Texte.")) != key
    assert item_key(item("…", "Texte.")) is None


def test_content_hash_changes_with_the_words_only() -> None:
    original = item("Gao : courant rétabli", "Énergie du Mali a rétabli le courant.", guid="g")
    assert content_hash(original) == "c843282fce9d55c4839a9d3d4934c0ccefd1e2f7"
    rewrapped = item(
        " Gao :  courant rétabli", "Énergie du Mali\na rétabli  le courant. ", guid="x"
    )
    assert content_hash(rewrapped) == content_hash(original)
    edited_text = item("Gao : courant rétabli", "Énergie du Mali a rétabli le courant jeudi.")
    edited_title = item("Gao : le courant rétabli", "Énergie du Mali a rétabli le courant.")
    assert len({content_hash(original), content_hash(edited_text), content_hash(edited_title)}) == 3


# --- filters -------------------------------------------------------------------------------------

COUP = item(
    "Burkina-Faso : tentative de coup d’État déjoué",
    "Le gouvernement du capitaine Traoré affirme avoir déjoué un complot. "
    "Les AUTORITÉS maliennes ont exprimé leur soutien.",
    standfirst="Ouagadougou accuse des officiers en exil en Côte d'Ivoire.",
)


@pytest.mark.parametrize(
    ("include", "exclude", "kept"),
    [
        ((), (), True),
        (("Burkina Faso",), (), True),  # « Burkina-Faso » in the title
        (("coup d'etat",), (), True),  # curly apostrophe and accent in the item
        (("COUP D'ÉTAT",), (), True),
        (("autorites maliennes",), (), True),
        (("cote d'ivoire",), (), True),  # in the standfirst
        (("Mali",), (), False),  # « maliennes » is another word
        (("Niger", "Traoré"), (), True),  # one of them is enough
        (("Niger",), (), False),
        (("etat coup",), (), False),  # a phrase keeps its order
        ((), ("complot",), False),
        (("Burkina",), ("complot",), False),  # exclusion wins
        ((), ("Niger",), True),
        (("…",), (), True),  # a word without letters is ignored
    ],
)
def test_passes(include: tuple[str, ...], exclude: tuple[str, ...], kept: bool) -> None:
    assert passes(COUP, include=include, exclude=exclude) is kept


@pytest.mark.parametrize(
    ("argument", "parsed"),
    [
        ("mali niger", ("mali", "niger")),
        ("Mali, Burkina Faso ; AES", ("Mali", "Burkina Faso", "AES")),
        ("« coup d'État » Niger", ("coup d'État", "Niger")),
        ('"Burkina Faso", “Assimi Goïta”', ("Burkina Faso", "Assimi Goïta")),
        ("«coup d'État»,   junte  militaire", ("coup d'État", "junte militaire")),
        ("Mali mali MALI Malí", ("Mali",)),  # repeats, as matching compares them
        ("« Tillabéri sans fin", ("Tillabéri sans fin",)),  # an unclosed quote
        (" , ; « » ", ()),
        ("", ()),
    ],
)
def test_parse_words(argument: str, parsed: tuple[str, ...]) -> None:
    assert parse_words(argument) == parsed


@settings(max_examples=100, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(
            "Le Mali et le Niger ont signé à Niamey ; l’AES « coup d'État » Goïta Burkina-Faso "
            "12 % … , . ! ? ( ) élection".split()
        ),
        min_size=1,
        max_size=30,
    ).map(" ".join),
    data=st.data(),
)
def test_any_word_of_an_item_includes_it(text: str, data: st.DataObject) -> None:
    found = words(text)
    if not found:
        return
    word = data.draw(st.sampled_from(found))
    entry = item("Titre", text)
    assert passes(entry, include=[word.upper()], exclude=[])
    assert not passes(entry, include=[], exclude=[word])
    assert parse_words(f"« {word} »") == (word,)
