"""Start-up time and peak memory of the real bot process over the corpus store.

``python -m bot run`` starts as a child process (token in the environment, a TOML config pointing
at the standalone Bot API server and at a copy of the cached corpus store). Start → ready is
measured to the "Bot ready" log line (and, for context, to the first getUpdates the server sees).
Then a session: readers' commands pushed through the server (topic pages, searches, /article,
/sujets, /dernieres, plain-text searches, /start, /statut) while the bot's own digest job sends one
digest to each of a few hundred due subscribers. Peak RSS is VmHWM from /proc/<pid>/status.

The rate limit is raised to 100 msg/s (production default 25) to keep the session short; it does
not change what the process holds in memory.

    python -m bench.startup_memory [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    REPO_ROOT,
    Figure,
    StandaloneServer,
    add_subscribers,
    at_most,
    context,
    delivered_by_chat,
    print_table,
    record_figures,
    stop_process,
)
from bench.content_scale import (
    FULL_ARTICLES,
    QUICK_ARTICLES,
    SEARCHES,
    ensure_store,
    topic_sets,
)
from content.topics import load_topics
from core.clock import utc_now
from storage.sqlite import open_sqlite

TARGET_READY_S = 2.0
TARGET_PEAK_RSS_MB = 150.0
FULL_COMMANDS, QUICK_COMMANDS = 300, 30
FULL_SUBSCRIBERS, QUICK_SUBSCRIBERS = 300, 20
RATE_LIMIT = 100
SESSION_TIMEOUT_S = 180.0
QUIET_S = 1.0
PROBE_READER, FIRST_READER, FIRST_SUBSCRIBER = 499_999, 500_000, 800_000
NEW_ARTICLES = 2_000
"""Subscribers' watermark sits this far below the newest article: their digest has news."""


@dataclass
class BotOutput:
    """The child's log, read by a thread so that the pipe never fills up."""

    starting_at: float | None = None
    ready_at: float | None = None
    lines: list[str] = field(default_factory=list)
    ready: threading.Event = field(default_factory=threading.Event)

    def follow(self, stream: Iterable[str]) -> None:
        for line in stream:
            self.lines.append(line.rstrip())
            if self.starting_at is None and "Starting in" in line:
                self.starting_at = time.perf_counter()
            if self.ready_at is None and "Bot ready" in line:
                self.ready_at = time.perf_counter()
                self.ready.set()
        self.ready.set()  # the process ended: stop waiting

    def tail(self) -> str:
        return "\n".join(self.lines[-15:])


def write_config(path: Path, server: StandaloneServer, database: Path) -> None:
    path.write_text(
        "[telegram]\n"
        f'base_url = "{server.base_url}"\n'
        f"rate_limit_per_second = {RATE_LIMIT}.0\n"
        "request_timeout_seconds = 30.0\n"
        "admins = [1001]\n\n"
        "[database]\n"
        f'path = "{database}"\n\n'
        "[content]\n"
        "load_seed = false\n\n"
        "[feeds]\n"
        "load_sources = false\n\n"
        "[logging]\n"
        'level = "INFO"\n',
        encoding="utf-8",
    )


async def add_due_subscribers(database_path: Path, count: int) -> tuple[list[int], int]:
    """Subscribers due now (00:00 in Bamako, subscribed yesterday) whose watermark leaves the
    last NEW_ARTICLES articles to report: the bot's first tick owes each of them a digest.
    Returns their chats and the number of articles in the store."""
    now = datetime.now(UTC)
    chat_ids = list(range(FIRST_SUBSCRIBER, FIRST_SUBSCRIBER + count))
    stores = await open_sqlite(database_path, utc_now)
    try:
        top = await stores.articles.newest_id()
    finally:
        await stores.close()
    sets = topic_sets(load_topics(), 50)
    await add_subscribers(
        database_path,
        chat_ids,
        sets,
        now=now - timedelta(days=1),
        delivery_time=clock_time(0, 0),
        watermark=max(0, top - NEW_ARTICLES),
    )
    return chat_ids, top


def session_commands(count: int, articles_in_store: int, seed: int = 11) -> list[str]:
    """What readers type, in a realistic mix (seeded)."""
    rng = random.Random(seed)
    kinds = (
        lambda: rng.choice(("/russie", "/mali", "/france", "/sahel", "/niger", "/aes")),
        lambda: f"/recherche {rng.choice(SEARCHES)}",
        lambda: f"/article {rng.randint(1, articles_in_store)}",
        lambda: rng.choice(("/sujets", "/dernieres", "/dernieres 10", "/start", "/statut")),
        lambda: rng.choice(("Macron", "coronavirus", "Bamako", "élections")),
    )
    return [rng.choice(kinds)() for _ in range(count)]


def memory_kb(pid: int) -> dict[str, int]:
    found = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                found[key] = int(value.split()[0])
    return found


def wait_for(predicate: Callable[[], bool], what: str, output: BotOutput) -> None:
    deadline = time.monotonic() + SESSION_TIMEOUT_S
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}; the bot said:\n{output.tail()}")
        time.sleep(0.05)


