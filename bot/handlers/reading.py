"""Reading: /start, /aide, topic commands, /sujets, /dernieres, /article, /recherche, and the
buttons that page through topics and search results."""

from __future__ import annotations

import logging
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler

from bot import callbacks
from bot.context import BotContext
from bot.handlers.common import (
    Command,
    argument,
    button_match,
    known_topic,
    next_or_hint,
    refuse_stale_button,
    refuse_unknown_topic,
    topic_list,
)
from bot.pages import PAGE_SIZE, RenderedPage, article_list_page, search_page
from bot.parsing import command_argument, parse_article_id, parse_count
from bot.replies import reply
from content.search import search_terms
from digests.subscribers import Subscriber
from digests.timezones import zone_label
from ui import french
from ui.cards import article_messages

logger = logging.getLogger(__name__)

MAX_LATEST = 10
_SEARCH_TERMS_BUDGET = 50
"""Search terms must fit a button's payload to page through the results."""


async def start(update: Update, context: BotContext) -> None:
    """Welcome a new reader; greet one who already receives the digest by what they receive
    (no welcome speech for someone who knows the bot). A reader who had blocked the bot is
    reachable again."""
    chat = update.effective_chat
    user = update.effective_user
    assert chat is not None
    services = context.services
    known = await services.subscriptions.set_reachable(chat.id, reachable=True, reason=None)
    subscriber = await services.subscriptions.subscriber(chat.id) if known else None
    first_name = escape(user.first_name) if user and user.first_name else None
    if subscriber is not None and subscriber.subscribed:
        await reply(
            update,
            [await welcome_back(context, subscriber, first_name)],
            markup=InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(
                            french.BUTTON_CHANGE_TOPICS,
                            callback_data=callbacks.encode(callbacks.OpenKeyboard()),
                        )
                    ]
                ]
            ),
        )
        return
    examples = ", ".join(f"/{topic.command}" for topic in services.catalog.topics[:4])
    text = french.WELCOME.format(name=first_name or french.DEFAULT_NAME, examples=f"{examples}…")
    buttons = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    french.BUTTON_SUBSCRIBE_ALL,
                    callback_data=callbacks.encode(callbacks.SubscribeAll()),
                )
            ],
            [
                InlineKeyboardButton(
                    french.BUTTON_CHOOSE_TOPICS,
                    callback_data=callbacks.encode(callbacks.OpenKeyboard()),
                )
            ],
        ]
    )
    await reply(update, [text], markup=buttons)


async def welcome_back(context: BotContext, subscriber: Subscriber, name: str | None) -> str:
    """« Bon retour, Moussa ! Vous recevez la revue chaque jour à 7 h (Bamako) sur AES et
    Russie. Prochaine revue : demain à 7 h. »"""
    greeting = french.WELCOME_BACK.format(name=name) if name else french.WELCOME_BACK_ANONYMOUS
    receiving = french.RETURNING_SUBSCRIPTION.format(
        time=french.clock(subscriber.delivery_time),
        zone=escape(zone_label(subscriber.timezone)),
        topics=escape(topic_list(context.services.catalog, subscriber)),
    )
    upcoming = await next_or_hint(context, subscriber)
    return "\n".join([greeting, receiving, upcoming, "", french.RETURNING_FOOTER])


async def help_command(update: Update, context: BotContext) -> None:
    """Every command, one line each. The lines are this bot's own HTML (``<code>`` examples);
    topic descriptions come from topics.toml and are typeset and escaped here."""
    services = context.services
    lines = [french.HELP_READ]
    lines += [
        french.HELP_TOPIC_LINE.format(
            command=t.command, description=escape(french.typeset(t.description))
        )
        for t in services.catalog.topics
    ]
    lines += french.HELP_READ_LINES
    lines += ["", french.HELP_DIGEST, *french.HELP_DIGEST_LINES]
    user = update.effective_user
    if services.is_admin(user.id if user else None):
        lines += ["", french.HELP_ADMIN, *french.HELP_ADMIN_LINES]
    lines += ["", french.HELP_FOOTER]
    await reply(update, ["\n".join(lines)])


async def topic_command(update: Update, context: BotContext) -> None:
    """/aes, /russie…: the command name is the topic's, as declared in topics.toml."""
    message = update.effective_message
    assert message is not None and message.text is not None
    command = message.text.split()[0].lstrip("/").split("@")[0].lower()
    topic = context.services.catalog.by_command(command)
    if topic is None:  # the handler is only registered for catalog commands
        await unknown_command(update, context)
        return
    page = await topic_page(context, topic.key, 0)
    if page is None:
        text = french.TOPIC_EMPTY.format(label=escape(topic.label), command=topic.command)
        await reply(update, [text])
        return
    await reply(update, [page.html], markup=page.markup)


