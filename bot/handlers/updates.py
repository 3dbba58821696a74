"""Each update is handled once, even when Telegram delivers it twice.

Telegram retries a webhook delivery it did not see acknowledged in time, and behind a load
balancer the retry can reach another replica: both would answer the reader, or subscribe them
twice. The first handler group records the update's id in the database; a process that finds it
already recorded drops the update before any handler sees it.

When the database cannot record it (read-only, unreachable), the update goes through anyway:
reading must keep working in that state, and the handler that needs to write says so itself.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.context import BotContext
from storage.errors import StorageError

logger = logging.getLogger(__name__)

GROUP = -1
"""Handler groups run in ascending order: this one before every command and button."""


async def drop_redelivered(update: Update, context: BotContext) -> None:
    services = context.services
    try:
        first = await services.updates.first_sight(update.update_id, services.clock())
    except StorageError as error:
        logger.warning("Update %d handled unrecorded: %s", update.update_id, error)
        return
    if not first:
        logger.info("Update %d was already handled (delivered twice): dropped", update.update_id)
        raise ApplicationHandlerStop


FIRST_SIGHT = TypeHandler(Update, drop_redelivered)
