"""``python -m bot``: run the bot, try it in a terminal, and manage articles from the shell.

Operator-facing output is English; article text and digests are the French readers get.
Every error ends the process with one clear line and a non-zero status.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

from app.config import Config, ConfigError, load_config
from app.logs import setup_logging
from app.services import load_catalog, open_services
from app.terminal import html_to_terminal
from bot.services import Services
from content.ingestion import draft_from_url, drafts_from_path
from content.models import AddedArticle, ArticleDraft
from content.pipeline import ArticlePipeline
from content.rejections import ContentRejected
from content.text import normalize_text
from content.topics import TopicFileError
from core.clock import utc_now
from storage.errors import StorageError

logger = logging.getLogger("bot")


class CommandError(Exception):
    """A user mistake on the command line: printed as one line, exit status 2."""


class NoTelegram:
    """The sender used by commands that never talk to Telegram."""

    async def send_html(self, chat_id: int, html: str) -> None:
        raise RuntimeError("this command does not send Telegram messages")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="Sahel Digest: a French Telegram news-digest bot."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument(
            "--config",
            type=Path,
            default=None,
            help="configuration file (default: ./config.toml if present, else built-in defaults)",
        )
        return sub

    command("run", "Start the bot (token from the environment variable named in the config).")
    chat = command("chat", "Try the bot in this terminal, without Telegram (local Bot API).")
    chat.add_argument("--admin", action="store_true", help="type as an admin of the bot")
    chat.add_argument(
        "--database", type=Path, default=None, help="use this database file instead of the config's"
    )
    ingest = command("ingest", "Add articles from files, folders or URLs.")
    ingest.add_argument("sources", nargs="+", metavar="PATH_OR_URL")
    summarize = command(
        "summarize", "Summarise and tag JSON lines ({title, article}) to stdout as JSON lines."
    )
    summarize.add_argument("file", type=Path, metavar="FILE.jsonl", help="use - for stdin")
    digest = command("digest", "Print the digest a subscriber would receive.")
    digest.add_argument("--preview", action="store_true", required=True, help="print, send nothing")
    digest.add_argument("--date", type=_iso_date, default=None, help="YYYY-MM-DD (default: today)")
    digest.add_argument("--topics", default=None, help="comma-separated topic keys (default: all)")
    digest.add_argument(
        "--days", type=int, default=1, help="cover articles added in the last N days (default 1)"
    )
    articles = command("articles", "List stored articles.")
    articles.add_argument("--topic", default=None, help="only this topic key")
    articles.add_argument("--search", default=None, help="full-text search")
    articles.add_argument("--limit", type=int, default=20)
    return parser


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        config = load_config(args.config)
        # The chat mode shares the terminal with the person typing: only problems are logged.
        level = "WARNING" if args.command == "chat" else config.logging.level
        setup_logging(level, _secrets(config))
        # The bot's modules load python-telegram-bot; the other commands start without it.
        if args.command == "run":
            from app.run import run_bot

            run_bot(config)
        elif args.command == "chat":
            from app.chat import run_chat

            run_chat(config, admin=args.admin, database=args.database)
        elif args.command == "summarize":
            summarize_jsonl(config, args.file)
        else:
            asyncio.run(_run_store_command(config, args))
    except (ConfigError, CommandError, TopicFileError, StorageError) as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)


def _secrets(config: Config) -> list[str]:
    names = (config.telegram.token_env, config.telegram.webhook_secret_env)
    return [os.environ.get(name, "") for name in names]


async def _run_store_command(config: Config, args: argparse.Namespace) -> None:
    async with open_services(config, NoTelegram(), utc_now) as services:
        if args.command == "ingest":
            failures = await ingest(services, args.sources)
            if failures:
                raise CommandError(f"{failures} source(s) could not be added (see above)")
        elif args.command == "digest":
            await preview_digest(services, args.date, args.topics, args.days)
        elif args.command == "articles":
            await list_articles(services, args.topic, args.search, args.limit)


async def ingest(services: Services, sources: Sequence[str]) -> int:
    """Add every source; print each outcome; return how many failed."""
    failures = 0
    for source in sources:
        for label, draft, problem in await _drafts(services, source):
            if problem is not None:
                failures += 1
                print(f"REFUSED {label}: {problem}")
                continue
            assert draft is not None
            added = await services.library.add(draft, added_by="cli")
            _print_added(label, added)
    return failures


async def _drafts(
    services: Services, source: str
) -> list[tuple[str, ArticleDraft | None, ContentRejected | None]]:
    if source.startswith(("http://", "https://")):
        try:
            return [(source, await draft_from_url(source, services.fetcher), None)]
        except ContentRejected as rejected:
            return [(source, None, rejected)]
    try:
        outcomes = drafts_from_path(Path(source))
    except ContentRejected as rejected:
        return [(source, None, rejected)]
    return [(str(o.path), o.draft, o.rejection) for o in outcomes]


def _print_added(label: str, added: AddedArticle) -> None:
    article = added.article
    if added.duplicate:
        print(f"DUPLICATE {label}: already stored as article {article.id} ({article.title})")
        return
    topics = ", ".join(f"{m.key}({m.count})" for m in article.topics) or "none"
    print(f"ADDED {article.id}: {article.title}")
    print(f"  topics: {topics}")
    print(f"  summary: {article.summary}")


def summarize_jsonl(config: Config, path: Path) -> None:
    """One JSON line out per line in, in order: the editors' batch preview (and the quality
    bench's way in)."""
    pipeline = ArticlePipeline(load_catalog(config.content), config.content.budget)
    stream = sys.stdin if str(path) == "-" else _open_jsonl(path)
    with stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            record = _parse_record(line, number)
            title = normalize_text(str(record.get("title") or ""))
            body = normalize_text(str(record.get("article") or ""))
            prepared = pipeline.prepare(ArticleDraft(title=title, body=body))
            out: dict[str, object] = {"id": record["id"]} if "id" in record else {}
            out |= {"summary": prepared.summary, "topics": [m.key for m in prepared.topics]}
            print(json.dumps(out, ensure_ascii=False))


