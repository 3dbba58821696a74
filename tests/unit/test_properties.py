"""Properties of the pipeline on any Unicode a reader, an admin or a web page can send.

Hypothesis feeds the summarizer, the tagger and every HTML renderer with text made of control
characters, emoji, right-to-left scripts, combining marks, markup look-alikes and huge whitespace
runs. Whatever comes in: nothing crashes, a summary only quotes whole sentences of its article,
Telegram's strict HTML parser accepts every message, and no message exceeds 4,096 UTF-16 units.

Profiles: ``hardening`` (default, bounded so the suite stays fast) and ``thorough`` (thousands of
examples, for a night run):
``SAHEL_HYPOTHESIS_PROFILE=thorough pytest tests/unit/test_properties.py``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date
from functools import cache
from html import escape
from typing import Literal

import httpx
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot import callbacks
from bot.handlers.reading import searchable_terms
from bot.pages import RenderedPage, article_list_page, search_page
from content.models import Article
from content.summarizer import MAX_SENTENCES, summarize
from content.summarizer.sentences import segment_text
from content.tagger import Tagger
from content.text import normalize_text, word_count, words
from content.topics import TopicCatalog, load_topics
from digests.compose import TopicArticles, compose_digest
from fake_bot_api import TelegramHtmlError, parse_telegram_html, utf16_length
from tests.support.factories import make_article
from ui import french
from ui.cards import SUMMARY_MAX_CHARS, TITLE_MAX_CHARS, article_card, article_messages, clip
from ui.messages import MESSAGE_LIMIT, chunk_plain_text, pack_blocks, visible_length

settings.register_profile(
    "hardening",
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough",
    max_examples=2_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = settings.get_profile(os.environ.get("SAHEL_HYPOTHESIS_PROFILE", "hardening"))

TRIMMED = " \t\r\n\v\f"
"""What Telegram trims around a message before measuring it (as the local server does)."""
SOURCE_MAX_CHARS = 200
"""Sources in these properties stay this short: see test_a_very_long_source_still_renders."""

ODD_PIECES = (
    "<", ">", "&", "&amp;", "&lt;", "&#39;", "&nbsp;", '"', "'", "<b>", "</b>", "</i>",
    '<a href="https://x.org/?a=1&b=2">', "<p>", "<!--", "]]>", "\x00", "\x07", "\x0b", "\x1b",
    "\x7f", "\x85", "\u2028", "\u2029", "\u200b", "\u200d", "\u200e", "\u202e", "\ufeff",
    "\u00a0", "\u202f", "\u3000", "e\u0301", "\u0301\u0308", "🇲🇱", "👨‍👩‍👧", "😀", "𝔘𝔫𝔦",
    "مرحبا بكم في باماكو", "שלום", "ⵜⴰⵎⴰⵣⵉⵖⵜ", " " * 300, "\n" * 30, "\t\t", "\r\n", "\r",
    ".", "…", "?!", "« ", " »", "M. ", "Mali", "Niger", "Somalie", "Goïta", "AES", "Burkina",
    "Le Mali et le Niger ont signé un accord à Bamako. ",
    "Assimi Goïta est en visite officielle en Russie.\n",
    "www.sahel.ml", "https://a.b/c?d=1&e=2",
)  # fmt: skip

SURROGATES: tuple[Literal["Cs"]] = ("Cs",)
unicode_text = st.text(st.characters(exclude_categories=SURROGATES), max_size=300)
pieces_text = st.lists(st.one_of(st.sampled_from(ODD_PIECES), unicode_text), max_size=25).map(
    "".join
)
any_text = st.one_of(unicode_text, pieces_text)
"""Any Unicode (no lone surrogates: they cannot reach us through UTF-8 JSON)."""
long_text = st.tuples(any_text, st.integers(1, 30), st.sampled_from((" ", "\n", "\n\n"))).map(
    lambda parts: parts[2].join([parts[0]] * parts[1])
)
"""Long inputs made cheaply: a random text repeated, up to tens of thousands of characters.

