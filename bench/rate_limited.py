"""Under the real limit: one digest tick against a server enforcing 30 msg/s (strict sliding
window, 429 beyond it), with the bot's own limiter and, for comparison, PTB's stock one.

The bot's limiter (``PacedRateLimiter`` at 30/s, 5 retries) comes through ``build_application``
as in production; the stock ``AIORateLimiter(max_retries=5)`` (30/s overall, its default) sits in
an ``ExtBot`` with the same HTTP settings. Each run gets a fresh copy of the same store: N
subscribers due, a few articles, one message each. Lost and duplicated digests are counted on
the server's side (what readers received), not from the bot's own report.

    python -m bench.rate_limited [--quick] [--subscribers N]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

from app.config import Config
from app.run import build_bot
from app.services import open_services
from bench.common import (
    Figure,
    StandaloneServer,
    at_least,
    bench_config,
    context,
    delivered_by_chat,
    none_allowed,
    print_table,
    record_figures,
)
from bench.fanout import FIRST_CHAT, POOL_SIZE, clock, prepare_store
from bot.application import stop_bot
from bot.sender import TelegramSender
from digests.service import TickReport

SERVER_RATE = 30
RETRIES = 5
TARGET_RATE_SHARE = 0.95
FULL_SUBSCRIBERS, QUICK_SUBSCRIBERS = 1_000, 45


@dataclass(frozen=True, slots=True)
class LimitedRun:
    seconds: float
    report: TickReport
    delivered: int
    lost: int
    duplicates: int
    rate_limited: int

    @property
    def rate(self) -> float:
        return self.delivered / self.seconds


async def tick_with_bot_limiter(
    config: Config, server: StandaloneServer
) -> tuple[float, TickReport]:
    """The production wiring: build_application with the PacedRateLimiter."""
    application = build_bot(config, server.token, clock=clock, rate_limited=True)
    await application.initialize()
    try:
        assert application.post_init is not None
        await application.post_init(application)  # the start-up hook: services, menu, clock
        started = time.perf_counter()
        report = await application.bot_data.services.digests.tick()
        return time.perf_counter() - started, report
    finally:
        await stop_bot(application)
        await application.shutdown()


async def tick_with_stock_limiter(
    config: Config, server: StandaloneServer
) -> tuple[float, TickReport]:
    """PTB's AIORateLimiter (30/s overall by default) in an ExtBot with the bot's HTTP settings."""
    timeout = config.telegram.request_timeout_seconds
    request = HTTPXRequest(
        connection_pool_size=POOL_SIZE,
        connect_timeout=timeout,
        read_timeout=timeout,
        write_timeout=timeout,
        pool_timeout=timeout,
    )
    bot: ExtBot[int] = ExtBot(
        server.token,
        base_url=server.base_url,
        request=request,
        rate_limiter=AIORateLimiter(max_retries=RETRIES),
    )
    async with bot, open_services(config, TelegramSender(bot), clock) as services:
        started = time.perf_counter()
        report = await services.digests.tick()
        return time.perf_counter() - started, report


async def run_once(
    limiter: str, server: StandaloneServer, template: Path, workdir: Path, chat_ids: list[int]
) -> LimitedRun:
    store = workdir / f"{limiter}.db"
    shutil.copyfile(template, store)
    config = bench_config(
        server, store, rate_limit_per_second=SERVER_RATE, rate_limit_retries=RETRIES
    )
    server.reset()
    run = tick_with_bot_limiter if limiter == "bot" else tick_with_stock_limiter
    seconds, report = await run(config, server)
    stats = server.stats()
    received = delivered_by_chat(stats)
    return LimitedRun(
        seconds=seconds,
        report=report,
        delivered=sum(received.get(chat, 0) for chat in chat_ids),
        lost=sum(1 for chat in chat_ids if received.get(chat, 0) == 0),
        duplicates=sum(1 for chat in chat_ids if received.get(chat, 0) > 1),
        rate_limited=int(stats["rate_limited"]),
    )


async def measure(subscribers: int, workdir: Path) -> dict[str, LimitedRun]:
    chat_ids = list(range(FIRST_CHAT, FIRST_CHAT + subscribers))
    runs: dict[str, LimitedRun] = {}
    with StandaloneServer(rate=SERVER_RATE) as server:
        template = workdir / "template.db"
        await prepare_store(bench_config(server, template), chat_ids)
        for limiter in ("bot", "stock"):
            runs[limiter] = run = await run_once(limiter, server, template, workdir, chat_ids)
            print(
                f"{limiter} limiter: {run.delivered} delivered in {run.seconds:.1f} s, "
                f"{run.rate_limited} x 429, tick report {run.report.delivery}",
                flush=True,
            )
    return runs


def figures_of(runs: dict[str, LimitedRun]) -> list[Figure]:
    bot, stock = runs["bot"], runs["stock"]
    return [
        context("bot limiter: achieved rate", round(bot.rate, 2), "msg/s"),
        at_least("bot limiter: achieved / 30", round(bot.rate / SERVER_RATE, 3), TARGET_RATE_SHARE),
        none_allowed("bot limiter: lost digests", bot.lost),
        none_allowed("bot limiter: duplicated digests", bot.duplicates),
        context("bot limiter: 429 answers", bot.rate_limited),
        context("stock AIORateLimiter: achieved / 30", round(stock.rate / SERVER_RATE, 3)),
        context("stock AIORateLimiter: lost digests", stock.lost),
        context("stock AIORateLimiter: duplicated digests", stock.duplicates),
        context("stock AIORateLimiter: 429 answers", stock.rate_limited),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SUBSCRIBERS} subscribers")
    parser.add_argument("--subscribers", type=int, default=None)
    args = parser.parse_args(argv)
    count = args.subscribers or (QUICK_SUBSCRIBERS if args.quick else FULL_SUBSCRIBERS)
    print(
        f"One digest tick for {count:,} subscribers, server limit {SERVER_RATE} msg/s", flush=True
    )
    with tempfile.TemporaryDirectory(prefix="bench-rate-") as folder:
        runs = asyncio.run(measure(count, Path(folder)))
    figures = figures_of(runs)
    print_table(f"Under the real limit: {count:,} subscribers at {SERVER_RATE} msg/s", figures)
    record_figures(
        "rate_limited",
        figures,
        {
            "subscribers": count,
            "server_rate": SERVER_RATE,
            "seconds": {name: round(run.seconds, 2) for name, run in runs.items()},
            "deferred": {name: run.report.delivery.deferred for name, run in runs.items()},
        },
        quick=args.quick,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
