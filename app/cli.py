"""``python -m bot``: run the bot, try it in a terminal, and manage articles from the shell.

Operator-facing output is English; article text and digests are the French readers get.
Every error ends the process with one clear line and a non-zero status.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import NoReturn

from app.cli_common import CommandError, printable
from app.cli_db import add_db_parsers, check_db_arguments, run_db
from app.cli_feeds import add_feed_parsers, check_feed_arguments, run_feeds
from app.cli_ingest import check_sources, ingest, is_url
from app.cli_summarize import summarize_jsonl
from app.config import Config, ConfigError, load_config
from app.logs import SecretFilter, setup_logging
from app.services import load_catalog, open_services
from app.terminal import html_to_terminal
from bot.errors import StartFailure
from bot.services import Services
from content.models import Article
from content.pipeline import ArticlePipeline
from content.topics import TopicCatalog, TopicFileError
from core.clock import utc_now
from storage.errors import StorageError

logger = logging.getLogger("bot")

MAX_LIMIT = 1_000_000
MAX_DAYS = 3650
FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(9998, 12, 31)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
SIGPIPE_STATUS = 141
"""128 + SIGPIPE: how a Unix tool ends when the program reading its output stops reading."""


class OneLineParser(argparse.ArgumentParser):
    """argparse prints its usage, then the error: two lines or more. Every error of the command
    line is one line (``error: …``, status 2); the usage is one ``--help`` away."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {printable(message)} (see {self.prog} --help)\n")


class NoTelegram:
    """The sender used by commands that never talk to Telegram."""

    async def send_html(self, chat_id: int, html: str) -> None:
        raise RuntimeError("this command does not send Telegram messages")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="python -m bot", description="Sahel Digest: a French Telegram news-digest bot."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument(
            "--config",
            type=_path,
            default=None,
            help="configuration file (default: ./config.toml if present, else built-in defaults)",
        )
        return sub

    command("run", "Start the bot (token from the environment variable named in the config).")
    chat = command("chat", "Try the bot in this terminal, without Telegram (local Bot API).")
    chat.add_argument("--admin", action="store_true", help="type as an admin of the bot")
    chat.add_argument(
        "--database",
        type=_path,
        default=None,
        help="use this database file instead of the config's",
    )
    ingest = command("ingest", "Add articles from files, folders or URLs.")
    ingest.add_argument("sources", nargs="+", metavar="PATH_OR_URL")
    summarize = command(
        "summarize", "Summarise and tag JSON lines ({title, article}) to stdout as JSON lines."
    )
    summarize.add_argument("file", type=_path, metavar="FILE.jsonl", help="use - for stdin")
    digest = command("digest", "Print the digest a subscriber would receive.")
    digest.add_argument("--preview", action="store_true", required=True, help="print, send nothing")
    digest.add_argument("--date", type=_iso_date, default=None, help="YYYY-MM-DD (default: today)")
    digest.add_argument(
        "--topics", type=_topic_keys, default=None, help="comma-separated topic keys (default: all)"
    )
    digest.add_argument(
        "--days",
        type=_whole_number(MAX_DAYS),
        default=1,
        help="cover articles added in the last N days (default 1)",
    )
    articles = command("articles", "List stored articles.")
    articles.add_argument("--topic", default=None, help="only this topic key")
    articles.add_argument("--search", default=None, help="full-text search")
    articles.add_argument("--limit", type=_whole_number(MAX_LIMIT), default=20)
    articles.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per line: id, title, url, source, topics, summary, published, story",
    )
    feeds = command(
        "feeds", "Follow news feeds: add, list, remove, pause, resume, poll, import, export."
    )
    add_feed_parsers(feeds, _whole_number(MAX_LIMIT), _path)
    db = command(
        "db",
        "Copy the SQLite database into PostgreSQL (migrate-to URL), or back up the database "
        "(backup FILE).",
    )
    add_db_parsers(db, _path)
    return parser


