"""Local outlets for ``bench.feeds``: RSS 2.0 feeds of real French articles on loopback hosts.

    python -m bench.feed_outlets --feeds 200 --items 50 --new-per-round 3 --rounds 10 [--quick]

Each feed lists its ``items`` newest articles from the OrangeSum corpus (``bench.corpus``; every
(feed, item) its own article, never shared): title, link, guid, a pubDate within the last 17 hours
(the first poll announces the last 24 h only), the outlet's standfirst (the corpus abstract) as
description and the article as HTML paragraphs in ``content:encoded``: full text, so the bot
fetches no page. Each round (``POST /_control/round/N``) every feed gains ``new-per-round``
articles published at that moment, its oldest ones dropping off.

The feeds are spread over ``hosts`` loopback addresses, 127.0.0.2, 127.0.0.3… (all of 127.0.0.0/8
is loopback on Linux), one listener each: the bot allows 2 requests at a time per host, as it
would to 20 outlets, rather than 2 in all to one. Nothing listens beyond loopback. Conditional GET
is answered as an outlet's server does: an ETag per (feed, round), a 304 to a matching
If-None-Match. Bodies are not compressed.

It prints one JSON line once listening (``{"feeds": [url, …], "control": url}``) and serves until
SIGTERM or SIGINT. It runs in its own process, so the bot measured does not share its event loop
or interpreter; ``OutletServer`` starts it and drives it from the benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import re
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from aiohttp import web

from bench.common import start_server_process, stop_process
from bench.corpus import read_articles

FIRST_HOST = 2
"""127.0.0.2 onwards: 127.0.0.1 stays free for whatever else runs on the machine."""
ITEM_SPACING = timedelta(minutes=20)
"""Between two first-round items: 50 of them span under 17 hours, within the 24 h window."""
SENTENCES_PER_PARAGRAPH = 3
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[«\"A-ZÀ-Ý])")
RSS_TYPE = "application/rss+xml; charset=utf-8"
FIELDS = ("title", "article", "abstract")


@dataclass(frozen=True, slots=True)
class Plan:
    feeds: int
    items: int
    """Items listed by each feed."""
    new_per_round: int
    rounds: int
    """Rounds after the first, each adding ``new_per_round`` items to every feed."""
    hosts: int

    @property
    def articles_per_feed(self) -> int:
        return self.items + self.new_per_round * self.rounds

    def listed(self, round_number: int) -> range:
        """The sequence numbers a feed lists at ``round_number``, newest first."""
        newest = self.items - 1 + self.new_per_round * round_number
        return range(newest, newest - self.items, -1)


@dataclass(frozen=True, slots=True)
class CorpusArticle:
    title: str
    text: str
    abstract: str


def load_articles(needed: int, *, quick: bool) -> list[CorpusArticle]:
    """``needed`` distinct corpus articles with a title, a text and an abstract."""
    found: list[CorpusArticle] = []
    seen: set[str] = set()
    for row in read_articles("train", quick=quick):
        title, text, abstract = (str(row.get(key) or "").strip() for key in FIELDS)
        if not (title and text and abstract) or title in seen:
            continue
        seen.add(title)
        found.append(CorpusArticle(title, text, abstract))
        if len(found) == needed:
            return found
    raise RuntimeError(f"the corpus holds {len(found)} usable articles, {needed} needed")


def paragraphs_html(text: str) -> str:
    """The article as ``<p>`` paragraphs of a few sentences, as a CMS would publish it."""
    sentences = _SENTENCE_END.split(text)
    groups = [
        " ".join(sentences[start : start + SENTENCES_PER_PARAGRAPH])
        for start in range(0, len(sentences), SENTENCES_PER_PARAGRAPH)
    ]
    return "".join(f"<p>{html.escape(group, quote=False)}</p>" for group in groups)


@dataclass(slots=True)
class Outlets:
    """The feeds' documents, round by round; items are rendered once, when first listed."""

    plan: Plan
    articles: list[CorpusArticle]
    bases: list[str]
    started: datetime
    standfirst: bool
    """Give each item its abstract as description (the outlet's standfirst)."""
    round_number: int = 0
    round_started: dict[int, datetime] = field(default_factory=dict)
    documents: list[bytes] = field(default_factory=list)
    rendered: dict[tuple[int, int], str] = field(default_factory=dict)
    answered: dict[str, int] = field(default_factory=lambda: {"200": 0, "304": 0, "404": 0})

    def base(self, feed: int) -> str:
        return self.bases[feed % len(self.bases)]

    def feed_url(self, feed: int) -> str:
        return f"{self.base(feed)}/feeds/{feed}.xml"

    def etag(self, feed: int) -> str:
        return f'"feed-{feed}-round-{self.round_number}"'

    def advance(self, round_number: int, now: datetime) -> None:
        """Serve round ``round_number``: the documents are rebuilt now, not while answering."""
        self.round_number = round_number
        self.round_started.setdefault(round_number, now)
        listed = self.plan.listed(round_number)
        self.rendered = {key: value for key, value in self.rendered.items() if key[1] >= listed[-1]}
        self.documents = [self._document(feed, listed) for feed in range(self.plan.feeds)]

    def _document(self, feed: int, listed: range) -> bytes:
        items = "".join(self._item(feed, sequence) for sequence in listed)
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
            f"<channel><title>Outlet {feed}</title><link>{self.base(feed)}/</link>"
            f"<description>Bench outlet {feed}</description><language>fr</language>"
            f"{items}</channel></rss>\n"
        ).encode()

    def _item(self, feed: int, sequence: int) -> str:
        key = (feed, sequence)
        if key not in self.rendered:
            article = self.articles[feed * self.plan.articles_per_feed + sequence]
            link = f"{self.base(feed)}/articles/{feed}/{sequence}"
            abstract = html.escape(article.abstract, quote=False)
            description = f"<description>{abstract}</description>" if self.standfirst else ""
            self.rendered[key] = (
                f"<item><title>{html.escape(article.title, quote=False)}</title>"
                f"<link>{link}</link>"
                f'<guid isPermaLink="false">bench-{feed}-{sequence}</guid>'
                f"<pubDate>{format_datetime(self._published(sequence), usegmt=True)}</pubDate>"
                f"{description}"
                f"<content:encoded><![CDATA[{paragraphs_html(article.text)}]]></content:encoded>"
                "</item>"
            )
        return self.rendered[key]

    def _published(self, sequence: int) -> datetime:
        if sequence < self.plan.items:
            return self.started - (self.plan.items - sequence) * ITEM_SPACING
        added_in = (sequence - self.plan.items) // self.plan.new_per_round + 1
        return self.round_started[added_in] - timedelta(seconds=sequence % self.plan.new_per_round)

    async def feed(self, request: web.Request) -> web.Response:
        try:
            feed = int(request.match_info["feed"])
            document = self.documents[feed]
        except (ValueError, IndexError):
            self.answered["404"] += 1
            raise web.HTTPNotFound() from None
        etag = self.etag(feed)
        if request.headers.get("If-None-Match") == etag:
            self.answered["304"] += 1
            return web.Response(status=304, headers={"ETag": etag})
        self.answered["200"] += 1
        return web.Response(body=document, headers={"ETag": etag, "Content-Type": RSS_TYPE})

    async def set_round(self, request: web.Request) -> web.Response:
        self.advance(int(request.match_info["round"]), datetime.now(UTC))
        return web.json_response({"round": self.round_number})

    async def stats(self, request: web.Request) -> web.Response:
        return web.json_response({"round": self.round_number, **self.answered})


