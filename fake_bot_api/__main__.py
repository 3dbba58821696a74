"""``python -m fake_bot_api --port N [--rate 30]``: the server in its own process.

The first stdout line is the server's root URL (``http://127.0.0.1:PORT``) so a parent process
can read the port; the server runs until SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from fake_bot_api.server import DEFAULT_TOKEN, LocalBotApi


def main(argv: list[str] | None = None) -> None:
    options = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    asyncio.run(_serve(options))


async def _serve(options: argparse.Namespace) -> None:
    server = LocalBotApi(
        options.token,
        host=options.host,
        port=options.port,
        bot_username=options.bot_username,
        record_requests=not options.no_record,
    )
    server.set_rate_limit(
        options.rate,
        retry_after=options.retry_after,
        private_per_second=options.private_rate,
        group_per_minute=options.group_rate_per_minute,
    )
    server.set_latency(options.latency)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with server:
        print(server.url, flush=True)
        await stop.wait()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m fake_bot_api", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--bot-username", default="sahel_digest_bot")
    parser.add_argument("--rate", type=int, default=None, help="global sends per second")
    parser.add_argument("--retry-after", type=int, default=1)
    parser.add_argument("--private-rate", type=int, default=None, help="sends/s per private chat")
    parser.add_argument("--group-rate-per-minute", type=int, default=None)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per request")
    parser.add_argument("--no-record", action="store_true", help="keep no request log (benches)")
    return parser


if __name__ == "__main__":
    main()