Repeats are separated by whitespace: ``chunk_plain_text`` cuts a word longer than its limit in
quadratic time (seconds for a 10,000-character word), so unbroken runs (``glued_text``) are
only fed to it at small limits."""
glued_text = st.tuples(any_text, st.integers(1, 30)).map(lambda pair: pair[0] * pair[1])


def stored_url(path: str) -> str | None:
    """A URL as the store holds it: every stored URL went through httpx (the fetcher's final
    URL), which percent-encodes anything outside the URL syntax; None if httpx refuses it."""
    try:
        return str(httpx.URL(f"https://sahel.example/{path}"))
    except (httpx.InvalidURL, ValueError):
        return None


url_text = st.one_of(
    st.none(),
    any_text.filter(lambda text: not text.startswith(("http://", "https://"))),
    any_text.map(stored_url),
)
"""No URL, text that is no web address (never linked), or a URL as stored."""


@cache
def catalog() -> TopicCatalog:
    return load_topics()


@st.composite
def articles(draw: st.DrawFn, article_id: int | None = None) -> Article:
    """Articles with arbitrary text in every field, stripped at both ends as the store holds
    them (ingestion normalises titles, ``_metadata`` strips sources, /ajouter strips summaries):
    the renderers measure blocks without their outer whitespace (``visible_length`` strips),
    which is only right for blocks that have none."""
    keys = catalog().keys
    return make_article(
        article_id if article_id is not None else draw(st.integers(1, 10**6)),
        title=draw(st.one_of(any_text, long_text)).strip(),
        summary=draw(st.one_of(any_text, long_text)).strip(),
        source=draw(st.one_of(st.none(), any_text.map(lambda s: s[:SOURCE_MAX_CHARS].strip()))),
        url=draw(url_text),
        body=draw(st.one_of(any_text, long_text)),
        topics=tuple(draw(st.lists(st.sampled_from(keys), unique=True, max_size=4))),
        published_on=draw(st.one_of(st.none(), st.dates(date(1990, 1, 1), date(2100, 12, 31)))),
    )


def article_lists(max_size: int) -> st.SearchStrategy[list[Article]]:
    """Articles with distinct ids (as the store guarantees)."""
    return st.lists(st.integers(1, 10**6), unique=True, max_size=max_size).flatmap(
        lambda ids: st.tuples(*(articles(article_id) for article_id in ids)).map(list)
    )


def telegram_text(html: str) -> str:
    """What the reader sees: the strict parse (raises on any stray ``<``, ``&`` or ``>``),
    trimmed as Telegram trims it."""
    try:
        parsed = parse_telegram_html(html)
    except TelegramHtmlError as error:
        raise AssertionError(
            f"Telegram would refuse: {error.description}\n{html[:2000]!r}"
        ) from None
    return parsed.text.strip(TRIMMED)


def assert_sendable(messages: Sequence[str]) -> list[str]:
    """Every message parses, is not empty and fits Telegram's limit; returns their texts."""
    texts = [telegram_text(message) for message in messages]
    for text in texts:
        assert text, "Telegram refuses an empty message"
        assert utf16_length(text) <= MESSAGE_LIMIT, utf16_length(text)
    return texts


def squeeze(text: str) -> str:
    """The text without any whitespace: what must survive splitting, whatever the cuts."""
    return "".join(text.split())


def as_sentences(summary: str, sentences: Sequence[str]) -> list[int] | None:
    """Indexes of ``sentences`` (in order, no repeats) whose space-joined texts make exactly
    ``summary``, or None when no such choice exists."""
    seen: set[tuple[int, int]] = set()

    def walk(position: int, first: int) -> list[int] | None:
        if (position, first) in seen:
            return None
        seen.add((position, first))
        for index in range(first, len(sentences)):
            sentence = sentences[index]
            if not summary.startswith(sentence, position):
                continue
            end = position + len(sentence)
            if end == len(summary):
                return [index]
            if summary[end] == " ":
                rest = walk(end + 1, index + 1)
                if rest is not None:
                    return [index, *rest]
        return None

    return walk(0, 0) if summary else []


# --- the summarizer and the tagger --------------------------------------------------------


@PROFILE
@given(title=any_text, body=st.one_of(any_text, long_text))
@example(title="", body="")
@example(title="Titre", body=" " * 100_000)
@example(title="\u202e", body="\u0301" * 5_000 + ". Fin.")
@example(title="Mali", body="Le Mali. " * 3_000)
def test_summarize_never_crashes_and_quotes_only_whole_sentences(title: str, body: str) -> None:
    """The summarizer works on normalised text (ingestion normalises every draft): a summary
    is made of complete sentences (final punctuation) of that text, in article order, when some
    fit the budget; otherwise of the article's own words, cut with « … » (see
    ``test_summary_fallback.py``). Never over the budget, never empty when the title has text."""
    summarize(title, body)  # raw input must not crash either
    clean_title, clean_body = normalize_text(title), normalize_text(body)
    summary = summarize(clean_title, clean_body)
    assert word_count(summary) <= 60
    assert summary or not clean_title
    assert set(words(summary)) <= set(words(f"{clean_title}\n{clean_body}")), summary
    sentences = [s.text for s in segment_text(clean_body) if not s.is_heading]
    chosen = as_sentences(summary, sentences)
    if chosen is not None:
        assert len(chosen) <= MAX_SENTENCES
        for index in chosen:
            assert sentences[index] in clean_body