async def serve(plan: Plan, *, quick: bool, standfirst: bool) -> None:
    articles = load_articles(plan.feeds * plan.articles_per_feed, quick=quick)
    outlets = Outlets(plan, articles, [], datetime.now(UTC), standfirst)
    app = web.Application()
    app.router.add_get("/feeds/{feed}.xml", outlets.feed)
    app.router.add_post("/_control/round/{round}", outlets.set_round)
    app.router.add_get("/_control/stats", outlets.stats)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    for host in range(FIRST_HOST, FIRST_HOST + plan.hosts):
        site = web.TCPSite(runner, f"127.0.0.{host}", 0, backlog=1024)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        outlets.bases.append(f"http://127.0.0.{host}:{port}")
    outlets.advance(0, outlets.started)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    ready = {
        "feeds": [outlets.feed_url(feed) for feed in range(plan.feeds)],
        "control": outlets.bases[0],
    }
    print(json.dumps(ready), flush=True)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


class OutletServer:
    """``python -m bench.feed_outlets`` in a child process, driven through /_control/."""

    def __init__(self, plan: Plan, *, quick: bool, standfirst: bool = True) -> None:
        self._arguments = [
            f"--feeds={plan.feeds}",
            f"--items={plan.items}",
            f"--new-per-round={plan.new_per_round}",
            f"--rounds={plan.rounds}",
            f"--hosts={plan.hosts}",
            *(["--quick"] if quick else []),
            *([] if standfirst else ["--no-standfirst"]),
        ]
        self._process: subprocess.Popen[str] | None = None
        self._client = httpx.Client(timeout=60.0)
        self.feed_urls: list[str] = []
        self._control = ""

    def __enter__(self) -> Self:
        self._process, line = start_server_process("bench.feed_outlets", self._arguments)
        try:
            ready = json.loads(line)
        except json.JSONDecodeError:
            self.stop()
            raise RuntimeError("the local outlets did not start") from None
        self.feed_urls, self._control = list(ready["feeds"]), str(ready["control"])
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        self._client.close()
        if self._process is not None:
            stop_process(self._process, signal.SIGTERM, timeout=10)

    def set_round(self, round_number: int) -> None:
        self._client.post(f"{self._control}/_control/round/{round_number}").raise_for_status()

    def stats(self) -> dict[str, Any]:
        response = self._client.get(f"{self._control}/_control/stats")
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        return answer


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, required=True)
    parser.add_argument("--items", type=int, required=True)
    parser.add_argument("--new-per-round", type=int, required=True)
    parser.add_argument("--rounds", type=int, required=True)
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="the corpus sample if need be")
    parser.add_argument(
        "--no-standfirst", action="store_true", help="no description: the bot summarises"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.hosts <= 250:
        parser.error("--hosts must be between 1 and 250")
    plan = Plan(args.feeds, args.items, args.new_per_round, args.rounds, args.hosts)
    asyncio.run(serve(plan, quick=args.quick, standfirst=not args.no_standfirst))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
