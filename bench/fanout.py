"""Fan-out overhead: the whole digest path against a bare PTB loop, same server, same concurrency.

(a) the floor: ``telegram.Bot.send_message`` to every chat, 16 in flight (16 workers sharing
    one list of chats, the shape of the bot's own delivery), with the HTTP pool size the bot
    uses; (b) the product: N subscribers due in a fresh store, then one
    ``DigestService.tick()`` (due computation, composition, ledger rows, fan-out with a commit
    per confirmed message), rate limiter off. Both send the same HTML digest to N distinct
    chats of the standalone server (no added latency). Rounds alternate a, b, a, b… after a
    small untimed run of each, and the medians are compared, so a slow spell of the machine hits
    both sides. The CPU time per message of this process (the database thread included) is
    printed too: on a shared machine it is steadier than the rate.

    python -m bench.fanout [--quick] [--chats N] [--rounds R]
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.request import HTTPXRequest

from app.config import Config
from app.run import build_bot
from app.services import open_services
from bench.common import (
    Figure,
    NoSending,
    StandaloneServer,
    add_subscribers,
    at_least,
    bench_config,
    context,
    median,
    print_table,
    record_figures,
)
from bot.application import stop_bot
from content.models import ArticleDraft
from digests.settings import DigestSettings

CONCURRENCY = DigestSettings().concurrency
POOL_SIZE = max(32, CONCURRENCY * 2)
"""The HTTP pool ``build_application`` gives the bot."""
TARGET_RATIO = 0.8
FULL_CHATS, QUICK_CHATS = 5_000, 200
FULL_ROUNDS, QUICK_ROUNDS = 3, 2
WARM_UP_CHATS = 50
FIRST_CHAT = 100_000

DIGEST_AT = datetime(2025, 6, 23, 7, 5, tzinfo=UTC)
"""07:05 in Bamako: everyone subscribed for 07:00 is due."""
ARTICLES_AT = DIGEST_AT - timedelta(hours=2)
SUBSCRIBED_AT = DIGEST_AT - timedelta(days=1)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

ARTICLES = (
    (
        "Bamako : les premières pluies de l'hivernage",
        "Les premières pluies de la saison sont tombées sur Bamako, la capitale du Mali. "
        "Les habitants de la rive droite redoutent des inondations comme celles de l'an dernier. "
        "La mairie annonce le curage des caniveaux dans six quartiers.",
    ),
    (
        "Mopti : le port reprend ses activités",
        "Après plusieurs semaines d'arrêt, le port de Mopti, au centre du Mali, a rouvert. "
        "Les pinasses chargées de poisson séché et de mil reprennent la route de Tombouctou. "
        "Les commerçants espèrent une saison meilleure que la précédente.",
    ),
    (
        "Ségou accueille un forum sur l'irrigation",
        "La ville de Ségou, au Mali, accueille cette semaine un forum sur l'irrigation des "
        "périmètres rizicoles de l'Office du Niger. Agronomes et producteurs y discutent du prix "
        "de l'eau et de l'entretien des canaux.",
    ),
)


def clock() -> datetime:
    return DIGEST_AT


async def prepare_store(config: Config, chat_ids: Sequence[int]) -> str:
    """The template store: the shipped article, three more on Mali, every chat subscribed to
    Mali for 07:00. Returns the digest they will all get (one message)."""
    async with open_services(config, NoSending(), lambda: ARTICLES_AT, load_seed=True) as services:
        for title, body in ARTICLES:
            await services.library.add(ArticleDraft(title, body), added_by="bench")
    await add_subscribers(config.database.path, chat_ids, [("mali",)], now=SUBSCRIBED_AT)
    async with open_services(config, NoSending(), lambda: ARTICLES_AT) as services:
        digest = await services.digests.digest_now(chat_ids[0])
    if len(digest.messages) != 1:
        raise RuntimeError(f"expected a one-message digest, got {len(digest.messages)}")
    return digest.messages[0]


@dataclass(frozen=True, slots=True)
class Timing:
    """Wall-clock seconds, and CPU seconds of this process (all threads, the database's too):
    on a shared machine the CPU time per message is the steadier measure of overhead."""

    wall: float
    cpu: float


class Stopwatch:
    def __init__(self) -> None:
        self._wall = time.perf_counter()
        self._cpu = time.process_time()

    def read(self) -> Timing:
        return Timing(time.perf_counter() - self._wall, time.process_time() - self._cpu)


def describe(timing: Timing, messages: int) -> str:
    return f"{messages / timing.wall:,.0f} msg/s ({1000 * timing.cpu / messages:.2f} ms CPU/msg)"


async def bare_loop(server: StandaloneServer, chat_ids: Sequence[int], html: str) -> Timing:
    """(a): time to send ``html`` to every chat with a plain Bot, CONCURRENCY in flight."""
    request = HTTPXRequest(
        connection_pool_size=POOL_SIZE,
        connect_timeout=30.0,
        read_timeout=30.0,
        write_timeout=30.0,
        pool_timeout=30.0,
    )
    bot = Bot(server.token, base_url=server.base_url, request=request)
    pending = iter(chat_ids)

    async def sender() -> None:
        for chat_id in pending:  # the workers share one iterator: each chat is sent once
            await bot.send_message(
                chat_id, html, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW
            )

    async with bot:
        stopwatch = Stopwatch()
        async with asyncio.TaskGroup() as group:
            for _ in range(CONCURRENCY):
                group.create_task(sender())
        return stopwatch.read()


async def digest_path(config: Config, server: StandaloneServer, expected: int) -> Timing:
    """(b): time for one tick of the real bot (built as in production, limiter off) over a
    fresh copy of the template store."""
    application = build_bot(config, server.token, clock=clock, rate_limited=False)
    await application.initialize()
    try:
        assert application.post_init is not None
        await application.post_init(application)  # the start-up hook: services, menu, clock
        stopwatch = Stopwatch()
        report = await application.bot_data.services.digests.tick()
        elapsed = stopwatch.read()
    finally:
        await stop_bot(application)
        await application.shutdown()
    if report.due != expected or report.delivery.sent != expected:
        raise RuntimeError(f"tick sent {report.delivery.sent} of {expected} digests: {report}")
    return elapsed


def check_delivered(server: StandaloneServer, expected: int, side: str) -> None:
    delivered = int(server.stats()["delivered"])
    if delivered != expected:
        raise RuntimeError(f"{side}: the server received {delivered} messages, not {expected}")


async def warm_up(server: StandaloneServer, store: Path) -> None:
    """One small untimed run of each side: connections, caches and first-call costs (Babel's
    locale data, the topic matcher) stay out of the first round."""
    chat_ids = list(range(1, WARM_UP_CHATS + 1))
    config = bench_config(server, store)
    html = await prepare_store(config, chat_ids)
    await bare_loop(server, chat_ids, html)
    server.reset()
    await digest_path(config, server, len(chat_ids))
    server.reset()


async def measure(chats: int, rounds: int, workdir: Path) -> tuple[list[Timing], list[Timing]]:
    """Alternate (a) and (b) ``rounds`` times; return their timings."""
    chat_ids = list(range(FIRST_CHAT, FIRST_CHAT + chats))
    bare: list[Timing] = []
    digest: list[Timing] = []
    with StandaloneServer() as server:
        template = workdir / "template.db"
        html = await prepare_store(bench_config(server, template), chat_ids)
        await warm_up(server, workdir / "warm-up.db")
        for number in range(1, rounds + 1):
            server.reset()
            bare.append(await bare_loop(server, chat_ids, html))
            check_delivered(server, chats, "bare loop")
            server.reset()
            store = workdir / f"round-{number}.db"
            shutil.copyfile(template, store)
            digest.append(await digest_path(bench_config(server, store), server, chats))
            check_delivered(server, chats, "digest path")
            print(
                f"round {number}: (a) bare loop {describe(bare[-1], chats)}, "
                f"(b) digest tick {describe(digest[-1], chats)}",
                flush=True,
            )
    return bare, digest


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_CHATS} chats, 2 rounds")
    parser.add_argument("--chats", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args(argv)
    chats = args.chats or (QUICK_CHATS if args.quick else FULL_CHATS)
    rounds = args.rounds or (QUICK_ROUNDS if args.quick else FULL_ROUNDS)
    print(
        f"Fan-out to {chats:,} chats, {CONCURRENCY} in flight, pool {POOL_SIZE}; "
        f"rounds a, b alternated {rounds} times after a {WARM_UP_CHATS}-message warm-up",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="bench-fanout-") as folder:
        bare_timings, digest_timings = asyncio.run(measure(chats, rounds, Path(folder)))
    bare = median([chats / timing.wall for timing in bare_timings])
    digest = median([chats / timing.wall for timing in digest_timings])
    bare_cpu = median([1000 * timing.cpu / chats for timing in bare_timings])
    digest_cpu = median([1000 * timing.cpu / chats for timing in digest_timings])
    figures: list[Figure] = [
        context("(a) bare PTB loop, median", round(bare, 1), "msg/s"),
        context("(b) digest tick, median", round(digest, 1), "msg/s"),
        at_least("ratio (b)/(a)", round(digest / bare, 3), TARGET_RATIO),
        context("(a) CPU per message, median", round(bare_cpu, 3), "ms"),
        context("(b) CPU per message, median", round(digest_cpu, 3), "ms"),
        context("CPU ratio (a)/(b)", round(bare_cpu / digest_cpu, 3)),
    ]
    print_table(f"Fan-out overhead: {chats:,} chats, {CONCURRENCY} in flight", figures)
    record_figures(
        "fanout",
        figures,
        {
            "chats": chats,
            "concurrency": CONCURRENCY,
            "rounds": rounds,
            "bare_msg_per_s": [round(chats / timing.wall, 1) for timing in bare_timings],
            "digest_msg_per_s": [round(chats / timing.wall, 1) for timing in digest_timings],
            "bare_cpu_ms_per_msg": [round(1000 * t.cpu / chats, 3) for t in bare_timings],
            "digest_cpu_ms_per_msg": [round(1000 * t.cpu / chats, 3) for t in digest_timings],
        },
        quick=args.quick,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
