"""``python -m bot feeds …`` in real processes, against outlets served by a local ``FeedServer``.

The server runs in the test's event loop, so every command runs in a thread
(``asyncio.to_thread``) while the loop keeps serving the feeds it asks for.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import socket
import sqlite3
import subprocess
from collections.abc import AsyncIterator, Iterable
from contextlib import closing
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from feeds.opml import read_opml
from tests.support.feed_server import FeedServer, Response
from tests.support.processes import ROOT, run_cli
from tests.support.sahel_texts import FOOTBALL, GOITA, URANIUM

SUBSCRIPTIONS = ROOT / "tests" / "data" / "feeds" / "subscriptions.opml"
CONFIG = """[database]
path = "store.db"

[feeds]
load_sources = false
allow_private_hosts = {private}
poll_interval_minutes = 0.001
"""
"""Feeds come from the test's server on 127.0.0.1, and are due again at once after a poll."""

GOITA_COPY = (
    GOITA.rsplit(" Une déclaration", 1)[0]
    + " « Nous avançons ensemble », a déclaré à la presse le chef de la diplomatie burkinabè."
)
"""The agency's copy of the same event, as another outlet runs it: last sentence replaced."""


def rss(title: str, items: Iterable[tuple[str, str, str, datetime]], base: str) -> str:
    """An RSS 2.0 document; items are (guid, title, text, published)."""
    entries = "".join(
        f"<item><guid isPermaLink='false'>{guid}</guid><title>{headline}</title>"
        f"<link>{base}/articles/{guid}</link><description>{text}</description>"
        f"<pubDate>{format_datetime(published, usegmt=True)}</pubDate></item>"
        for guid, headline, text, published in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>{base}/</link>{entries}</channel></rss>"
    )


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with FeedServer() as feed_server:
        yield feed_server


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A working folder with config.toml (private hosts allowed) and strict.toml (refused), on
    the same store."""
    (tmp_path / "config.toml").write_text(CONFIG.format(private="true"), encoding="utf-8")
    (tmp_path / "strict.toml").write_text(CONFIG.format(private="false"), encoding="utf-8")
    return tmp_path


async def cli(
    folder: Path, *args: str, config: str = "config.toml"
) -> subprocess.CompletedProcess[str]:
    """``python -m bot ARGS --config CONFIG`` in a thread: the loop keeps serving meanwhile."""
    return await asyncio.to_thread(run_cli, *args, "--config", config, cwd=folder)


async def ok(folder: Path, *args: str) -> str:
    result = await cli(folder, *args)
    assert result.returncode == 0, result
    assert "Traceback" not in result.stderr
    return result.stdout


def assert_one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> str:
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


def feed_rows(folder: Path) -> list[tuple[object, ...]]:
    """Every column of every followed feed, straight from the file (nothing when none yet)."""
    path = folder / "store.db"
    if not path.exists():
        return []
    with closing(sqlite3.connect(path)) as connection:
        return list(connection.execute("SELECT * FROM feeds ORDER BY id"))


def article_lines(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines()]


# --- add, list, poll, articles --json ------------------------------------------------------------


async def test_add_list_poll_and_print_articles(folder: Path, server: FeedServer) -> None:
    published = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    matin = [
        ("goita", "Goïta reçoit les ministres de l’AES", GOITA, published),
        ("finale", "Le Stade malien remporte la coupe", FOOTBALL, published),
        ("uranium", "Le Niger négocie avec le Bénin", URANIUM, published),
    ]
    server.route("/matin.xml", Response(body=rss("Sahel Matin", matin, server.url(""))))
    copy = [("ap-1", "Sommet de l’AES : les ministres à Bamako", GOITA_COPY, published)]
    server.route("/agence.xml", Response(body=rss("Agence Sahel Presse", copy, server.url(""))))

    added = await ok(
        folder,
        "feeds",
        "add",
        server.url("/matin.xml"),
        "--topic",
        "mali",
        "--include",
        "Goïta, Bamako",
        "--exclude",
        "football",
    )
    assert added == f"following feed 1: {server.url('/matin.xml')}, 3 items now\n"
    second = await ok(folder, "feeds", "add", server.url("/agence.xml"))
    assert second.startswith("following feed 2: ")
    again = await ok(folder, "feeds", "add", server.url("/matin.xml"))
    assert again.startswith("already following feed 1: ")
    listed = (await ok(folder, "feeds", "list")).splitlines()
    assert len(listed) == 2
    assert listed[0].startswith(f"   1  Sahel Matin  <{server.url('/matin.xml')}>  [mali]")
    assert "+Goïta +Bamako -football  0 articles, never polled, next " in listed[0]
    assert listed[1].startswith("   2  Agence Sahel Presse  <")

    polled = await ok(folder, "feeds", "poll", "--once")
    # Sahel Matin: the football final names Bamako but is excluded, uranium names neither word.
    assert polled.splitlines() == [
        "polled 2 feeds: 2 fetched, 0 not modified, 0 failed; 2 new articles, 0 edited, "
        "2 items skipped"
    ]
    articles = article_lines(await ok(folder, "articles", "--json"))
    by_source = {article["source"]: article for article in articles}
    assert len(articles) == 3 and set(by_source) >= {"Sahel Matin", "Agence Sahel Presse"}
    matin_article = by_source["Sahel Matin"]
    assert set(matin_article) >= {"id", "title", "url", "source", "topics", "summary"}
    assert set(matin_article) >= {"published", "story"}
    assert matin_article["title"] == "Goïta reçoit les ministres de l'AES"  # as the store keeps it
    assert matin_article["url"] == server.url("/articles/goita")
    topics = matin_article["topics"]
    assert isinstance(topics, list) and "mali" in topics
    assert isinstance(matin_article["summary"], str) and "Goïta" in matin_article["summary"]
    assert matin_article["published"] == published.date().isoformat()
    agency_article = by_source["Agence Sahel Presse"]
    assert agency_article["id"] != matin_article["id"]
    assert agency_article["story"] == matin_article["story"] is not None
    assert matin_article["also"] == ["Agence Sahel Presse"]
    assert agency_article["also"] == ["Sahel Matin"]
    seed = next(a for a in articles if a["source"] not in ("Sahel Matin", "Agence Sahel Presse"))
    assert seed["story"] != matin_article["story"]
    listed = (await ok(folder, "feeds", "list")).splitlines()
    assert re.search(r"  1 articles?, ok, last \d{4}-\d\d-\d\d \d\d:\d\d UTC", listed[0])

    again_polled = await ok(folder, "feeds", "poll", "--once")
    assert again_polled.splitlines() == [
        "polled 2 feeds: 2 fetched, 0 not modified, 0 failed; 0 new articles, 0 edited, "
        "0 items skipped"
    ]
    assert server.count("/agence.xml") == 3  # added, polled twice
    assert server.count("/matin.xml") == 4  # added, added again (checked first), polled twice
    assert article_lines(await ok(folder, "articles", "--json")) == articles


# --- pause, resume, remove -------------------------------------------------------------------


async def test_pause_resume_remove_by_id(folder: Path, server: FeedServer) -> None:
    server.route("/rss", Response(body=rss("Sahel Matin", [], server.url(""))))
    await ok(folder, "feeds", "add", server.url("/rss"))
    assert await ok(folder, "feeds", "pause", "1") == f"paused feed 1: {server.url('/rss')}\n"
    assert "0 articles, paused" in await ok(folder, "feeds", "list")
    polled = await ok(folder, "feeds", "poll", "--once")
    assert polled.startswith("polled 0 feeds")
    assert server.count("/rss") == 1  # the check when it was added
    assert await ok(folder, "feeds", "resume", "1") == f"resumed feed 1: {server.url('/rss')}\n"
    assert "never polled" in await ok(folder, "feeds", "list")
    assert (await ok(folder, "feeds", "poll", "--once")).startswith("polled 1 feed: 1 fetched")
    before = feed_rows(folder)
    for action in ("pause", "resume", "remove"):
        missing = await cli(folder, "feeds", action, "2")
        assert_one_line_error(missing, "no feed 2")
        for bad in ("abc", "0", "-3", ""):
            assert_one_line_error(await cli(folder, "feeds", action, bad), "ID")
    assert feed_rows(folder) == before
    assert await ok(folder, "feeds", "remove", "1") == f"removed feed 1: {server.url('/rss')}\n"
    assert await ok(folder, "feeds", "list") == "no feed\n"
    assert_one_line_error(await cli(folder, "feeds", "remove", "1"), "no feed 1")


# --- OPML --------------------------------------------------------------------------------------


NESTED_OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>Mes flux</title></head>
  <body>
    <outline text="mali">
      <outline text="Studio Tamani" type="rss" xmlUrl="https://studio-tamani.example/feed/"/>
    </outline>
    <outline text="Afrique">
      <outline text="Sahel">
        <outline text="Niger Matin" type="rss" xmlUrl="https://niger-matin.example/atom.xml"/>
      </outline>
    </outline>
    <outline text="Sans dossier" type="rss" xmlUrl="http://sans-dossier.example/rss"/>
  </body>
</opml>
"""


