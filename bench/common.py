"""What every benchmark shares: the standalone Bot API server, figures beside their targets,
percentiles, a benchmark configuration and subscribers created straight in the store.

The server runs in its own process (``python -m fake_bot_api``) so that on a two-core machine it
does not compete with the bot for the event loop it is measuring.
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, time
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx

from app.config import Config
from bench._results import record
from bot.settings import TelegramSettings
from content.settings import ContentSettings
from core.clock import utc_now
from digests.settings import DigestSettings
from digests.subscribers import NewSubscriber
from fake_bot_api.server import DEFAULT_TOKEN
from feeds.settings import FeedSettings
from storage.settings import DatabaseSettings
from storage.sqlite import open_sqlite

REPO_ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = REPO_ROOT / "bench" / "out"
"""Caches and scratch files (gitignored)."""
SERVER_START_SECONDS = 15.0


# --- Figures beside their targets -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured figure; ``met`` is None for figures printed for context, without a target."""

    name: str
    value: float
    unit: str = ""
    target: str = ""
    met: bool | None = None


def at_least(name: str, value: float, floor: float, unit: str = "") -> Figure:
    return Figure(name, value, unit, f">= {floor:,g} {unit}".rstrip(), value >= floor)


def at_most(name: str, value: float, ceiling: float, unit: str = "") -> Figure:
    return Figure(name, value, unit, f"<= {ceiling:,g} {unit}".rstrip(), value <= ceiling)


def none_allowed(name: str, value: float) -> Figure:
    """A count that must be zero (lost or duplicated messages)."""
    return Figure(name, value, "", "= 0", value == 0)


def context(name: str, value: float, unit: str = "") -> Figure:
    return Figure(name, value, unit)


def format_number(value: float) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    magnitude = abs(value)
    digits = 3 if magnitude < 1 else 2 if magnitude < 100 else 1
    return f"{value:,.{digits}f}"


def verdict(met: bool | None) -> str:
    return "-" if met is None else "yes" if met else "NO"


def print_table(title: str, figures: Sequence[Figure]) -> None:
    """Print ``figures`` as a "figure | value | target | met?" table under ``title``."""
    print(f"\n== {title} ==")
    width = max(len(figure.name) for figure in figures)
    print(f"{'figure':<{width}}  {'value':>16}  {'target':<14}  met?")
    for figure in figures:
        value = f"{format_number(figure.value)} {figure.unit}".rstrip()
        print(
            f"{figure.name:<{width}}  {value:>16}  {figure.target or '-':<14}  "
            f"{verdict(figure.met)}"
        )


def record_figures(
    section: str, figures: Sequence[Figure], details: dict[str, Any], *, quick: bool
) -> None:
    """Write the figures (and any details) to bench/results.json; run.py reads ``figures``.
    The load average goes with them: on a shared machine it explains a slow run."""
    record(
        section,
        {
            **details,
            "load_average_1_5_15": [round(load, 2) for load in os.getloadavg()],
            "figures": [asdict(figure) for figure in figures],
        },
        quick=quick,
    )


# --- Statistics ---------------------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``fraction`` of them below or
    equal (p99 of 100 values is the 99th, not an interpolation past the data)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


# --- The standalone server ----------------------------------------------------------------


