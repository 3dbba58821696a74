"""Admin commands: /ajouter, /supprimer, /stats, /diffuser (and their buttons).

Every entry point goes through :func:`admin_only`, so a reader who types an admin command, or
forges an admin button's payload, gets a polite refusal and changes nothing.
"""

from __future__ import annotations

import functools
import logging
from html import escape

from telegram import (
    Document,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageOriginChannel,
    Update,
)
from telegram.constants import ChatAction
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot import callbacks
from bot.context import BotContext
from bot.handlers.common import Callback, Command, button_match
from bot.parsing import AddRequest, command_argument, parse_add_request, parse_article_id
from bot.replies import reply
from content.ingestion import (
    check_document,
    draft_from_bytes,
    draft_from_text,
    draft_from_url,
)
from content.models import AddedArticle, ArticleDraft
from content.rejections import ContentRejected, RejectReason
from content.text import MAX_TEXT_BYTES
from digests.ledger import Status
from ui import french
from ui.cards import clip, topic_labels
from ui.messages import MESSAGE_LIMIT, visible_length

logger = logging.getLogger(__name__)

SUMMARY_MAX_CHARS = 1000


def admin_only(handler: Callback) -> Callback:
    """Refuse everybody but the configured admins, before the handler runs."""

    async def guarded(update: Update, context: BotContext) -> None:
        user = update.effective_user
        if context.services.is_admin(user.id if user else None):
            await handler(update, context)
            return
        logger.warning(
            "Refused admin action %s to user %s", handler.__name__, user.id if user else None
        )
        if update.callback_query is not None:
            await update.callback_query.answer(french.ADMIN_ONLY_BUTTON, show_alert=True)
        else:
            await reply(update, [french.ADMIN_ONLY])

    functools.update_wrapper(guarded, handler)
    return guarded


def _message(update: Update) -> Message:
    message = update.effective_message
    assert message is not None
    return message


@admin_only
async def add_command(update: Update, context: BotContext) -> None:
    """/ajouter: text after the command, a URL, a .txt/.md document, or a reply to a message."""
    message = _message(update)
    own_text = message.text or message.caption or ""
    request = parse_add_request(command_argument(own_text))
    try:
        draft = await _draft(update, context, message, request)
    except ContentRejected as rejected:
        logger.info("Refused /ajouter from %s: %s", update.effective_user, rejected)
        await reply(update, [rejected_text(rejected)])
        return
    except RepliedToBot:
        await reply(update, [french.ADD_REPLY_TO_BOT])
        return
    if draft is None:
        await reply(update, [escape(french.ADD_USAGE)])
        return
    await _store(update, context, draft, request)


class RepliedToBot(Exception):
    """/ajouter answered to one of the bot's own messages: not an article."""


async def _draft(
    update: Update, context: BotContext, message: Message, request: AddRequest
) -> ArticleDraft | None:
    """The article the admin means, or None when they sent nothing to add."""
    if message.document is not None:
        return await _draft_from_document(message.document)
    replied = message.reply_to_message
    if not request.text and replied is not None:
        return await _draft_from_reply(update, context, replied)
    if request.url is not None:
        return await _draft_from_url(update, context, request.url)
    if not request.text:
        return None
    return draft_from_text(request.text)


async def _draft_from_reply(
    update: Update, context: BotContext, replied: Message
) -> ArticleDraft | None:
    """The article in the message /ajouter answers: a document, a link (fetched, as after the
    command), or text; a forwarded channel post keeps its channel as source and its link."""
    if replied.from_user is not None and replied.from_user.id == context.bot.id:
        raise RepliedToBot
    if replied.document is not None:
        return await _draft_from_document(replied.document)
    text = (replied.text or replied.caption or "").strip()
    if not text:
        return None
    link = parse_add_request(text).url
    if link is not None:
        return await _draft_from_url(update, context, link)
    source, url = forwarded_origin(replied)
    return draft_from_text(text, source=source, url=url)


def forwarded_origin(message: Message) -> tuple[str | None, str | None]:
    """(source, link) of a post forwarded from a channel; nothing for a person's message, whose
    name is theirs to give, not ours to publish."""
    origin = message.forward_origin
    if not isinstance(origin, MessageOriginChannel):
        return None, None
    channel = origin.chat
    link = f"https://t.me/{channel.username}/{origin.message_id}" if channel.username else None
    return channel.title, link


async def _draft_from_url(update: Update, context: BotContext, url: str) -> ArticleDraft:
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_chat_action(chat.id, ChatAction.TYPING)
    return await draft_from_url(url, context.services.fetcher)


async def _draft_from_document(document: Document) -> ArticleDraft:
    """Refuse from the name and size Telegram announces before downloading anything."""
    check_document(document.file_name, document.mime_type)
    if document.file_size is not None and document.file_size > MAX_TEXT_BYTES:
        raise ContentRejected(RejectReason.TOO_LARGE, f"{document.file_size} bytes")
    telegram_file = await document.get_file()
    data = bytes(await telegram_file.download_as_bytearray())
    return draft_from_bytes(data, filename=document.file_name)


async def _store(
    update: Update, context: BotContext, draft: ArticleDraft, request: AddRequest
) -> None:
    services = context.services
    topic_keys = None
    if request.tags:
        unknown = [tag for tag in request.tags if services.catalog.resolve(tag) is None]
        if unknown:
            tags = " ".join(f"#{escape(tag)}" for tag in unknown)
            keys = " ".join(f"#{key}" for key in services.catalog.keys)
            await reply(update, [french.ADD_UNKNOWN_TOPICS.format(tags=tags, keys=keys)])
            return
        resolved = (services.catalog.resolve(tag) for tag in request.tags)
        topic_keys = tuple(dict.fromkeys(topic.key for topic in resolved if topic is not None))
    if request.summary is not None and len(request.summary) > SUMMARY_MAX_CHARS:
        await reply(
            update,
            [
                french.ADD_SUMMARY_TOO_LONG.format(
                    length=len(request.summary), maximum=SUMMARY_MAX_CHARS
                )
            ],
        )
        return
    user = update.effective_user
    added = await services.library.add(
        draft,
        added_by=f"telegram:{user.id if user else 'unknown'}",
        summary=request.summary,
        topic_keys=topic_keys,
    )
    await reply(update, [added_text(context, added)])