async def test_import_then_export_opml(folder: Path) -> None:
    shutil.copy(SUBSCRIPTIONS, folder / "reader.opml")
    (folder / "nested.opml").write_text(NESTED_OPML, encoding="utf-8")
    expected = read_opml(SUBSCRIPTIONS.read_bytes()) + read_opml(NESTED_OPML.encode())
    imported = await ok(folder, "feeds", "import", "reader.opml")
    count = len(read_opml(SUBSCRIPTIONS.read_bytes()))
    assert imported == f"imported reader.opml: {count} feeds added, 0 already followed, 0 skipped\n"
    assert "3 feeds added" in await ok(folder, "feeds", "import", "nested.opml")
    again = await ok(folder, "feeds", "import", "reader.opml")
    assert f"0 feeds added, {count} already followed" in again

    exported = read_opml((await ok(folder, "feeds", "export")).encode())
    # Uncategorised feeds first, then each folder: the same feeds, each once.
    assert sorted(feed.url for feed in exported) == sorted(feed.url for feed in expected)
    titles = {feed.url: feed.title for feed in exported}
    assert titles["https://studio-tamani.example/feed/"] == "Studio Tamani"
    # A folder named after a topic gives the feeds their topic, and comes back as a folder.
    categories = {feed.url: feed.category for feed in exported}
    assert categories["https://studio-tamani.example/feed/"] == "mali"
    assert categories["https://niger-matin.example/atom.xml"] is None
    listed = (await ok(folder, "feeds", "list")).splitlines()
    assert "[mali]" in next(line for line in listed if "<https://studio-tamani" in line)

    wrote = await ok(folder, "feeds", "export", "--output", "out.opml")
    assert wrote == "wrote out.opml\n"
    from_file = read_opml((folder / "out.opml").read_bytes())
    assert sorted(f.url for f in from_file) == sorted(f.url for f in exported)