async def topic_or_unknown(update: Update, context: BotContext) -> None:
    """Any command no other handler took: a topic's (topics are data, known only at run time),
    or one the bot does not know."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    command = message.text.split()[0].lstrip("/").split("@")
    bot_name = context.bot.username
    if len(command) > 1 and bot_name and command[1].lower() != bot_name.lower():
        return  # « /aes@other_bot » in a group is meant for another bot
    if context.services.catalog.by_command(command[0].lower()) is not None:
        await topic_command(update, context)
    elif message.chat.type == ChatType.PRIVATE or len(command) > 1:
        await unknown_command(update, context)


async def topic_page(context: BotContext, topic_key: str, offset: int) -> RenderedPage | None:
    """A page of a topic (or of all topics for ``callbacks.ALL``); None when there is nothing."""
    services = context.services
    everything = topic_key == callbacks.ALL
    if everything:
        total = await services.library.count(one_per_story=True)
    else:
        total = (await services.library.topic_counts()).get(topic_key, 0)
    if total == 0 or offset >= total:
        return None
    found = await services.library.latest(
        topic=None if everything else topic_key, limit=PAGE_SIZE, offset=offset
    )
    if everything:
        template, values = french.LATEST_PAGE_HEADER, {}
    else:
        topic = services.catalog.get(topic_key)
        template = french.TOPIC_PAGE_HEADER
        values = {"label": escape(topic.label if topic else topic_key)}
    return article_list_page(
        template,
        found,
        services.catalog,
        offset=offset,
        total=total,
        make=lambda new_offset: callbacks.Page(topic_key, new_offset),
        header_values=values,
    )


async def topics_command(update: Update, context: BotContext) -> None:
    """/sujets: every topic with its article count, each one a button."""
    services = context.services
    counts = await services.library.topic_counts()
    lines = [french.TOPICS_HEADER, ""]
    buttons = []
    for topic in services.catalog.topics:
        count = counts.get(topic.key, 0)
        lines.append(
            french.TOPICS_LINE.format(
                label=escape(topic.label),
                count=french.articles(count),
                command=topic.command,
            )
        )
        buttons.append(
            InlineKeyboardButton(
                f"{topic.label} ({count})",
                callback_data=callbacks.encode(callbacks.ShowTopic(topic.key)),
            )
        )
    rows = [buttons[index : index + 2] for index in range(0, len(buttons), 2)]
    await reply(update, ["\n".join(lines)], markup=InlineKeyboardMarkup(rows))


async def latest_command(update: Update, context: BotContext) -> None:
    """/dernieres [n]: the newest articles on every topic."""
    message = update.effective_message
    assert message is not None and message.text is not None
    count = parse_count(command_argument(message.text), default=PAGE_SIZE, maximum=MAX_LATEST)
    if count is None:
        await reply(update, [french.COUNT_BAD.format(maximum=MAX_LATEST)])
        return
    services = context.services
    total = await services.library.count(one_per_story=True)
    if total == 0:
        await reply(update, [french.LATEST_EMPTY])
        return
    found = await services.library.latest(limit=count)
    page = article_list_page(
        french.LATEST_PAGE_HEADER,
        found,
        services.catalog,
        offset=0,
        total=total,
        make=lambda offset: callbacks.Page(callbacks.ALL, offset),
        header_values={},
    )
    await reply(update, [page.html], markup=page.markup)


async def article_command(update: Update, context: BotContext) -> None:
    """/article N: the whole article (card, topics, body in a few messages)."""
    text = argument(update)
    if not text:
        await reply(update, [french.ARTICLE_ID_MISSING])
        return
    article_id = parse_article_id(text)
    if article_id is None:
        await reply(update, [french.ARTICLE_ID_BAD.format(text=escape(text[:50]))])
        return
    article = await context.services.library.get(article_id)
    if article is None:
        await reply(update, [french.ARTICLE_NOT_FOUND.format(id=article_id)])
        return
    await reply(update, article_messages(article, context.services.catalog))


async def search_command(update: Update, context: BotContext) -> None:
    """/recherche MOTS."""
    query = argument(update)
    if not query:
        await reply(update, [french.SEARCH_MISSING])
        return
    await _reply_search(update, context, query)


async def plain_text(update: Update, context: BotContext) -> None:
    """Text without a command, in a private chat: readers expect a search.

    A forwarded message is not a query (searching a whole article for every one of its words
    finds noise): readers are told how to search, admins how to add it.
    """
    message = update.effective_message
    assert message is not None and message.text is not None
    if message.forward_origin is not None:
        user = update.effective_user
        admin = context.services.is_admin(user.id if user else None)
        await reply(update, [french.FORWARDED_HINT_ADMIN if admin else french.FORWARDED_HINT])
        return
    query = message.text.strip()
    await reply(update, [french.PLAIN_TEXT_SEARCH.format(query=escape(query[:100]))])
    await _reply_search(update, context, query)


async def _reply_search(update: Update, context: BotContext, query: str) -> None:
    page = await search_results(context, query, offset=0, broadened=None)
    if isinstance(page, str):
        await reply(update, [page])
    else:
        await reply(update, [page.html], markup=page.markup)


def searchable_terms(query: str, budget: int = _SEARCH_TERMS_BUDGET) -> tuple[str, ...]:
    """The search words of ``query`` (folded, as the index ignores accents) that fit a button
    payload; none when a word is not plain ASCII (another script), which is then searched as
    typed, unpaged.

    The words are those the search itself uses: gluing what surrounds an apostrophe or a hyphen
    (« l'armée » into ``larmee``) would search for a word no article contains.
    """
    terms: list[str] = []
    used = 0
    for term in search_terms(query):
        if not (term.isascii() and term.isalnum()):
            return ()
        if used + len(term) + 1 > budget:
            break
        terms.append(term)
        used += len(term) + 1
    return tuple(terms)


async def search_results(
    context: BotContext, query: str, *, offset: int, broadened: bool | None
) -> RenderedPage | str:
    """A page of results, or the French sentence explaining why there is none.

    Readers' words are folded to plain ASCII (FTS ignores accents anyway) so that the same terms
    fit the « Plus anciens » button; a query in another script is searched as typed, unpaged.
    """
    terms = searchable_terms(query)
    result = await context.services.library.search(
        " ".join(terms) if terms else query,
        limit=PAGE_SIZE + 1,
        offset=offset,
        broadened=broadened,
    )
    shown_query = escape(query[:100])
    if not result.terms:
        return french.SEARCH_NO_WORDS.format(text=shown_query)
    if not result.articles:
        return french.SEARCH_NOTHING.format(query=shown_query)
    return search_page(
        query[:100],
        result.articles[:PAGE_SIZE],
        context.services.catalog,
        offset=offset,
        has_more=len(result.articles) > PAGE_SIZE,
        broadened=result.broadened,
        make=(lambda new: callbacks.SearchPage(terms, new, result.broadened)) if terms else None,
    )


async def unknown_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    command = message.text.split()[0][:40]
    logger.info("Unknown command %r in chat %s", command, update.effective_chat)
    await reply(update, [french.UNKNOWN_COMMAND.format(command=escape(command))])


# --- Buttons ----------------------------------------------------------------------------------


async def page_button(update: Update, context: BotContext) -> None:
    """« Plus anciens / Plus récents » under a topic page."""
    action = callbacks.Page.parse(button_match(context))
    page = None
    if known_topic(context, action.topic):
        page = await topic_page(context, action.topic, action.offset)
    await _show_in_place(update, context, page)


async def search_page_button(update: Update, context: BotContext) -> None:
    """« Plus anciens / Plus récents » under search results."""
    action = callbacks.SearchPage.parse(button_match(context))
    page = await search_results(
        context, " ".join(action.terms), offset=action.offset, broadened=action.broadened
    )
    await _show_in_place(update, context, None if isinstance(page, str) else page)


async def _show_in_place(update: Update, context: BotContext, page: RenderedPage | None) -> None:
    """Edit the button's message into ``page``; a page that no longer exists (everything was
    deleted since) makes it a stale button."""
    query = update.callback_query
    assert query is not None
    if page is None:
        await refuse_stale_button(update, context)
        return
    await query.answer()
    try:
        await query.edit_message_text(page.html, reply_markup=page.markup)
    except BadRequest as error:
        # Two quick taps on the same button ask for the page already shown.
        if "message is not modified" not in error.message.lower():
            raise


async def show_topic_button(update: Update, context: BotContext) -> None:
    """A topic's button under /sujets: its first page, as a new message."""
    query = update.callback_query
    assert query is not None
    topic_key = callbacks.ShowTopic.parse(button_match(context)).topic
    if await refuse_unknown_topic(update, context, topic_key):
        return
    await query.answer()
    page = await topic_page(context, topic_key, 0)
    if page is None:
        topic = context.services.catalog.get(topic_key)
        text = french.TOPIC_EMPTY.format(
            label=topic.label if topic else topic_key, command=topic.command if topic else ""
        )
        await reply(update, [text])
    else:
        await reply(update, [page.html], markup=page.markup)


COMMANDS = (
    Command("start", start),
    Command("aide", help_command),
    Command("help", help_command),
    Command("sujets", topics_command),
    Command("dernieres", latest_command),
    Command("article", article_command),
    Command("recherche", search_command),
)
BUTTONS = (
    CallbackQueryHandler(page_button, pattern=callbacks.Page.PATTERN),
    CallbackQueryHandler(search_page_button, pattern=callbacks.SearchPage.PATTERN),
    CallbackQueryHandler(show_topic_button, pattern=callbacks.ShowTopic.PATTERN),
)
