"""Wiring: one function builds the Application, one starts its services, one stops them."""

from __future__ import annotations

import logging
from datetime import UTC

from telegram import BotCommand, BotCommandScopeDefault, LinkPreviewOptions, Update
from telegram.constants import ChatType, ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)

from bot.config import Config
from bot.context import BotApplication, BotContext, BotData
from bot.handlers import admin, buttons, errors, membership, reading, settings, subscriptions
from bot.ratelimit import PacedRateLimiter
from bot.sender import TelegramSender
from bot.services import open_services
from core.clock import Clock, utc_now

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
"""What the bot asks Telegram for; my_chat_member tells us when a reader blocks the bot."""

READER_COMMANDS = {
    "start": reading.start,
    "aide": reading.help_command,
    "help": reading.help_command,
    "sujets": reading.topics_command,
    "dernieres": reading.latest_command,
    "article": reading.article_command,
    "recherche": reading.search_command,
    "abonner": subscriptions.subscribe_command,
    "desabonner": subscriptions.unsubscribe_command,
    "heure": settings.time_command,
    "fuseau": settings.timezone_command,
    "statut": settings.status_command,
    "digest": settings.digest_command,
}
ADMIN_COMMANDS = {
    "ajouter": admin.add_command,
    "supprimer": admin.delete_command,
    "stats": admin.stats_command,
    "diffuser": admin.broadcast_command,
}
MENU = [
    ("sujets", "Les sujets et leurs articles"),
    ("dernieres", "Les derniers articles"),
    ("recherche", "Chercher dans les articles"),
    ("abonner", "Recevoir la revue quotidienne"),
    ("statut", "Mes réglages"),
    ("heure", "Heure de la revue"),
    ("fuseau", "Fuseau horaire"),
    ("digest", "La revue du jour, tout de suite"),
    ("desabonner", "Arrêter la revue"),
    ("aide", "Toutes les commandes"),
]


def build_application(
    config: Config,
    token: str,
    *,
    clock: Clock = utc_now,
    rate_limited: bool = True,
    private_chat_interval: float = 1.0,
) -> BotApplication:
    """The bot, ready to run: handlers, rate limiter, HTTP settings and lifecycle hooks."""
    telegram = config.telegram
    timeout = telegram.request_timeout_seconds
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(telegram.base_url)
        .base_file_url(telegram.file_url)
        .context_types(ContextTypes(context=BotContext, bot_data=BotData))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                tzinfo=UTC,
            )
        )
        .concurrent_updates(16)
        .connect_timeout(timeout)
        .read_timeout(timeout)
        .write_timeout(timeout)
        .pool_timeout(timeout)
        .connection_pool_size(max(32, config.digest.concurrency * 2))
        .get_updates_read_timeout(timeout + 30)
        .post_init(lambda app: start_bot(app, config, clock))
        .post_shutdown(stop_bot)
    )
    if rate_limited:
        builder = builder.rate_limiter(
            PacedRateLimiter(
                per_second=telegram.rate_limit_per_second,
                max_retries=telegram.rate_limit_retries,
                private_chat_interval=private_chat_interval,
            )
        )
    application: BotApplication = builder.build()
    register_handlers(application)
    return application


def register_handlers(application: BotApplication) -> None:
    """Order matters: specific commands first, then topic commands, then the catch-alls."""
    for name, callback in {**READER_COMMANDS, **ADMIN_COMMANDS}.items():
        application.add_handler(CommandHandler(name, callback))
    # Topic commands come from topics.toml, known only once services are open; one handler
    # checks the command against the catalog at run time (see reading.topic_command).
    application.add_handler(
        MessageHandler(filters.COMMAND & filters.UpdateType.MESSAGE, _topic_or_unknown)
    )
    application.add_handler(
        MessageHandler(
            filters.Document.ALL & filters.CaptionRegex(r"^/ajouter(@\w+)?(\s|$)"),
            admin.add_command,
        )
    )
    application.add_handler(
        MessageHandler(
            filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE,
            reading.plain_text,
        )
    )
    application.add_handler(CallbackQueryHandler(buttons.on_button))
    application.add_handler(
        ChatMemberHandler(membership.my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_error_handler(errors.error_handler)


async def _topic_or_unknown(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    command = message.text.split()[0].lstrip("/").split("@")
    bot_name = context.bot.username
    if len(command) > 1 and bot_name and command[1].lower() != bot_name.lower():
        return  # « /aes@other_bot » in a group is meant for another bot
    if context.services.catalog.by_command(command[0].lower()) is not None:
        await reading.topic_command(update, context)
    elif message.chat.type == ChatType.PRIVATE or len(command) > 1:
        await reading.unknown_command(update, context)


async def start_bot(application: Application, config: Config, clock: Clock) -> None:  # type: ignore[type-arg]
    """Start-up work (post_init calls it; tests that drive the Application by hand call it too):
    open the services, publish the command menu, start the digest clock."""
    services = await open_services(config, TelegramSender(application.bot), clock)
    application.bot_data.attach(services)
    await publish_commands(application)
    schedule_digests(application, config)
    logger.info(
        "Bot ready: %d articles, %d topics, database %s",
        await services.library.count(),
        len(services.catalog.topics),
        config.database.path,
    )


async def stop_bot(application: Application) -> None:  # type: ignore[type-arg]
    services = application.bot_data.detach()
    if services is not None:
        await services.close()


async def publish_commands(application: Application) -> None:  # type: ignore[type-arg]
    """The command menu, in French and for the default language (≤ 100 commands)."""
    catalog = application.bot_data.services.catalog
    commands = [BotCommand(topic.command, topic.description[:256]) for topic in catalog.topics]
    commands += [BotCommand(name, description) for name, description in MENU]
    commands = commands[:100]
    for language in ("fr", None):
        await application.bot.set_my_commands(
            commands, scope=BotCommandScopeDefault(), language_code=language
        )


async def digest_tick(context: BotContext) -> None:
    await context.services.digests.tick()


def schedule_digests(application: Application, config: Config) -> None:  # type: ignore[type-arg]
    """The scheduler is only a clock: every minute, ask the ledger who is due.

    APScheduler's default misfire grace time (1 s) silently drops a run that starts late (a busy
    event loop, a suspended laptop); a tick is idempotent, so a late one is always welcome.
    """
    job_queue = application.job_queue
    if job_queue is None:
        raise RuntimeError('the JobQueue is missing: install "python-telegram-bot[job-queue]"')
    job_queue.run_repeating(
        digest_tick,
        interval=config.digest.check_interval_seconds,
        first=1,
        name="digest-tick",
        job_kwargs={"misfire_grace_time": None, "coalesce": True, "max_instances": 2},
    )


async def start_in_process(application: BotApplication, config: Config, clock: Clock) -> None:
    """Start polling without ``run_polling`` (which owns the event loop): the chat mode and the
    tests run the bot inside their own loop, so they call the start-up function themselves."""
    await application.initialize()
    await start_bot(application, config, clock)
    assert application.updater is not None
    await application.updater.start_polling(
        poll_interval=0.0, timeout=1, allowed_updates=ALLOWED_UPDATES
    )
    await application.start()


async def stop_in_process(application: BotApplication) -> None:
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await stop_bot(application)
    await application.shutdown()