@PROFILE
@given(title=any_text, body=st.one_of(any_text, long_text))
@example(title="Somalie", body="La Somalie et Abd Al Malik. Air France et France 24.")
def test_tagger_never_crashes_and_names_known_topics_once(title: str, body: str) -> None:
    for text_title, text_body in ((title, body), (normalize_text(title), normalize_text(body))):
        mentions = Tagger(catalog()).tag(text_title, text_body)
        keys = [mention.key for mention in mentions]
        assert len(keys) == len(set(keys))
        assert set(keys) <= set(catalog().keys)
        assert all(mention.count >= 1 for mention in mentions)


# --- rendering ----------------------------------------------------------------------------


@PROFILE
@given(article=articles(), also_on=st.lists(st.sampled_from(load_topics().keys), max_size=3))
def test_article_card_always_parses_and_fits(article: Article, also_on: list[str]) -> None:
    card = article_card(article, catalog(), also_on=also_on)
    [text] = assert_sendable([card])
    assert squeeze(clip(article.title, TITLE_MAX_CHARS)) in squeeze(text)
    assert squeeze(clip(article.summary, SUMMARY_MAX_CHARS)) in squeeze(text)


@PROFILE
@given(article=articles())
@example(article=make_article(1, body="Le Mali. " * 5_000, summary="", title=""))
@example(article=make_article(2, body="😀 " * 15_000, summary="😀" * 3_000, title="😀" * 600))
@example(article=make_article(3, body=("x" * 3_000 + "\n") * 5, source="<&>" * 60))
def test_article_pages_parse_fit_and_keep_the_body_in_order(article: Article) -> None:
    messages = article_messages(article, catalog())
    texts = assert_sendable(messages)
    assert 1 <= len(messages) <= 3
    shown = squeeze("".join(texts))
    if squeeze(french.ARTICLE_TRUNCATED) in squeeze(texts[-1]):
        return  # cut short on purpose: the rest is on the source's site
    assert squeeze(article.body) in shown


def assert_pages_on(page: RenderedPage, offset: int, found: Sequence[Article]) -> None:
    """At least one card per page, and « Plus anciens » starts right after the last card shown:
    paging skips nothing. Buttons carry payloads the bot can read back."""
    if found:
        assert page.shown >= 1
    targets = [
        callbacks.decode(button.callback_data)  # type: ignore[arg-type]
        for row in (page.markup.inline_keyboard if page.markup else ())
        for button in row
    ]
    assert all(isinstance(t, callbacks.Page | callbacks.SearchPage) for t in targets), targets
    offsets = [t.offset for t in targets if isinstance(t, callbacks.Page | callbacks.SearchPage)]
    if page.shown < len(found):
        assert offset + page.shown in offsets


@PROFILE
@given(
    found=article_lists(5),
    label=any_text,
    offset=st.integers(0, 10**6),
    extra=st.integers(0, 10**6),
)
def test_topic_pages_parse_fit_and_page_without_skipping(
    found: list[Article], label: str, offset: int, extra: int
) -> None:
    total = offset + len(found) + extra
    page = article_list_page(
        french.TOPIC_PAGE_HEADER,
        found,
        catalog(),
        offset=offset,
        total=total,
        make=lambda new: callbacks.Page("mali", new),
        header_values={"label": escape(label)},
    )
    assert_sendable([page.html])
    assert_pages_on(page, offset, found)


@PROFILE
@given(
    found=article_lists(5),
    query=any_text,
    offset=st.integers(0, 10**8),
    has_more=st.booleans(),
    broadened=st.booleans(),
)
def test_search_pages_parse_fit_and_have_valid_buttons(
    found: list[Article], query: str, offset: int, has_more: bool, broadened: bool
) -> None:
    terms = searchable_terms(query)
    make = (lambda new: callbacks.SearchPage(terms, new, broadened)) if terms else None
    page = search_page(
        query[:100],
        found,
        catalog(),
        offset=offset,
        has_more=has_more,
        broadened=broadened,
        make=make,
    )
    assert_sendable([page.html])
    if terms:
        assert_pages_on(page, offset, found)


@st.composite
def digest_sections(draw: st.DrawFn) -> list[tuple[str, list[Article]]]:
    """Candidate articles per topic, drawn from one pool: an id is one article everywhere."""
    pool = draw(article_lists(10))
    keys = st.sampled_from(catalog().keys)
    chosen = st.lists(st.sampled_from(pool), unique_by=lambda a: a.id) if pool else st.just([])
    return draw(st.lists(st.tuples(keys, chosen), max_size=6))