def added_text(context: BotContext, added: AddedArticle) -> str:
    article = added.article
    title = escape(clip(article.title, 200))
    if added.duplicate:
        return french.ADDED_DUPLICATE.format(id=article.id, title=title)
    labels = topic_labels(context.services.catalog, article.topic_keys) or french.NO_TOPIC
    return french.ADDED.format(
        id=article.id, title=title, topics=escape(labels), summary=escape(article.summary)
    )


def rejected_text(rejected: ContentRejected) -> str:
    template = french.REJECTED.get(rejected.reason.name)
    if template is None:
        return escape(french.REJECTED_FALLBACK.format(reason=rejected.reason.name.lower()))
    return escape(template.format(detail=rejected.detail or french.REJECTED_NO_DETAIL))


@admin_only
async def delete_command(update: Update, context: BotContext) -> None:
    """/supprimer N: asks for confirmation with two buttons."""
    message = _message(update)
    article_id = parse_article_id(command_argument(message.text or ""))
    if article_id is None:
        await reply(update, [french.DELETE_USAGE])
        return
    article = await context.services.library.get(article_id)
    if article is None:
        await reply(update, [french.ARTICLE_NOT_FOUND.format(id=article_id)])
        return
    buttons = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    french.BUTTON_DELETE,
                    callback_data=callbacks.encode(callbacks.ConfirmDelete(article_id)),
                ),
                InlineKeyboardButton(
                    french.BUTTON_CANCEL, callback_data=callbacks.encode(callbacks.CancelDelete())
                ),
            ]
        ]
    )
    title = escape(clip(article.title, 200))
    await reply(update, [french.DELETE_CONFIRM.format(id=article_id, title=title)], markup=buttons)


@admin_only
async def confirm_delete_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    article_id = callbacks.ConfirmDelete.parse(button_match(context)).article_id
    deleted = await context.services.library.delete(article_id)
    await query.answer()
    template = french.DELETED if deleted else french.DELETE_GONE
    await query.edit_message_text(template.format(id=article_id))


@admin_only
async def cancel_delete_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text(french.DELETE_CANCELLED)


@admin_only
async def stats_command(update: Update, context: BotContext) -> None:
    services = context.services
    counts = await services.subscriptions.counts()
    day = await services.digests.day_figures(services.clock().date())
    per_topic = await services.library.topic_counts()
    topic_lines = "\n".join(
        french.STATS_TOPIC_LINE.format(
            label=escape(t.label), count=french.number(per_topic.get(t.key, 0))
        )
        for t in services.catalog.topics
    )
    text = french.STATS.format(
        active=french.number(counts.active),
        inactive=french.number(counts.inactive),
        known=french.number(counts.known_chats),
        articles=french.number(await services.library.count()),
        per_topic=topic_lines,
        sent=french.number(day.digests_sent),
        empty=french.number(day.digests_empty),
        pending=french.number(day.pending),
        failed=french.number(day.failed),
    )
    await reply(update, [text])


@admin_only
async def broadcast_command(update: Update, context: BotContext) -> None:
    """/diffuser TEXTE: queued for every subscriber, sent through the digest delivery path."""
    message = _message(update)
    body_html = command_argument(message.text_html or "").strip()
    if not body_html:
        await reply(update, [french.BROADCAST_USAGE])
        return
    html = french.BROADCAST_HEADER + body_html
    length = visible_length(html)
    if length > MESSAGE_LIMIT:
        await reply(
            update, [french.BROADCAST_TOO_LONG.format(length=length, maximum=MESSAGE_LIMIT)]
        )
        return
    user = update.effective_user
    broadcast_id, count = await context.services.broadcasts.queue(
        html, created_by=f"telegram:{user.id if user else '?'}"
    )
    await reply(update, [french.BROADCAST_QUEUED.format(count=french.subscribers(count))])
    context.application.create_task(
        _deliver_and_report(update, context, broadcast_id), update=update, name="broadcast"
    )


async def _deliver_and_report(update: Update, context: BotContext, broadcast_id: int) -> None:
    """Send now rather than at the next tick, then tell the admin how it went."""
    application = context.application
    await context.services.digests.deliver_pending(keep_going=lambda: application.running)
    figures = await context.services.broadcasts.figures(broadcast_id)
    text = french.BROADCAST_DONE.format(
        sent=french.number(figures[Status.SENT]),
        unreachable=french.number(figures[Status.FAILED]),
        deferred=french.number(figures[Status.PENDING]),
    )
    await reply(update, [text])


COMMANDS = (
    Command("ajouter", add_command),
    Command("supprimer", delete_command),
    Command("stats", stats_command),
    Command("diffuser", broadcast_command),
)
DOCUMENTS = MessageHandler(
    filters.Document.ALL & filters.CaptionRegex(r"^/ajouter(@\w+)?(\s|$)"), add_command
)
"""A .txt or .md file sent with /ajouter as its caption."""
BUTTONS = (
    CallbackQueryHandler(confirm_delete_button, pattern=callbacks.ConfirmDelete.PATTERN),
    CallbackQueryHandler(cancel_delete_button, pattern=callbacks.CancelDelete.PATTERN),
)
