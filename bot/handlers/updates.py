"""Each update is handled once, even when Telegram delivers it twice.

Telegram retries a webhook delivery it did not see acknowledged in time, and behind a load
balancer the retry can reach another replica: both would answer the reader, or subscribe them
twice. The first handler group records the update's id in the database; a process that finds it
already recorded drops the update before any handler sees it.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.context import BotContext

logger = logging.getLogger(__name__)

GROUP = -1
"""Handler groups run in ascending order: this one before every command and button."""


async def drop_redelivered(update: Update, context: BotContext) -> None:
    services = context.services
    if not await services.updates.first_sight(update.update_id, services.clock()):
        logger.info("Update %d was already handled (delivered twice): dropped", update.update_id)
        raise ApplicationHandlerStop


FIRST_SIGHT = TypeHandler(Update, drop_redelivered)
