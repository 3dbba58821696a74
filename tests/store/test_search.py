"""Search on both backends, from whatever a reader types to the index and back: SQLite's FTS5
table, PostgreSQL's ``tsvector`` of folded words.

Readers paste headlines with typographic apostrophes, quote names, type FTS5 or tsquery
operators without knowing it, or send emoji and control characters: every input must run
without an error and give the result a reader expects (« l'armée » finds an article containing
« l'armée »), the same on both backends.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import AsyncIterator

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from content.ingestion import draft_from_text
from content.library import Library
from content.models import ArticleDraft, PreparedArticle
from content.pipeline import ArticlePipeline, fingerprint
from content.search import search_terms
from content.topics import TopicCatalog, load_topics
from core.clock import utc_now
from storage.backends import open_stores
from storage.postgres.database import PostgresDatabase
from storage.postgres.search import rebuild_search_index, tsquery_text
from storage.settings import DatabaseSettings
from storage.sqlite.articles import fts_query
from storage.stores import Stores
from tests.support.postgres import PostgresServer

ARMY = (
    "Le chef d'état-major de l'armée malienne à Bamako\n"
    "Le chef d'état-major de l'armée malienne a reçu lundi à Bamako ses homologues du Burkina-Faso "
    "et du Niger. Assimi Goïta a salué « une œuvre commune » au cœur de l'Alliance des États du "
    "Sahel. Les discussions ont porté sur la sécurité des frontières."
)
UNRELATED = (
    "Le prix du coton en hausse\n"
    "Les producteurs de coton de Sikasso se réjouissent d'une campagne record. Les cours mondiaux "
    "ont progressé de dix pour cent depuis janvier."
)
NASTY_PIECES = (
    '"',
    "'",
    "’",
    "‘",
    "`",
    "*",
    "-",
    "+",
    "^",
    ":",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ";",
    ".",
    "AND",
    "OR",
    "NOT",
    "NEAR",
    "NEAR(",
    "title:",
    "body:",
    "summary:",
    "{title body}:",
    "-title:",
    "\x00",
    "\x01",
    "\u200b",
    "\ufeff",
    "\u0301",
    "\u0308",
    "🙂",
    "🇲🇱",
    "👍🏿",
    "\U0001f600",
    "«",
    "»",
    "“",
    "”",
    "…",
    "—",
    "&",
    "<",
    ">",
    "%",
    "_",
    "__",
    "\\",
    "/",
    "|",
    "\t",
    "\n",
    " ",
    "le",
    "la",
    "les",
    "de",
    "l",
    "d",
    "qu",
)
"""Pieces of queries: FTS5 syntax, quotes, controls, combining marks, emoji and stop words."""


@pytest.fixture(scope="module")
def catalog() -> TopicCatalog:
    return load_topics()


@pytest.fixture
async def library(stores: Stores, catalog: TopicCatalog) -> AsyncIterator[Library]:
    library = Library(stores.articles, ArticlePipeline(catalog), utc_now)
    await library.add(draft_from_text(ARMY), added_by="test")
    await library.add(draft_from_text(UNRELATED), added_by="test")
    yield library


async def titles(library: Library, query: str) -> list[str]:
    result = await library.search(query, limit=5)
    return [article.title for article in result.articles]


ARMY_TITLE = "Le chef d'état-major de l'armée malienne à Bamako"


@pytest.mark.parametrize(
    "query",
    [
        "l'armée",
        "l’armée",
        "L’ARMÉE",
        "d'état-major",
        '"Goïta"',
        "«Goïta»",
        unicodedata.normalize("NFD", "Goïta"),  # macOS keyboards send decomposed accents
        unicodedata.normalize("NFD", "l’armée malienne"),
        "Burkina-Faso",
        "(Goïta)",
        "Goïta^",
        "title:armée",
        "-armée",
        "armée*",
        "Goïta AND Bamako",
        "NEAR(Goïta Bamako)",
        "Goïta,Bamako",
        "arm\x00ée malienne",
        "œuvre",
        "oeuvre",
        "coeur",
        # A ligature's two spellings are a group: FTS5 refused a group followed by a bare
        # phrase (« (AES) * "Mali » broke the benchmark's search).
        "coeur armée",
        "oeuvre malienne",
        "Goïta 🙂",
    ],
)
async def test_reader_queries_find_the_article(library: Library, query: str) -> None:
    assert await titles(library, query) == [ARMY_TITLE], repr(query)


@pytest.mark.parametrize(
    "query",
    [
        "'", "’", '"', "*", "-", "^", "()", "title:", "NEAR", "AND OR NOT", "🙂🙂", "\x00",
        "le la les de", "l' d' qu'", '(AES) * "Mali', "aes mali",
        "a" * 4000, "Goïta " * 800, "x" * 10_000,
    ],
)  # fmt: skip
async def test_queries_without_a_useful_word_run_and_find_nothing_odd(
    library: Library, query: str
) -> None:
    result = await library.search(query, limit=5)
    if not result.terms:
        assert result.articles == []
    else:
        assert all(article.title in (ARMY_TITLE,) for article in result.articles), repr(query)


def test_search_terms_are_folded_words_only() -> None:
    assert search_terms("L’Armée « GOÏTA » title:x NEAR(") == ["armee", "goita", "title", "near"]
    assert search_terms(unicodedata.normalize("NFD", "Goïta")) == ["goita"]
    assert search_terms("le la les") == []
    assert len(search_terms(" ".join(f"mot{i}" for i in range(100)))) == 12


def test_fts_query_quotes_whatever_it_is_given() -> None:
    # Terms normally come from search_terms, but the store must not trust its callers.
    query = fts_query(['a"b', "goita"])
    assert query.count('"') % 2 == 0
    assert '"a""b"' in query


def test_tsquery_holds_quoted_words_and_its_own_operators_only() -> None:
    # Terms normally come from search_terms, but the store must not trust its callers: each is
    # cut again into folded words (no quote, backslash or operator is one), then quoted.
    query = tsquery_text(["a'b", "Goïta", "x\\y", "mali"])
    assert query == "'a b' & 'goita':* & 'x y' & 'mali':*"
    assert tsquery_text(["&|!", "aes"], any_term=True) == "'aes'"
    assert tsquery_text(["&|!", "aes"]) is None  # a term without a word matches nothing
    assert tsquery_text(["a" * 3000, "aes"]) is None  # longer than PostgreSQL indexes
    assert tsquery_text([]) is None
    outside = re.sub(r"'[^']*'", "", tsquery_text(["a'b", "c(d", "efgh"], any_term=True) or "")
    assert set(outside) <= set(" |:*"), outside


async def test_terms_no_reader_can_type_run_on_the_store(stores: Stores) -> None:
    """The store's own guard, below ``search_terms``: raw syntax as terms runs, finds nothing
    odd, and a quoted word still finds its article."""
    library = Library(stores.articles, ArticlePipeline(load_topics()), utc_now)
    await library.add(draft_from_text(ARMY), added_by="test")
    for terms in (["'"], ['"'], ["\\"], ["&|!<->():*"], ["a'b"], ["x" * 3000], ["title:x"]):
        assert await stores.articles.search(terms, limit=5) == [], terms
        assert await stores.articles.search(terms, limit=5, any_term=True) == [], terms
    found = await stores.articles.search(["'goïta'", "(bamako)"], limit=5)
    assert [article.title for article in found] == [ARMY_TITLE]


async def test_the_title_ranks_above_the_summary_and_the_body(stores: Stores) -> None:
    library = Library(stores.articles, ArticlePipeline(load_topics()), utc_now)
    texts = (
        "Le marché de Sikasso\nLes commerçants parlent d'uranium et de coton toute la journée.",
        "L'uranium du Niger\nNiamey relance la production de la mine d'Arlit cette année.",
    )
    for text in texts:
        await library.add(draft_from_text(text), added_by="test")
    found = await stores.articles.search(["uranium"], limit=5)
    assert [article.title for article in found] == ["L'uranium du Niger", "Le marché de Sikasso"]


def nasty_query(rng: random.Random) -> str:
    pieces = [rng.choice(NASTY_PIECES) for _ in range(rng.randint(1, 12))]
    if rng.random() < 0.5:
        pieces.insert(rng.randrange(len(pieces) + 1), rng.choice(["Goïta", "armée", "coton"]))
    if rng.random() < 0.3:
        pieces.append(chr(rng.randint(0x20, 0x2FFFF)))
    return "".join(pieces) if rng.random() < 0.5 else " ".join(pieces)


async def test_hundreds_of_nasty_queries_never_fail(library: Library) -> None:
    rng = random.Random(11)
    for _ in range(400):
        query = nasty_query(rng)
        result = await library.search(query, limit=5)
        assert len(result.articles) <= 5, repr(query)
        broad = await library.search(query, limit=5, broadened=True)
        assert len(broad.articles) <= 5, repr(query)
    assert await library.count() == 2


async def test_a_body_larger_than_any_article_is_stored_and_found(stores: Stores) -> None:
    """PostgreSQL refuses a ``tsvector`` over 1 MB: the store indexes the start of the body."""
    body = " ".join(f"mot{n}" for n in range(150_000)) + "."  # 1.1 million characters
    huge = PreparedArticle(
        draft=ArticleDraft(title="Un texte démesuré", body=body, source=None),
        summary="Un texte démesuré.",
        topics=(),
        fingerprint=fingerprint("Un texte démesuré", body),
    )
    await stores.articles.add(huge, added_at=utc_now(), added_by="test")
    found = await stores.articles.search(["mot12345"], limit=5)
    assert [article.title for article in found] == ["Un texte démesuré"]


async def test_articles_copied_in_without_a_document_are_indexed_again(
    postgres_server: PostgresServer,
) -> None:
    """``db migrate-to`` copies the articles' rows, not PostgreSQL's derived search documents:
    ``rebuild_search_index`` writes the missing ones, and the copied articles are found."""
    url = await postgres_server.new_database()
    stores = await open_stores(DatabaseSettings(url=url, pool_size=2), utc_now)
    try:
        library = Library(stores.articles, ArticlePipeline(load_topics()), utc_now)
        await library.add(draft_from_text(UNRELATED), added_by="test")
        copied = await asyncpg.connect(url)
        try:
            await copied.execute(
                "INSERT INTO articles (id, title, body, summary, fingerprint, added_at, added_by) "
                "VALUES (7, $1, $2, $3, 'fp7', '2025-06-23T08:00:00+00:00', 'migrate')",
                ARMY_TITLE,
                ARMY,
                "L'armée malienne reçoit ses homologues.",
            )
        finally:
            await copied.close()
        assert await titles(library, "Goïta") == []
        database = await PostgresDatabase.open(url, pool_size=1)
        try:
            assert await rebuild_search_index(database) == 1
            assert await rebuild_search_index(database) == 0
            assert await rebuild_search_index(database, everything=True) == 2
        finally:
            await database.close()
        assert await titles(library, "Goïta") == [ARMY_TITLE]
        assert await titles(library, "coton") == ["Le prix du coton en hausse"]
    finally:
        await stores.close()


SEPARATORS = st.lists(
    st.sampled_from([p for p in NASTY_PIECES if not any(c.isalnum() for c in p)])
    | st.characters(exclude_categories=("L", "N")),
    max_size=8,
).map("".join)
"""Anything but letters and digits: syntax, quotes, controls, marks, emoji, separators."""


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    before=SEPARATORS,
    after=SEPARATORS,
    word=st.sampled_from(["Goïta", "l’armée", "BAMAKO", "oeuvre", "cœur"]).flatmap(
        lambda word: st.sampled_from([word, unicodedata.normalize("NFD", word)])
    ),
)
async def test_a_word_wrapped_in_any_syntax_still_finds_its_article(
    library: Library, before: str, after: str, word: str
) -> None:
    """Property: whatever non-letters surround a word of the article, the article is found.
    Every example searches the one database of the test: searches change nothing in it."""
    query = f"{before} {word} {after}"
    assert await titles(library, query) == [ARMY_TITLE], repr(query)