async def test_import_refuses_what_is_not_opml(folder: Path) -> None:
    (folder / "feed.xml").write_text(rss("Sahel Matin", [], "http://x.example"), encoding="utf-8")
    (folder / "empty.opml").write_text(
        '<opml version="2.0"><head/><body><outline text="Vide"/></body></opml>', encoding="utf-8"
    )
    (folder / "photo.opml").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    await ok(folder, "feeds", "list")  # the store exists: refusals must leave it as it is
    before = feed_rows(folder)
    assert_one_line_error(await cli(folder, "feeds", "import", "feed.xml"), "feed.xml", "OPML")
    assert_one_line_error(await cli(folder, "feeds", "import", "empty.opml"), "no feed")
    assert_one_line_error(await cli(folder, "feeds", "import", "photo.opml"), "photo.opml")
    assert_one_line_error(await cli(folder, "feeds", "import", "nope.opml"), "nope.opml")
    assert_one_line_error(await cli(folder, "feeds", "import", "."), "cannot read")
    assert feed_rows(folder) == before == []


# --- add refused -------------------------------------------------------------------------------


async def test_add_refusals_are_one_line_and_change_nothing(
    folder: Path, server: FeedServer
) -> None:
    server.route("/rss", Response(body=rss("Sahel Matin", [], server.url(""))))
    server.route(
        "/page", Response(body="<html><body>Accueil</body></html>", content_type="text/html")
    )
    server.route("/data", Response(body='{"a": 1}', content_type="application/json"))
    server.route("/down", Response(status=500, body="oops", content_type="text/plain"))
    await ok(folder, "feeds", "add", server.url("/rss"))
    before = feed_rows(folder)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        closed_url = f"http://127.0.0.1:{closed.getsockname()[1]}/rss"
        unreachable = await cli(folder, "feeds", "add", closed_url)
    assert_one_line_error(unreachable, "cannot fetch", closed_url)
    cases = {
        ("--topic", "licorne"): ("unknown topic", "licorne", "mali"),
        ("ftp://example.org/rss",): ("scheme",),
        ("pas une adresse",): ("scheme",),
        ("www.rfi.fr/afrique/rss",): ("scheme",),
        ("http://user:pw@example.org/rss",): ("credentials",),
        (server.url("/page"),): ("announcing no feed",),
        (server.url("/data"),): ("not a feed",),
        (server.url("/down"),): ("HTTP 500",),
    }
    for args, words in cases.items():
        command = ["feeds", "add", *args]
        if args[0] == "--topic":
            command = ["feeds", "add", server.url("/other"), *args]
        result = await cli(folder, *command)
        line = assert_one_line_error(result, *words)
        assert line.isascii(), line  # English, the addresses as given
    private = await cli(folder, "feeds", "add", server.url("/rss"), config="strict.toml")
    assert_one_line_error(private, "not a public address", "127.0.0.1")
    assert feed_rows(folder) == before
    assert server.count("/other") == 0
