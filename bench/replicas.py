"""Digest fan-out by whole bot processes: SQLite, then PostgreSQL with 1 and with 3 replicas.

Each run starts real ``python -m bot run`` processes (polling mode; on PostgreSQL one replica
polls and all of them send) over a fresh database where N subscribers are due now, against the
standalone local Bot API server (no added latency, no flood limit of its own). The bot's
limiter stays on, as in production, at a rate far above what the machine sends, so it paces
nothing but still costs what it costs: on PostgreSQL each message reserves its slot on the
server. The rate is N over the time from the first digest the server receives to the last, so
the processes' start-up is left out; every chat must receive exactly one digest.

    python -m bench.replicas [--quick] [--chats N]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    Figure,
    StandaloneServer,
    context,
    delivered_by_chat,
    print_table,
    record_figures,
)
from digests.settings import DigestSettings
from tests.support.postgres import PostgresServer, running_postgres
from tests.support.processes import bot_process, prepare_store, quiet_zone, write_config

FULL_CHATS, QUICK_CHATS = 3_000, 300
RATE = 100_000.0
"""The limiter's rate: far above what two cores send, so the figure is the machinery's."""
POLL_SECONDS = 0.02
TIMEOUT_SECONDS = 600.0
SETUPS = (("sqlite", 1), ("postgresql", 1), ("postgresql", 3))


async def fresh_database(backend: str, folder: Path, postgres: PostgresServer) -> Path | str:
    if backend == "sqlite":
        return folder / "bench.db"
    return await postgres.new_database()


def wait_for_fan_out(server: StandaloneServer, chats: int) -> float:
    """Seconds from the first digest received to the last (all ``chats`` of them)."""
    deadline = time.monotonic() + TIMEOUT_SECONDS
    first: float | None = None
    while time.monotonic() < deadline:
        delivered = int(server.stats()["delivered"])
        now = time.monotonic()
        if first is None and delivered > 0:
            first = now
        if delivered >= chats:
            assert first is not None
            return max(now - first, POLL_SECONDS)
        time.sleep(POLL_SECONDS)
    raise RuntimeError(f"the fan-out did not finish within {TIMEOUT_SECONDS:.0f} s")


def run_setup(
    server: StandaloneServer, database: Path | str, replicas: int, chats: int, folder: Path
) -> float:
    """Start ``replicas`` processes on ``database``; return the fan-out's messages per second."""
    server.reset()
    with ExitStack() as running:
        for number in range(replicas):
            config = folder / f"replica-{number}.toml"
            write_config(
                config,
                server,
                database,
                concurrency=DigestSettings().concurrency,
                rate=RATE,
                extra=f'\n[ops]\nreplica = "bench-{number}"\n',
            )
            running.enter_context(bot_process(config, folder / f"replica-{number}.log"))
        seconds = wait_for_fan_out(server, chats)
        time.sleep(1.5)  # a tick more: a duplicate would arrive now
    counts = delivered_by_chat(server.stats())
    wrong = sum(1 for count in counts.values() if count != 1)
    if len(counts) != chats or wrong:
        raise RuntimeError(f"{len(counts)} chats received digests, {wrong} not exactly once")
    return chats / seconds


async def prepare(backend: str, folder: Path, postgres: PostgresServer, chats: int) -> Path | str:
    database = await fresh_database(backend, folder, postgres)
    await prepare_store(database, quiet_zone(datetime.now(UTC)), chats)
    return database


def measure(chats: int, folder: Path) -> dict[str, float]:
    rates: dict[str, float] = {}
    with running_postgres() as postgres, StandaloneServer() as server:
        for backend, replicas in SETUPS:
            workdir = folder / f"{backend}-{replicas}"
            workdir.mkdir()
            database = asyncio.run(prepare(backend, workdir, postgres, chats))
            name = f"{backend}, {replicas} process{'es' if replicas > 1 else ''}"
            rates[name] = run_setup(server, database, replicas, chats, workdir)
            print(f"{name}: {rates[name]:,.0f} msg/s", flush=True)
    return rates


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_CHATS} chats")
    parser.add_argument("--chats", type=int, default=None)
    args = parser.parse_args(argv)
    chats = args.chats or (QUICK_CHATS if args.quick else FULL_CHATS)
    print(f"Fan-out of {chats:,} digests by whole bot processes: {SETUPS}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-replicas-") as folder:
        rates = measure(chats, Path(folder))
    sqlite, pg_one, pg_three = rates.values()
    figures: list[Figure] = [
        *(context(name, round(rate, 1), "msg/s") for name, rate in rates.items()),
        context("PostgreSQL 1 replica / SQLite", round(pg_one / sqlite, 3)),
        context("PostgreSQL 3 replicas / 1 replica", round(pg_three / pg_one, 3)),
    ]
    print_table(f"Fan-out by whole processes: {chats:,} chats", figures)
    record_figures("replicas", figures, {"chats": chats, "rates": rates}, quick=args.quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