def _iso_date(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None
    if not FIRST_DATE <= day <= LAST_DATE:
        # The digest reaches back --days from it: near year 1, that is before the calendar.
        raise argparse.ArgumentTypeError(f"must be from {FIRST_DATE} to {LAST_DATE}, got {day}")
    return day


def _path(text: str) -> Path:
    """A path option: an empty one would mean the working folder (``Path("")`` is ``.``)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("empty path")
    return Path(text)


def _whole_number(maximum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if not 1 <= value <= maximum:
            raise argparse.ArgumentTypeError(f"must be from 1 to {maximum}, got {value}")
        return value

    return parse


def _topic_keys(text: str) -> tuple[str, ...]:
    keys = tuple(dict.fromkeys(key.strip().lower() for key in text.split(",") if key.strip()))
    if not keys:
        raise argparse.ArgumentTypeError("names no topic (comma-separated keys: aes,russie)")
    return keys


def main(argv: Sequence[str] | None = None) -> None:
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            # A terminal that cannot show « ï » or « ’ » gets an escape, not a traceback.
            stream.reconfigure(errors="backslashreplace")
    args = build_parser().parse_args(argv)
    secrets = SecretFilter(_secrets(Config()))  # the token is masked even if no config loads
    try:
        config = load_config(args.config)
        secrets = SecretFilter(_secrets(config))
        setup_logging(
            _log_level(args.command, config), _secrets(config), style=config.logging.format
        )
        _check_arguments(config, args)
        # The bot's modules load python-telegram-bot; the other commands start without it.
        if args.command == "run":
            from app.run import run_bot

            run_bot(config)
        elif args.command == "chat":
            from app.chat import run_chat

            run_chat(config, admin=args.admin, database=args.database)
        elif args.command == "summarize":
            pipeline = ArticlePipeline(load_catalog(config.content), config.content.budget)
            summarize_jsonl(pipeline, args.file)
        elif args.command == "db":
            asyncio.run(run_db(config, args))
        else:
            asyncio.run(_run_store_command(config, args))
    except (ConfigError, CommandError, TopicFileError, StorageError, StartFailure) as error:
        print(f"error: {printable(secrets.mask(str(error)))}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        # The reader of our output stopped (« | head »): no traceback, and no second one when
        # Python flushes stdout on the way out.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(SIGPIPE_STATUS)


def _log_level(command: str, config: Config) -> str:
    """``run`` logs at the configured level. The other commands report on stdout and log only
    problems (the chat mode shares the terminal with the person typing), unless the
    configuration asks for even less."""
    if command == "run":
        return config.logging.level
    return max(config.logging.level, "WARNING", key=LOG_LEVELS.index)


def _check_arguments(config: Config, args: argparse.Namespace) -> None:
    """What can be found wrong in the arguments before any database is opened."""
    if args.command == "ingest":
        check_sources(args.sources)
    elif args.command == "digest" and args.topics is not None:
        _check_topics(load_catalog(config.content), args.topics)
    elif args.command == "articles" and args.topic is not None:
        _check_topics(load_catalog(config.content), (args.topic,))
    elif args.command == "feeds":
        check_feed_arguments(args, load_catalog(config.content).keys)
    elif args.command == "db":
        check_db_arguments(config, args)


def _check_topics(catalog: TopicCatalog, keys: Sequence[str]) -> None:
    unknown = [printable(repr(key)) for key in keys if catalog.get(key) is None]
    if unknown:
        raise CommandError(
            f"unknown topic(s): {', '.join(unknown)} (known: {', '.join(catalog.keys)})"
        )


def _secrets(config: Config) -> list[str]:
    names = (config.telegram.token_env, config.telegram.webhook_secret_env)
    return [os.environ.get(name, "") for name in names]


async def _run_store_command(config: Config, args: argparse.Namespace) -> None:
    async with open_services(config, NoTelegram(), utc_now) as services:
        if args.command == "ingest":
            tally = await ingest(services, args.sources)
            noun = "files or pages" if any(map(is_url, args.sources)) else "files"
            problem = tally.problem(noun)
            if problem is not None:
                raise CommandError(problem)
        elif args.command == "digest":
            await preview_digest(services, args.date, args.topics, args.days)
        elif args.command == "articles":
            await list_articles(services, args.topic, args.search, args.limit, as_json=args.json)
        elif args.command == "feeds":
            await run_feeds(services, args)


async def preview_digest(
    services: Services, day: date | None, topics: tuple[str, ...] | None, days: int
) -> None:
    keys = services.catalog.keys if topics is None else topics
    window = timedelta(days=days)
    digest = await services.digests.preview(keys, day=day, window=window)
    if not digest.messages:
        print(f"nothing would be sent on {digest.day.isoformat()}: no new article on these topics")
        return
    color = sys.stdout.isatty()
    for index, message in enumerate(digest.messages):
        if index:
            print("\n" + "-" * 40 + "\n")
        print(html_to_terminal(message, color=color))


def article_record(article: Article) -> dict[str, object]:
    """What ``articles --json`` prints for one article."""
    return {
        "id": article.id,
        "title": article.title,
        "url": article.url,
        "source": article.source,
        "topics": list(article.topic_keys),
        "summary": article.summary,
        "published": article.published_on.isoformat() if article.published_on else None,
        "added": article.added_at.isoformat(),
        "story": article.story_id,
        "also": list(article.also),
    }


async def list_articles(
    services: Services, topic: str | None, search: str | None, limit: int, *, as_json: bool = False
) -> None:
    if search:
        found = (await services.library.search(search, limit=limit)).articles
        if topic:
            found = [a for a in found if topic in a.topic_keys]
    else:
        found = await services.library.latest(topic=topic, limit=limit, one_per_story=False)
    if as_json:
        for article in found:
            print(json.dumps(article_record(article), ensure_ascii=False))
        return
    for article in found:
        day = (article.published_on or article.added_at.date()).isoformat()
        topics = ",".join(article.topic_keys) or "-"
        print(f"{article.id:>6}  {day}  [{topics}]  {article.title}")
    if not found:
        print("no article")
