"""Polling replicas on PostgreSQL: every process sends, exactly one polls Telegram.

Two processes polling one bot make Telegram refuse both (409 Conflict). Each replica starts its
services and its jobs (digests, feeds) at once, then asks the database for the right to poll
(an advisory lock, ``storage.coordination.PollingRight``) every few seconds: the one that holds
it polls, the others only send, and when the poller dies (even under ``kill -9``) the server
drops its lock and another replica starts polling within one check.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from telegram.error import TelegramError

from bot.application import ALLOWED_UPDATES, stop_bot
from bot.context import BotApplication

logger = logging.getLogger(__name__)

CHECK_SECONDS = 5.0
"""How often a replica asks for the polling right (and the poller checks it still holds it)."""


async def run_replica(application: BotApplication, *, check_seconds: float = CHECK_SECONDS) -> None:
    """Run until SIGINT or SIGTERM: send always, poll while this process holds the right."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, stop.set)
    updater = application.updater
    if updater is None:
        raise RuntimeError("a polling replica needs the Application's updater")
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        right = application.bot_data.services.polling
        if right is None:
            raise RuntimeError("this database cannot share the polling right between processes")
        while not stop.is_set():
            held = await right.try_take()
            if held and not updater.running:
                try:
                    await updater.start_polling(allowed_updates=ALLOWED_UPDATES)
                    logger.info("This replica now polls Telegram")
                except TelegramError as error:  # Telegram away: the next check tries again
                    logger.warning("Cannot start polling Telegram yet: %s", error)
            elif not held and updater.running:
                logger.warning("This replica lost the polling right: it stops polling")
                await updater.stop()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), check_seconds)
    finally:
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(number)
        if updater.running:
            await updater.stop()
        if application.running:
            await application.stop()
        await stop_bot(application)
        await application.shutdown()