@PROFILE
@given(
    sections=digest_sections(),
    day=st.dates(date(2000, 1, 1), date(2100, 12, 31)),
    max_per_topic=st.integers(1, 6),
    send_when_empty=st.booleans(),
)
def test_digests_parse_fit_and_show_every_article_once(
    sections: list[tuple[str, list[Article]]],
    day: date,
    max_per_topic: int,
    send_when_empty: bool,
) -> None:
    candidates = [TopicArticles(key, found) for key, found in sections]
    digest = compose_digest(
        day, candidates, catalog(), max_per_topic=max_per_topic, send_when_empty=send_when_empty
    )
    texts = assert_sendable(digest.messages)
    assert len(set(digest.article_ids)) == len(digest.article_ids)
    offered = {article.id: article for _, found in sections for article in found}
    assert set(digest.article_ids) <= set(offered)
    if not digest.article_ids:
        assert len(texts) == (1 if send_when_empty else 0)
        return
    shown = "".join(digest.messages)
    for article_id in digest.article_ids:
        title = escape(clip(offered[article_id].title, TITLE_MAX_CHARS))
        assert f"<b>{title}</b>" in shown
    if len(texts) > 1:
        for number, text in enumerate(texts[1:], start=2):
            assert f"(suite {number}/{len(texts)})" in text


def test_search_page_counts_its_range_line_when_fitting_cards() -> None:
    """Regression: the « Résultats 1 à 3 » line was added after the cards were fitted, so a page
    filled to the brim went over 4,096 units and Telegram refused it."""
    header = french.SEARCH_HEADER.format(query="x")
    cards = [make_article(n, title=f"Titre {n}", summary="a" * 1300) for n in (1, 2)]
    used = visible_length(header) + sum(
        visible_length(article_card(a, catalog())) + 2 for a in cards
    )
    empty = visible_length(article_card(make_article(3, title="Titre 3", summary=""), catalog()))
    room = MESSAGE_LIMIT - used - 2 - empty
    assert 0 < room <= SUMMARY_MAX_CHARS  # the third card fills the message exactly
    found = [*cards, make_article(3, title="Titre 3", summary="a" * room)]
    make = lambda new: callbacks.SearchPage(("x",), new, False)  # noqa: E731
    page = search_page("x", found, catalog(), offset=0, has_more=False, broadened=False, make=make)
    assert_sendable([page.html])
    assert_pages_on(page, 0, found)


def test_a_very_long_source_still_renders() -> None:
    article = make_article(1, source="Le Journal du Sahel " * 250)
    page = article_list_page(
        french.LATEST_PAGE_HEADER,
        [article],
        catalog(),
        offset=0,
        total=1,
        make=lambda new: callbacks.Page(callbacks.ALL, new),
        header_values={},
    )
    digest = compose_digest(
        date(2025, 6, 23), [TopicArticles("mali", [article])], catalog(), max_per_topic=5
    )
    assert_sendable([*article_messages(article, catalog()), *digest.messages, page.html])
    assert page.shown == 1


# --- splitting ----------------------------------------------------------------------------


@PROFILE
@given(text=st.one_of(any_text, long_text, glued_text), limit=st.integers(2, 300))
@example(text="😀" * 2_100, limit=MESSAGE_LIMIT)
@example(text="a" * 4_000 + " b" * 100, limit=MESSAGE_LIMIT - 200)
@example(text="😀a" * 50, limit=3)
def test_chunk_plain_text_fits_and_loses_nothing(text: str, limit: int) -> None:
    pieces = chunk_plain_text(text, limit=limit)
    assert all(utf16_length(piece) <= limit for piece in pieces)
    assert squeeze("".join(pieces)) == squeeze(text)
    # Stored bodies are normalised; their pieces are never blank (a blank message is refused).
    # Raw text with runs of spaces can give blank pieces (« a  b » at limit 2).
    normalised = chunk_plain_text(normalize_text(text), limit=limit)
    assert all(piece.strip() for piece in normalised)


html_blocks = st.lists(
    st.tuples(any_text, st.integers(1, 40), st.sampled_from(("{}", "<b>{}</b>", "<i>{}</i>"))).map(
        lambda parts: parts[2].format(escape((parts[0] * parts[1])[:2000].strip()))
    ),
    max_size=12,
)


@PROFILE
@given(blocks=html_blocks)
def test_pack_blocks_keeps_blocks_whole_in_order_and_fits(blocks: list[str]) -> None:
    """Blocks as the project builds them, without whitespace around their text: pack_blocks
    measures each block stripped, so outer whitespace would be counted nowhere."""
    blocks = [block for block in blocks if telegram_text(block)]  # Telegram refuses empty ones
    messages = pack_blocks(blocks)
    assert_sendable(messages)
    assert "\n\n".join(messages) == "\n\n".join(blocks)
