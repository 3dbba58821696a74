"""Pages of article cards with « Plus anciens / Plus récents » buttons, edited in place.

A page must fit one message, because paging edits that message. Cards are packed up to the page
size and the page is shortened when long cards would overflow; the next page starts after the
last card shown, so nothing is ever skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from content.models import Article
from content.topics import TopicCatalog
from ui import french
from ui.cards import article_card
from ui.messages import MESSAGE_LIMIT, visible_length

PAGE_SIZE = 5


@dataclass(frozen=True, slots=True)
class RenderedPage:
    html: str
    markup: InlineKeyboardMarkup | None
    shown: int


def fit_cards(header: str, cards: Sequence[str]) -> list[str]:
    """As many leading cards as fit one message under ``header``."""
    kept: list[str] = []
    length = visible_length(header)
    for card in cards:
        added = visible_length(card) + 2
        if length + added > MESSAGE_LIMIT:
            break
        kept.append(card)
        length += added
    return kept


def navigation(
    offset: int,
    shown: int,
    total: int | None,
    has_more: bool,
    make: Callable[[int], callbacks.Action],
    *,
    page_size: int = PAGE_SIZE,
) -> InlineKeyboardMarkup | None:
    """Older/newer buttons; ``make`` builds the payload for a given offset."""
    buttons = []
    if offset > 0:
        buttons.append(
            InlineKeyboardButton(
                french.BUTTON_NEWER,
                callback_data=callbacks.encode(make(max(0, offset - page_size))),
            )
        )
    more = has_more if total is None else offset + shown < total
    if more:
        buttons.append(
            InlineKeyboardButton(
                french.BUTTON_OLDER, callback_data=callbacks.encode(make(offset + shown))
            )
        )
    return InlineKeyboardMarkup([buttons]) if buttons else None


def article_list_page(
    header_template: str,
    articles: Sequence[Article],
    catalog: TopicCatalog,
    *,
    offset: int,
    total: int,
    make: Callable[[int], callbacks.Action],
    header_values: dict[str, str],
) -> RenderedPage:
    """A topic or « latest » page: header with the range shown, cards, navigation."""
    cards = [article_card(article, catalog) for article in articles]
    # The range of all the cards is the longest it can be (« Articles 1 à 5 sur 13 »).
    probe = header_template.format(
        range=french.article_range(offset + 1, offset + len(cards), total), **header_values
    )
    kept = fit_cards(probe, cards)
    header = header_template.format(
        range=french.article_range(offset + 1, offset + len(kept), total), **header_values
    )
    html = "\n\n".join([header, *kept])
    return RenderedPage(html, navigation(offset, len(kept), total, False, make), len(kept))


def search_page(
    query: str,
    articles: Sequence[Article],
    catalog: TopicCatalog,
    *,
    offset: int,
    has_more: bool,
    broadened: bool,
    make: Callable[[int], callbacks.Action] | None,
) -> RenderedPage:
    header_lines = [french.SEARCH_HEADER.format(query=escape(query))]
    if broadened:
        header_lines.append(escape(french.SEARCH_BROADENED))
    # Fit under the header as it will be sent, range line included (its longest form).
    probe = escape(
        french.SEARCH_RANGE.format(range=french.result_range(offset + 1, offset + len(articles)))
    )
    cards = fit_cards(
        "\n".join([*header_lines, probe]), [article_card(a, catalog) for a in articles]
    )
    header_lines.append(
        escape(
            french.SEARCH_RANGE.format(range=french.result_range(offset + 1, offset + len(cards)))
        )
    )
    html = "\n\n".join(["\n".join(header_lines), *cards])
    markup = None
    if make is not None:
        more = has_more or len(cards) < len(articles)
        markup = navigation(offset, len(cards), None, more, make)
    return RenderedPage(html, markup, len(cards))
