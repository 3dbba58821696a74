"""``python -m bot feeds …``: follow, list, poll, import and export news feeds from the shell.

The same service as the admins' Telegram commands (``feeds.service``); output is English, one
line per feed, and every refusal is one ``error: …`` line with status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from tqdm import tqdm

from app.cli_common import CommandError, counted, printable
from bot.services import Services
from content.fetch import FetchPolicy, check_url
from content.rejections import ContentRejected
from feeds.filters import parse_words
from feeds.models import Feed
from feeds.opml import OpmlError
from feeds.poller import PollOutcome, PollResult, PollRound
from feeds.service import FeedRefused

MAX_OPML_BYTES = 5_000_000


def add_feed_parsers(
    feeds: argparse.ArgumentParser, feed_id: Callable[[str], int], path: Callable[[str], Path]
) -> None:
    """The ``feeds`` subcommands, on the parser of ``feeds``."""
    actions = feeds.add_subparsers(dest="action", required=True, metavar="ACTION")

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=help_text, description=help_text)
        # Accepted after the action too (« feeds list --config x.toml »); SUPPRESS keeps the
        # value given before it.
        sub.add_argument("--config", type=path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        return sub

    add = action("add", "Follow a feed (or the feed a web page announces), after checking it.")
    add.add_argument("url", metavar="URL")
    add.add_argument("--topic", default=None, help="topic key given to every item of the feed")
    add.add_argument("--include", default="", help="keep only items naming one of these words")
    add.add_argument("--exclude", default="", help="leave out items naming any of these words")
    action("list", "List followed feeds with their state.")
    for name, help_text in (
        ("remove", "Stop following a feed (its articles stay)."),
        ("pause", "Stop polling a feed until resumed."),
        ("resume", "Poll a paused feed again."),
    ):
        action(name, help_text).add_argument("id", type=feed_id, metavar="ID")
    poll = action("poll", "Poll the feeds that are due, store their new items, and exit.")
    poll.add_argument("--once", action="store_true", required=True, help="one round, then exit")
    imported = action("import", "Follow every feed of an OPML file.")
    imported.add_argument("file", type=path, metavar="FILE.opml")
    export = action("export", "Print the followed feeds as OPML.")
    export.add_argument("--output", type=path, default=None, help="write to this file")


def check_feed_arguments(args: argparse.Namespace, topic_keys: tuple[str, ...]) -> None:
    """What can be refused before the database is opened."""
    if args.action == "add" and args.topic is not None and args.topic not in topic_keys:
        known = ", ".join(topic_keys)
        raise CommandError(f"unknown topic {printable(repr(args.topic))} (known: {known})")
    if args.action == "add":
        _check_url_form(args.url)
    if args.action == "import":
        _read_opml_file(args.file)  # a missing or unreadable file: before anything opens
    if args.action == "export" and args.output is not None:
        _check_output(args.output)


def _check_url_form(url: str) -> None:
    """Refuse an address that can never be a feed's (empty, ftp://, no scheme) before the
    database is opened, which creates it on a first run. Whether its host may be fetched is
    the service's to say, under the [feeds] settings."""
    try:
        check_url(url, FetchPolicy(allow_private_hosts=True))
    except ContentRejected as error:
        raise CommandError(printable(str(error))) from None


def _check_output(path: Path) -> None:
    """An export that cannot be written is refused before the database is opened (created)."""
    if path.is_dir():
        raise CommandError(f"cannot write {printable(str(path))}: it is a folder")
    if not path.parent.is_dir():
        raise CommandError(
            f"cannot write {printable(str(path))}: no such folder {printable(str(path.parent))}"
        )