class Quiet:
    """True once the digest readers' message count has not moved for QUIET_S: the tick is
    over (readers whose topics had nothing new get no message, so no count can be awaited)."""

    def __init__(self, server: StandaloneServer, readers: list[int]) -> None:
        self._server = server
        self._readers = readers
        self._last = -1
        self._since = time.monotonic()

    def __call__(self) -> bool:
        received = delivered_by_chat(self._server.stats())
        count = sum(received.get(chat, 0) for chat in self._readers)
        if count != self._last:
            self._last, self._since = count, time.monotonic()
        return count > 0 and time.monotonic() - self._since > QUIET_S

    @property
    def delivered(self) -> int:
        return self._last


def stop_bot(process: subprocess.Popen[str]) -> int:
    return stop_process(process, signal.SIGINT, timeout=20)


def run_session(
    server: StandaloneServer, config: Path, readers: list[int], commands: list[str]
) -> dict[str, float]:
    """Start the bot, time its start, play the session, read its memory, stop it."""
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": server.token}
    output = BotOutput()
    server.push_message(PROBE_READER, "/start")  # waiting when the bot comes up
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--config", str(config)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    threading.Thread(target=output.follow, args=(process.stderr,), daemon=True).start()
    try:
        answered_at = None
        while answered_at is None and process.poll() is None:
            if delivered_by_chat(server.stats()).get(PROBE_READER, 0) > 0:
                answered_at = time.perf_counter()
            else:
                time.sleep(0.005)
        output.ready.wait(timeout=30)
        if output.ready_at is None or output.starting_at is None or answered_at is None:
            raise RuntimeError(f"the bot did not start:\n{output.tail()}")
        at_ready = memory_kb(process.pid)
        users = list(range(FIRST_READER, FIRST_READER + len(commands)))
        for user, text in zip(users, commands, strict=True):
            server.push_message(user, text)

        def answered() -> bool:
            received = delivered_by_chat(server.stats())
            return all(received.get(chat, 0) > 0 for chat in users)

        wait_for(answered, "an answer to every command", output)
        digests = Quiet(server, readers)
        wait_for(digests, "the end of the digest tick", output)
        after = memory_kb(process.pid)
    finally:
        code = stop_bot(process)
    if code != 0:
        raise RuntimeError(f"the bot exited with status {code}:\n{output.tail()}")
    return {
        "ready_s": output.ready_at - started,
        "starting_s": output.starting_at - started,
        "first_answer_s": answered_at - started,
        "rss_ready_mb": at_ready["VmRSS"] / 1024,
        "rss_end_mb": after["VmRSS"] / 1024,
        "peak_rss_mb": after["VmHWM"] / 1024,
        "digests": float(digests.delivered),
        "messages": float(server.stats()["delivered"]),
    }


@dataclass(frozen=True, slots=True)
class Session:
    articles: int
    commands: int
    digests_due: int
    figures: dict[str, float]


def measure(quick: bool, workdir: Path) -> Session:
    cached = asyncio.run(ensure_store(QUICK_ARTICLES if quick else FULL_ARTICLES, quick=quick))
    store = workdir / "store.db"
    shutil.copyfile(cached, store)
    count = QUICK_SUBSCRIBERS if quick else FULL_SUBSCRIBERS
    readers, articles_in_store = asyncio.run(add_due_subscribers(store, count))
    commands = session_commands(QUICK_COMMANDS if quick else FULL_COMMANDS, articles_in_store)
    with StandaloneServer() as server:
        config = workdir / "config.toml"
        write_config(config, server, store)
        figures = run_session(server, config, readers, commands)
    return Session(articles_in_store, len(commands), count, figures)


def figures_of(found: dict[str, float]) -> list[Figure]:
    return [
        at_most("start -> 'Bot ready'", round(found["ready_s"], 2), TARGET_READY_S, "s"),
        context("  of which imports, config, wiring", round(found["starting_s"], 2), "s"),
        context("start -> answer to a waiting /start", round(found["first_answer_s"], 2), "s"),
        context("RSS when ready", round(found["rss_ready_mb"], 1), "MB"),
        at_most(
            "peak RSS (VmHWM) after the session",
            round(found["peak_rss_mb"], 1),
            TARGET_PEAK_RSS_MB,
            "MB",
        ),
        context("digest messages sent", int(found["digests"])),
        context("messages sent in the session", int(found["messages"])),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the 2,000-article store")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as folder:
        session = measure(args.quick, Path(folder))
    figures = figures_of(session.figures)
    print_table(
        f"Start-up and memory: {session.articles:,} articles, {session.commands} commands, "
        f"{session.digests_due} subscribers due",
        figures,
    )
    record_figures(
        "startup_memory",
        figures,
        {
            "articles": session.articles,
            "commands": session.commands,
            "subscribers_due": session.digests_due,
        },
        quick=args.quick,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