def stop_process(process: subprocess.Popen[str], stop_signal: int, *, timeout: float) -> int:
    """Ask a child process to stop with ``stop_signal``, kill it after ``timeout`` seconds;
    return its exit status."""
    if process.poll() is None:
        process.send_signal(stop_signal)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def start_server_process(
    module: str, arguments: Sequence[str]
) -> tuple[subprocess.Popen[str], str]:
    """``python -m module`` from the repository, and the first line it prints (where it
    listens): the benchmarks' local servers run beside the measured process, not inside it."""
    process = subprocess.Popen(
        [sys.executable, "-m", module, *arguments],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process, process.stdout.readline()


class StandaloneServer:
    """``python -m fake_bot_api`` in a child process, driven through its /_control/ endpoints."""

    def __init__(self, *, rate: int | None = None, record_requests: bool = False) -> None:
        self.token = DEFAULT_TOKEN
        self._arguments = ["--port", "0"]
        if not record_requests:
            self._arguments.append("--no-record")
        if rate is not None:
            self._arguments += ["--rate", str(rate)]
        self._process: subprocess.Popen[str] | None = None
        self._client = httpx.Client(timeout=30.0)
        self.url = ""

    def __enter__(self) -> Self:
        self._process, first_line = start_server_process("fake_bot_api", self._arguments)
        self.url = first_line.strip()
        if not self.url.startswith("http://"):
            self.stop()
            raise RuntimeError("the local Bot API server did not start")
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    @property
    def base_url(self) -> str:
        """What PTB's ``base_url`` wants (it appends the token)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    def stop(self) -> None:
        self._client.close()
        if self._process is not None:
            stop_process(self._process, signal.SIGTERM, timeout=10)

    def stats(self) -> dict[str, Any]:
        return self._json(self._client.get(f"{self.url}/_control/stats"))

    def reset(self) -> dict[str, Any]:
        """Forget chats, messages and counters (memory stays flat across rounds)."""
        return self._json(self._client.post(f"{self.url}/_control/reset"))

    def configure(self, **settings: Any) -> dict[str, Any]:
        return self._json(self._client.post(f"{self.url}/_control/configure", json=settings))

    def push_message(self, user_id: int, text: str, first_name: str = "Lecteur") -> int:
        """A reader in a private chat types ``text``; returns the message id."""
        answer = self._json(
            self._client.post(
                f"{self.url}/_control/push_message",
                json={"user": {"id": user_id, "first_name": first_name}, "text": text},
            )
        )
        return int(answer["message_id"])

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        return answer


def delivered_by_chat(stats: dict[str, Any]) -> dict[int, int]:
    return {int(chat): int(count) for chat, count in stats["delivered_by_chat"].items()}


# --- The bot's configuration and audience -------------------------------------------------


def bench_config(
    server: StandaloneServer,
    database: Path,
    *,
    rate_limit_per_second: float = 30.0,
    rate_limit_retries: int = 5,
    load_seed: bool = False,
) -> Config:
    """The bot's configuration against the standalone server; digest settings are defaults."""
    return Config(
        telegram=TelegramSettings(
            base_url=server.base_url,
            base_file_url=server.base_file_url,
            rate_limit_per_second=rate_limit_per_second,
            rate_limit_retries=rate_limit_retries,
            request_timeout_seconds=30.0,
        ),
        database=DatabaseSettings(path=database),
        digest=DigestSettings(),
        content=ContentSettings(load_seed=load_seed),
        feeds=FeedSettings(load_sources=False),  # the benchmarks never reach real outlets
    )


async def add_subscribers(
    database: Path,
    chat_ids: Sequence[int],
    topic_sets: Sequence[tuple[str, ...]],
    *,
    now: datetime,
    delivery_time: time = time(7, 0),
    timezones: Sequence[str] = ("Africa/Bamako",),
    watermark: int | None = None,
) -> None:
    """Private-chat subscribers written through the subscriber store, in one transaction:
    topic sets and time zones are handed out round-robin, each subscribed since ``now``."""
    stores = await open_sqlite(database, utc_now)
    try:
        await stores.subscribers.add_many(
            [
                NewSubscriber(
                    chat_id=chat_id,
                    chat_type="private",
                    delivery_time=delivery_time,
                    timezone=timezones[index % len(timezones)],
                    topics=topic_sets[index % len(topic_sets)],
                    subscribed_since=now,
                    digest_watermark=watermark,
                )
                for index, chat_id in enumerate(chat_ids)
            ],
            now,
        )
    finally:
        await stores.close()


class NoSending:
    """The sender of set-up phases: nothing may leave while a store is being prepared."""

    async def send_html(self, chat_id: int, html: str) -> None:
        raise RuntimeError(f"nothing should be sent to chat {chat_id} while preparing a store")


@dataclass(frozen=True, slots=True)
class Score:
    """Counts of a yes/no judgement against labels, and what they make: precision (what was
    said yes to, rightly), recall (what should have been, found) and F1."""

    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        said_yes = self.true_positives + self.false_positives
        return self.true_positives / said_yes if said_yes else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0
