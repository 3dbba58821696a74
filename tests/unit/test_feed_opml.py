"""OPML in and out: the dialects readers export, what is not OPML, and the round trip."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.opml import OpmlError, OpmlFeed, read_opml, write_opml

DATA = Path(__file__).resolve().parents[1] / "data" / "feeds"
NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
SUBSCRIPTIONS = [
    OpmlFeed("https://www.studio-tamani.example/feed/", "Studio Tamani", None),
    OpmlFeed("https://www.rfi.example/fr/afrique/rss", "RFI Afrique", "Sahel"),
    OpmlFeed(
        "https://niger-matin.example/flux/atom.xml", "Niger Matin — actualités", "Sahel/Niger"
    ),
    OpmlFeed("https://lefaso.example/spip.php?page=backend&lang=fr", "Le Faso.net", "Burkina Faso"),
]
"""What subscriptions.opml holds: the duplicate once, the site without feed and the included
list left out, nested folders joined, the first of two categories."""


def test_read_a_reader_export() -> None:
    assert read_opml((DATA / "subscriptions.opml").read_bytes()) == SUBSCRIPTIONS


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("utf-16"),
        lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"),
        lambda text: text.replace('<?xml version="1.0" encoding="UTF-8"?>', "").encode(),
        lambda text: text.replace("UTF-8", "ISO-8859-1").replace("—", "-").encode("latin-1"),
        lambda text: (
            text.replace('<?xml version="1.0" encoding="UTF-8"?>', "")
            .replace("—", "-")
            .encode("cp1252")
        ),
    ],
    ids=["utf-16", "utf-8 bom", "no declaration", "declared latin-1", "undeclared cp1252"],
)
def test_accents_survive_every_encoding(encode: Callable[[str], bytes]) -> None:
    """listparser reads with lxml's HTML parser, which would take these for Latin-1 or UTF-8."""
    text = (DATA / "subscriptions.opml").read_text(encoding="utf-8")
    text = text.replace("Niger Matin", "Niamey Télé")
    feeds = read_opml(encode(text))
    assert feeds[2].title in ("Niamey Télé — actualités", "Niamey Télé - actualités")


def test_opml_1_without_folders_or_titles() -> None:
    data = (
        b'<?xml version="1.0"?><opml version="1.0"><head><title>x</title></head><body>'
        b'<outline xmlUrl=" https://bamako-direct.example/feed.json "/>'
        b'<outline text="https://gao.example/rss" xmlUrl="https://gao.example/rss"/>'
        b"</body></opml>"
    )
    assert read_opml(data) == [
        OpmlFeed("https://bamako-direct.example/feed.json", None, None),
        OpmlFeed("https://gao.example/rss", None, None),  # a title that is the address
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not an OPML document"),
        ((DATA / "page.html").read_bytes(), "not an OPML document"),
        ((DATA / "rss20_full.xml").read_bytes(), "not an OPML document"),
        (b"\x00\x01 binaire", "not an OPML document"),
        (
            b'<opml version="2.0"><body><outline text="Sahel"/></body></opml>',
            "the OPML document holds no feed (no outline with an xmlUrl)",
        ),
        (
            b'<opml version="2.0"><body><outline text="Site" htmlUrl="https://a.example/"/>'
            b"</body></opml>",
            "the OPML document holds no feed (no outline with an xmlUrl)",
        ),
    ],
)
def test_what_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(OpmlError) as raised:
        read_opml(data)
    assert str(raised.value) == message


def test_write_opml_2() -> None:
    feeds = [
        OpmlFeed("https://www.rfi.example/fr/afrique/rss", "RFI Afrique", "Sahel"),
        OpmlFeed("https://www.studio-tamani.example/feed/", "Studio Tamani & co", None),
        OpmlFeed("https://niger-matin.example/flux/atom.xml", None, "Sahel/Niger"),
        OpmlFeed("https://aes.example/rss", "AES Info", "Sahel"),
    ]
    document = write_opml(
        feeds, title="Sahel Digest", now=NOW.astimezone(timezone(timedelta(hours=1)))
    )
    assert document == (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<opml version="2.0">\n'
        "  <head>\n"
        "    <title>Sahel Digest</title>\n"
        "    <dateCreated>Sat, 05 Dec 2026 12:00:00 GMT</dateCreated>\n"
        "  </head>\n"
        "  <body>\n"
        '    <outline type="rss" text="Studio Tamani &amp; co" title="Studio Tamani &amp; co"'
        ' xmlUrl="https://www.studio-tamani.example/feed/" />\n'
        '    <outline text="Sahel" title="Sahel">\n'
        '      <outline type="rss" text="RFI Afrique" title="RFI Afrique"'
        ' xmlUrl="https://www.rfi.example/fr/afrique/rss" />\n'
        '      <outline type="rss" text="AES Info" title="AES Info"'
        ' xmlUrl="https://aes.example/rss" />\n'
        "    </outline>\n"
        '    <outline text="Sahel/Niger" title="Sahel/Niger">\n'
        '      <outline type="rss" text="https://niger-matin.example/flux/atom.xml"'
        ' title="https://niger-matin.example/flux/atom.xml"'
        ' xmlUrl="https://niger-matin.example/flux/atom.xml" />\n'
        "    </outline>\n"
        "  </body>\n"
        "</opml>\n"
    )
    ElementTree.fromstring(document.encode())  # well-formed XML


def test_round_trip_of_a_reader_export() -> None:
    document = write_opml(SUBSCRIPTIONS, title="Abonnements", now=NOW)
    assert read_opml(document.encode()) == SUBSCRIPTIONS


def test_write_drops_what_xml_cannot_hold() -> None:
    feeds = [OpmlFeed("https://a.example/rss", "Bip\x07 Mali\x00 ", "Sahel\x1b")]
    document = write_opml(feeds, title="Titre\x0c", now=NOW)
    assert read_opml(document.encode()) == [OpmlFeed("https://a.example/rss", "Bip Mali", "Sahel")]


xml_text = st.text(
    alphabet=st.characters(
        codec="utf-8",
        exclude_categories=("Cc", "Cs", "Cn", "Zl", "Zp"),
        exclude_characters="\ufeff",
    ),
    max_size=30,
).map(lambda text: " ".join(text.split()))
"""Titles readers can keep: XML characters, single spaces, no edge blanks (listparser strips
them, and collapses nothing else)."""


@settings(max_examples=60, deadline=None)
@given(
    feeds=st.lists(
        st.builds(
            OpmlFeed,
            url=st.integers(0, 10_000).map(lambda n: f"https://flux{n}.example/rss?a=1&b=«»"),
            title=st.one_of(st.none(), xml_text.filter(bool)),
            category=st.one_of(st.none(), xml_text.filter(lambda text: text.strip("/") != "")),
        ),
        max_size=8,
        unique_by=lambda feed: feed.url,
    ).filter(bool)
)
def test_round_trip(feeds: list[OpmlFeed]) -> None:
    """What comes back is what went out, grouped: uncategorised feeds, then each category in
    order of first appearance (a folder's name whole, « / » included). Writing it again gives
    the same document."""
    expected = [feed for feed in feeds if feed.category is None]
    for category in dict.fromkeys(feed.category for feed in feeds if feed.category is not None):
        expected += [feed for feed in feeds if feed.category == category]
    document = write_opml(feeds, title="Sahel Digest", now=NOW)
    assert read_opml(document.encode()) == expected
    assert write_opml(read_opml(document.encode()), title="Sahel Digest", now=NOW) == document