async def run_feeds(services: Services, args: argparse.Namespace) -> None:
    feeds = services.feeds
    if args.action == "add":
        try:
            added = await feeds.add(
                args.url,
                added_by="cli",
                topic=args.topic,
                include=parse_words(args.include),
                exclude=parse_words(args.exclude),
            )
        except FeedRefused as refused:
            raise CommandError(str(refused)) from None
        verb = "following" if added.created else "already following"
        found = " (announced by the page)" if added.discovered else ""
        items = counted(added.items, "item")
        print(f"{verb} feed {added.feed.id}: {added.feed.url}{found}, {items} now")
    elif args.action == "list":
        listed = await feeds.feeds()
        now = services.clock()
        for feed in listed:
            print(feed_line(feed, now))
        if not listed:
            print("no feed")
    elif args.action in ("remove", "pause", "resume"):
        changed = await {"remove": feeds.remove, "pause": feeds.pause, "resume": feeds.resume}[
            args.action
        ](args.id)
        if changed is None:
            raise CommandError(f"no feed {args.id} (see: python -m bot feeds list)")
        print(f"{args.action}d feed {changed.id}: {changed.url}")  # removed, paused, resumed
    elif args.action == "poll":
        await poll_once(services)
    elif args.action == "import":
        try:
            report = await feeds.import_opml(_read_opml_file(args.file), added_by="cli")
        except OpmlError as error:
            raise CommandError(f"{args.file}: {error}") from None
        for url, why in report.refused:
            print(f"skipped {printable(url)}: {why}", file=sys.stderr)
        print(
            f"imported {args.file}: {counted(len(report.added), 'feed')} added, "
            f"{len(report.already)} already followed, {len(report.refused)} skipped"
        )
    elif args.action == "export":
        opml = await feeds.export_opml()
        if args.output is None:
            sys.stdout.write(opml)
        else:
            try:
                args.output.write_text(opml, encoding="utf-8")
            except OSError as error:
                raise CommandError(f"cannot write {args.output}: {error.strerror}") from None
            print(f"wrote {args.output}")


def feed_line(feed: Feed, now: datetime) -> str:
    """« 3  ok  124 articles  last ok 2026-12-06 10:05  next 10:15  https://…  [mali] »."""
    state = feed.state
    if feed.paused:
        status = "paused"
    elif state.failing_since is not None:
        status = f"failing since {_when(state.failing_since)}: {state.last_error}"
    elif state.last_success_at is not None:
        status = f"ok, last {_when(state.last_success_at)}"
    else:
        status = "never polled"
    topic = f"  [{feed.topic}]" if feed.topic else ""
    words = [f"+{word}" for word in feed.include] + [f"-{word}" for word in feed.exclude]
    filters = f"  {' '.join(words)}" if words else ""
    upcoming = "" if feed.paused else f", next {_when(max(feed.next_poll_at, now))}"
    return printable(
        f"{feed.id:>4}  {feed.name}  <{feed.url}>{topic}{filters}  "
        f"{counted(state.articles_added, 'article')}, {status}{upcoming}"
    )


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


async def poll_once(services: Services) -> PollRound:
    """One polling round with a progress bar on a terminal, then one line of totals and one
    line per feed that failed."""
    bar = tqdm(total=0, unit="feed", desc="polling", file=sys.stderr, disable=None)

    def claimed(count: int) -> None:
        bar.total = (bar.total or 0) + count
        bar.refresh()

    def polled(result: PollResult) -> None:
        bar.update(1)

    try:
        done = await services.feeds.poller.poll_due(on_result=polled, on_claimed=claimed)
    finally:
        bar.close()
    for result in sorted(done.results, key=lambda r: r.feed.id):
        if result.outcome in (PollOutcome.FAILED, PollOutcome.GONE):
            print(printable(f"feed {result.feed.id} {result.outcome}: {result.error}"))
    print(
        f"polled {counted(len(done.results), 'feed')}: {done.count(PollOutcome.FETCHED)} fetched, "
        f"{done.count(PollOutcome.NOT_MODIFIED)} not modified, "
        f"{done.count(PollOutcome.FAILED) + done.count(PollOutcome.GONE)} failed; "
        f"{counted(done.new_articles, 'new article')}, "
        f"{sum(r.edited for r in done.results)} edited, "
        f"{counted(sum(r.skipped for r in done.results), 'item')} skipped"
    )
    return done


def _read_opml_file(path: Path) -> bytes:
    try:
        with path.open("rb") as file:
            data = file.read(MAX_OPML_BYTES + 1)
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror or error}") from None
    if len(data) > MAX_OPML_BYTES:
        raise CommandError(f"{path} is over {MAX_OPML_BYTES} bytes: not an OPML file")
    return data