def _open_jsonl(path: Path) -> TextIO:
    try:
        return path.open(encoding="utf-8")
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror}") from None


def _parse_record(line: str, number: int) -> dict[str, object]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise CommandError(f"line {number} is not valid JSON: {error.msg}") from None
    if not isinstance(record, dict):
        raise CommandError(f"line {number} is not a JSON object")
    return record


async def preview_digest(
    services: Services, day: date | None, topics: str | None, days: int
) -> None:
    catalog = services.catalog
    keys = catalog.keys if topics is None else tuple(k.strip() for k in topics.split(","))
    unknown = [key for key in keys if catalog.get(key) is None]
    if unknown:
        raise CommandError(
            f"unknown topic(s): {', '.join(unknown)} (known: {', '.join(catalog.keys)})"
        )
    window = timedelta(days=max(days, 1))
    digest = await services.digests.preview(keys, day=day, window=window)
    if not digest.messages:
        print(f"nothing would be sent on {digest.day.isoformat()}: no new article on these topics")
        return
    color = sys.stdout.isatty()
    for index, message in enumerate(digest.messages):
        if index:
            print("\n" + "-" * 40 + "\n")
        print(html_to_terminal(message, color=color))


async def list_articles(
    services: Services, topic: str | None, search: str | None, limit: int
) -> None:
    if topic is not None and services.catalog.get(topic) is None:
        raise CommandError(f"unknown topic {topic!r} (known: {', '.join(services.catalog.keys)})")
    if search:
        found = (await services.library.search(search, limit=limit)).articles
        if topic:
            found = [a for a in found if topic in a.topic_keys]
    else:
        found = await services.library.latest(topic=topic, limit=limit)
    for article in found:
        day = (article.published_on or article.added_at.date()).isoformat()
        topics = ",".join(article.topic_keys) or "-"
        print(f"{article.id:>6}  {day}  [{topics}]  {article.title}")
    if not found:
        print("no article")
