"""HTML for articles, shared by the digest and the bot's lists so both look the same.

Every piece of article text is escaped here: titles and summaries come from the web and from
admins, and a single stray ``<`` would make Telegram refuse the whole message.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from content.models import Article
from content.topics import TopicCatalog
from ui import french
from ui.messages import MESSAGE_LIMIT, chunk_plain_text, pack_blocks

TITLE_MAX_CHARS = 300
SUMMARY_MAX_CHARS = 1500
SOURCE_MAX_CHARS = 100
"""Sources come from web pages' og:site_name; one of a few thousand characters must not break
every card it is on."""


def clip(text: str, max_chars: int) -> str:
    """Shorten ``text`` to ``max_chars`` at a word boundary, with an ellipsis."""
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1].rsplit(" ", 1)[0] or text[: max_chars - 1]
    return f"{cut}…"


def topic_labels(catalog: TopicCatalog, keys: Sequence[str]) -> str:
    """Topic labels for display, skipping topics no longer in the catalog."""
    labels = [topic.label for key in keys if (topic := catalog.get(key)) is not None]
    return ", ".join(labels)


def byline(article: Article) -> str:
    """« Source · 23 juin 2025 » (or only the date when the source is unknown), escaped."""
    day = french.short_date(article.published_on or article.added_at.date())
    if not article.source:
        return day
    return f"{escape(clip(article.source, SOURCE_MAX_CHARS))} · {day}"


def link_line(article: Article, *, with_command: bool) -> str:
    parts = []
    if article.url and article.url.startswith(("http://", "https://")):
        parts.append(f'<a href="{escape(article.url, quote=True)}">{french.READ_ARTICLE}</a>')
    if with_command:
        parts.append(french.FULL_ARTICLE_COMMAND.format(id=article.id))
    return " · ".join(parts)


def article_card(
    article: Article,
    catalog: TopicCatalog,
    *,
    also_on: Sequence[str] = (),
    with_command: bool = True,
) -> str:
    """A compact card: title, byline, summary, link; « Aussi : RFI, APA » names the other
    outlets of the article's story, « Aussi dans : … » the other topics."""
    lines = [f"<b>{escape(clip(article.title, TITLE_MAX_CHARS))}</b>", f"<i>{byline(article)}</i>"]
    if article.summary.strip():  # articles stored before summaries were guaranteed may lack one
        lines.append(escape(clip(article.summary, SUMMARY_MAX_CHARS)))
    links = link_line(article, with_command=with_command)
    if links:
        lines.append(links)
    if article.also:
        outlets = [clip(outlet, SOURCE_MAX_CHARS) for outlet in article.also]
        lines.append(f"<i>{escape(french.also_covered_by(outlets))}</i>")
    labels = topic_labels(catalog, also_on)
    if labels:
        lines.append(f"<i>{escape(french.ALSO_ON_TOPICS.format(topics=labels))}</i>")
    return "\n".join(lines)


def article_messages(
    article: Article, catalog: TopicCatalog, *, max_messages: int = 3
) -> list[str]:
    """The whole article for reading in the chat: card with its topics, then the body.

    The body is cut between paragraphs into at most ``max_messages`` messages in all; beyond that
    the reader is sent to the source, rather than flooding the chat with a 50-message article.
    """
    labels = topic_labels(catalog, article.topic_keys)
    topics_line = french.ARTICLE_TOPICS.format(topics=labels) if labels else french.ARTICLE_NO_TOPIC
    header = "\n".join(
        [article_card(article, catalog, with_command=False), f"<i>{escape(topics_line)}</i>"]
    )
    body_limit = MESSAGE_LIMIT - 200  # room for the truncation note
    chunks = chunk_plain_text(article.body, limit=body_limit)
    blocks = [header, *(escape(chunk) for chunk in chunks)]
    messages = pack_blocks(blocks, limit=body_limit)
    if len(messages) > max_messages:
        messages = messages[:max_messages]
        messages[-1] = f"{messages[-1]}\n\n<i>{escape(french.ARTICLE_TRUNCATED)}</i>"
    return messages
