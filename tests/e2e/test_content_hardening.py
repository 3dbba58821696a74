"""End to end, over real HTTP: the content side under hostile or odd input.

/recherche with whatever a reader can type, /ajouter with whatever an admin can send; each time
a clear French answer, and the database holds either a whole article or nothing.
"""

from __future__ import annotations

import sqlite3
import unicodedata
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from html import escape
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from content.models import ArticleDraft
from content.text import word_count
from fake_bot_api import FakeChat, LocalBotApi
from fake_bot_api.payloads import channel_origin
from tests.e2e.test_cli import write_config
from tests.support.factories import FakeClock
from tests.support.harness import ADMIN, READER, BotHarness, bot_config
from tests.support.processes import run_cli
from ui import french

ARMY_TITLE = "Le chef d'état-major de l'armée malienne à Bamako"
ARMY_BODY = (
    "Le chef d'état-major de l'armée malienne a reçu lundi à Bamako ses homologues du "
    "Burkina-Faso et du Niger. Assimi Goïta a salué « une œuvre commune ». Les discussions ont "
    "porté sur la sécurité des frontières."
)


def plain(text: str) -> str:
    """Bot text with French no-break spaces as plain ones, to compare with what tests type."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def store_rows(database: Path) -> list[tuple[object, ...]]:
    """Every article row, read straight from the file (not through the bot's cache)."""
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT id, title, summary FROM articles ORDER BY id").fetchall()


# --- /recherche -------------------------------------------------------------------------------


async def test_search_finds_words_behind_apostrophes_quotes_and_hyphens(bot: BotHarness) -> None:
    await bot.services.library.add(ArticleDraft(ARMY_TITLE, ARMY_BODY), added_by="test")
    for query in (
        "l'armée",
        "l’armée",
        '"Goïta"',
        unicodedata.normalize("NFD", "l’armée"),
        "Burkina-Faso",
        "Goïta,Bamako",
        "(armée)",
        "oeuvre",
        "œuvre",
    ):
        answer = await bot.send(READER, f"/recherche {query}")
        assert ARMY_TITLE in answer.text, query
        assert "au moins un" not in answer.text, query  # found with every word, not broadened
    # FTS5 column syntax is two words for us; the article has one of them.
    assert ARMY_TITLE in (await bot.send(READER, "/recherche title:armée")).text
    plain = await bot.send(READER, "l’armée")  # plain text in a private chat is a search too
    assert ARMY_TITLE in plain.text


async def test_search_with_every_kind_of_junk_answers_in_french(bot: BotHarness) -> None:
    for query in (
        "'",
        "’",
        "le la les",
        "a" * 4000,
        "🙂🇲🇱",
        "NEAR(",
        "\x00Goïta",
        "^title:*",
        "- + AND OR NOT",
    ):
        answer = await bot.send(READER, f"/recherche {query}")
        assert answer.messages, repr(query)
        assert "erreur" not in answer.text.lower(), repr(query)
    refused = [r for r in bot.api.requests("sendMessage") if r.status != 200]
    assert refused == []


def test_cli_search_finds_words_behind_typographic_apostrophes(tmp_path: Path) -> None:
    write_config(tmp_path)
    for query in ("l’Alliance", "d’État", unicodedata.normalize("NFD", "Goïta"), '"Goïta"'):
        found = run_cli("articles", "--search", query, "--config", "config.toml", cwd=tmp_path)
        assert found.returncode == 0, found.stderr
        assert "Assimi Goïta" in found.stdout, query


# --- summaries are never empty ------------------------------------------------------------------

SCHOOL_LIST = (
    "Réforme de l'école malienne : ce qui change\n"
    "- Reprise des cours le 2 octobre dans les écoles de Bamako\n"
    "- Nouveaux manuels en langues nationales\n"
    "- Recrutement de 5 000 enseignants contractuels au Mali"
)
ENDLESS_SENTENCE = "Le sommet de Niamey en une phrase\n" + " ".join(
    f"les délégués du Mali et du Niger ont évoqué la question numéro {n}, sans conclure"
    for n in range(1, 25)
)


async def test_added_articles_without_sentences_get_a_summary_in_the_reply_store_and_digest(
    bot: BotHarness,
) -> None:
    await bot.send(READER, "/abonner tout")
    answer = plain((await bot.send(ADMIN, f"/ajouter {SCHOOL_LIST}")).text)
    assert "Article n° 2 enregistré" in answer
    assert "Reprise des cours le 2 octobre" in answer.split("Résumé", 1)[1]
    endless = plain((await bot.send(ADMIN, f"/ajouter {ENDLESS_SENTENCE}")).text)
    assert "Article n° 3 enregistré" in endless
    rows = store_rows(bot.config.database.path)
    summaries = {row[0]: str(row[2]) for row in rows}
    assert summaries[2].startswith("Reprise des cours le 2 octobre")
    assert summaries[3].startswith("les délégués du Mali") and summaries[3].endswith("…")
    assert 0 < word_count(summaries[3]) <= 60
    digest = await bot.send(READER, "/digest")
    for article_id in (2, 3):
        card = digest.text.split(f"/article {article_id}")[0].rsplit("\n\n", 1)[-1]
        lines = [line for line in card.split("\n") if line.strip()]
        assert len(lines) >= 3, card  # title, byline, summary
        assert summaries[article_id][:40] in card


# --- /ajouter: every odd input gets a French answer, and the store holds all or nothing ---------

NEWS_PAGE = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<title>Bamako accueille le sommet de l'AES | Le Journal du Sahel</title>
<meta property="og:site_name" content="Le Journal du Sahel"></head>
<body><article><h1>Bamako accueille le sommet de l'AES</h1>
<p>Les chefs d'État de l'Alliance des États du Sahel se retrouvent à Bamako ce week-end pour
leur deuxième sommet ordinaire. Le Mali, le Burkina Faso et le Niger doivent y adopter le
passeport commun et la force unifiée.</p>
<p>Selon la présidence malienne, les discussions porteront aussi sur la banque d'investissement
de l'AES et sur les relations avec la Cedeao, que les trois pays ont quittée en janvier.</p>
<p>{extra}</p></article></body></html>"""
PASTED = (
    "Niamey et Ouagadougou relancent la route du Sahel\n"
    "Les ministres du Niger et du Burkina Faso ont inauguré mardi à Niamey un corridor routier. "
    "Le projet, soutenu par l'Alliance des États du Sahel, doit relier les deux capitales. "
    "Les transporteurs nigériens saluent une décision attendue depuis des années."
)
MEGABYTE = 1_000_000


@dataclass
class Newsroom:
    """A local news site: what it was asked for and how much of its big page it sent."""

    base: str
    hits: list[str] = field(default_factory=list)
    big_bytes_sent: int = 0
    visits: int = 0


@pytest.fixture
async def newsroom() -> AsyncIterator[Newsroom]:
    site = Newsroom("")

    async def handle(request: web.Request) -> web.StreamResponse:
        site.hits.append(request.path_qs)
        if request.path == "/sommet":
            return web.Response(text=NEWS_PAGE.format(extra=""), content_type="text/html")
        if request.path == "/direct":  # a live page: its « read N times » line changes each time
            site.visits += 1
            extra = f"Article lu {site.visits} fois depuis sa publication."
            return web.Response(text=NEWS_PAGE.format(extra=extra), content_type="text/html")
        if request.path == "/redirect":
            raise web.HTTPFound(request.query["to"])
        if request.path == "/lien":
            return web.Response(text=f"{site.base}/sommet", content_type="text/plain")
        if request.path.startswith("/enorme"):
            response = web.StreamResponse(headers={"Content-Type": "text/html"})
            if request.path == "/enorme-annonce":
                response.content_length = 50 * MEGABYTE
            await response.prepare(request)
            chunk = b"<p>" + b"y" * 65_000 + b"</p>"
            try:
                while site.big_bytes_sent < 50 * MEGABYTE:
                    await response.write(chunk)
                    site.big_bytes_sent += len(chunk)
            except (ConnectionResetError, ConnectionError):
                pass
            return response
        return web.Response(text="secret", content_type="text/plain")

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handle)
    async with TestServer(app, host="127.0.0.1") as server:
        site.base = f"http://127.0.0.1:{server.port}"
        yield site


def assert_store_whole(database: Path, articles: int) -> None:
    """``articles`` articles, each with its index entry; no topic row without its article."""
    with sqlite3.connect(database) as connection:
        count = connection.execute("SELECT count(*) FROM articles").fetchone()[0]
        indexed = connection.execute("SELECT count(*) FROM articles_fts_docsize").fetchone()[0]
        orphans = connection.execute(
            "SELECT count(*) FROM article_topics WHERE article_id NOT IN (SELECT id FROM articles)"
        ).fetchone()[0]
        empty = connection.execute(
            "SELECT count(*) FROM articles WHERE trim(summary) = '' OR trim(body) = ''"
        ).fetchone()[0]
    assert (count, indexed, orphans, empty) == (articles, articles, 0, 0)


async def test_add_refuses_empty_inputs_with_a_french_answer(bot: BotHarness) -> None:
    for text in (
        "/ajouter",
        "/ajouter    \n\n  ",
        "/ajouter #aes #mali",
        "/ajouter résumé : Un résumé sans article.",
    ):
        assert (await bot.send(ADMIN, text)).texts == [escape(french.ADD_USAGE)], text
    for text in ("/ajouter Un titre seul", "/ajouter Un titre\n\n---\n***\n   "):
        assert (await bot.send(ADMIN, text)).texts == [french.REJECTED["NO_BODY"]], text
    for content in (b"", b"  \n\n \t"):
        empty = await bot.send_document(ADMIN, "vide.txt", content, caption="/ajouter")
        assert empty.texts == [french.REJECTED["EMPTY"]]
    assert_store_whole(bot.config.database.path, 1)


async def test_add_refuses_documents_that_are_not_text_before_or_after_download(
    bot: BotHarness,
) -> None:
    pdf = b"%PDF-1.4\n" + b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" * 300
    pdf += b"stream\n" + zlib.compress(PASTED.encode() * 40) + bytes(range(256))  # past 8 kB
    for name, content in (("rapport.pdf", pdf), ("note.docx", b"PK\x03\x04" + b"\x00" * 500)):
        answer = await bot.send_document(ADMIN, name, content, caption="/ajouter")
        assert answer.texts == [french.REJECTED["UNSUPPORTED_FILE"]], name
    assert not bot.api.requests("getFile")  # refused from its name, never downloaded
    text_then_binary = PASTED.encode() * 30 + b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50
    for name, content in (("photo.txt", text_then_binary), ("article.txt", pdf)):
        answer = await bot.send_document(ADMIN, name, content, caption="/ajouter")
        assert answer.texts == [french.REJECTED["BINARY"]], name
    broken = "Titre\nLe président a été reçu à Ségou, où l'été est chaud.".encode()[:-9] + b"\xff"
    answer = await bot.send_document(ADMIN, "casse.txt", broken * 3, caption="/ajouter")
    assert answer.texts == [french.REJECTED["BAD_ENCODING"]]
    downloads = len(bot.api.requests("getFile"))
    huge = await bot.send_document(ADMIN, "enorme.txt", b"Mali. " * 2_000_000, caption="/ajouter")
    assert huge.texts == [french.REJECTED["TOO_LARGE"]]
    assert len(bot.api.requests("getFile")) == downloads  # refused from its size
    assert_store_whole(bot.config.database.path, 1)
    unnamed = await bot.send_document(ADMIN, "article", PASTED.encode(), caption="/ajouter")
    assert "enregistré" in unnamed.text
    assert_store_whole(bot.config.database.path, 2)


async def test_add_by_replying_to_a_link_fetches_it(bot: BotHarness, newsroom: Newsroom) -> None:
    link = bot.api.push_message(ADMIN, f"{newsroom.base}/sommet")
    await bot.api.wait_for_requests("sendMessage", 1)  # the plain-text search answer
    answer = plain((await bot.send(ADMIN, "/ajouter", reply_to=link)).text)
    assert "Article n° 2 enregistré" in answer
    assert "Bamako accueille le sommet de l'AES" in answer
    stored = await bot.services.library.get(2)
    assert stored is not None and stored.url == f"{newsroom.base}/sommet"
    assert_store_whole(bot.config.database.path, 2)


async def test_add_by_replying_to_the_bots_own_message_is_refused(bot: BotHarness) -> None:
    own = (await bot.send(ADMIN, "/mali")).last
    answer = await bot.send(ADMIN, "/ajouter", reply_to=own.message_id)
    assert answer.texts == [french.ADD_REPLY_TO_BOT]
    assert_store_whole(bot.config.database.path, 1)


async def test_forwarded_channel_post_gets_a_hint_then_is_added_with_its_origin(
    bot: BotHarness,
) -> None:
    channel = FakeChat(-1001234567890, "channel", title="Le Journal du Sahel", username="journal")
    origin = channel_origin(channel, 77, 1_750_000_000)
    forwarded = await bot.send(ADMIN, PASTED, forward_origin=origin)
    assert forwarded.texts == [french.FORWARDED_HINT_ADMIN]  # not a search for the whole text
    post = forwarded.messages[0].message_id - 1
    answer = plain((await bot.send(ADMIN, "/ajouter", reply_to=post)).text)
    assert "Article n° 2 enregistré" in answer
    stored = await bot.services.library.get(2)
    assert stored is not None
    assert (stored.source, stored.url) == ("Le Journal du Sahel", "https://t.me/journal/77")
    from_reader = await bot.send(READER, PASTED, forward_origin=origin)
    assert from_reader.texts == [french.FORWARDED_HINT]
    again = await bot.send(ADMIN, PASTED, forward_origin=origin)
    duplicate = await bot.send(ADMIN, "/ajouter", reply_to=again.messages[0].message_id - 1)
    assert "déjà enregistré (n° 2" in plain(duplicate.text)
    assert_store_whole(bot.config.database.path, 2)


async def test_duplicates_by_url_with_tracking_or_fragment_and_by_reworded_spacing(
    bot: BotHarness, newsroom: Newsroom
) -> None:
    first = plain((await bot.send(ADMIN, f"/ajouter {newsroom.base}/direct")).text)
    assert "Article n° 2 enregistré" in first
    for variant in (
        f"{newsroom.base}/direct#commentaires",
        f"{newsroom.base}/direct?utm_source=telegram&utm_medium=social",
        f"{newsroom.base}/direct?fbclid=IwAR0abc&xtor=RSS-1#top",
    ):
        answer = plain((await bot.send(ADMIN, f"/ajouter {variant}")).text)
        assert "déjà enregistré (n° 2" in answer, variant
    pasted = plain((await bot.send(ADMIN, f"/ajouter {PASTED}")).text)
    assert "Article n° 3 enregistré" in pasted
    respaced = PASTED.upper().replace(" ", "   ").replace(". ", ".\n\n")
    again = plain((await bot.send(ADMIN, f"/ajouter {respaced}")).text)
    assert "déjà enregistré (n° 3" in again
    assert_store_whole(bot.config.database.path, 3)


async def test_add_never_follows_a_redirect_inside_the_network(
    api: LocalBotApi, tmp_path: Path, clock: FakeClock, newsroom: Newsroom
) -> None:
    port = newsroom.base.rsplit(":", 1)[1]
    config = bot_config(api, tmp_path / "redirects.db")
    content = replace(config.content, allow_private_hosts=False, fetch_trusted_hosts=("localhost",))
    bot = BotHarness(api, replace(config, content=content), clock)
    await bot.start()
    try:
        trusted = f"http://localhost:{port}"
        assert "enregistré" in (await bot.send(ADMIN, f"/ajouter {trusted}/sommet")).text
        for target in (
            f"http://127.0.0.1:{port}/secret",
            "http://10.0.0.1/secret",
            "http://169.254.169.254/latest/meta-data/",
            f"http://[::1]:{port}/secret",
            f"http://intranet.localhost:{port}/secret",
            f"http://0x7f000001:{port}/secret",
        ):
            answer = await bot.send(ADMIN, f"/ajouter {trusted}/redirect?to={target}")
            assert answer.texts == [french.REJECTED["FORBIDDEN_HOST"]], target
        assert not [hit for hit in newsroom.hits if hit.startswith("/secret")]
        assert_store_whole(bot.config.database.path, 2)
    finally:
        await bot.stop()


async def test_a_fifty_megabyte_page_is_refused_without_being_read(
    bot: BotHarness, newsroom: Newsroom
) -> None:
    for path in ("/enorme", "/enorme-annonce"):
        newsroom.big_bytes_sent = 0
        answer = await bot.send(ADMIN, f"/ajouter {newsroom.base}{path}")
        assert answer.texts == [french.REJECTED["TOO_LARGE"]], path
        # The fetcher stopped reading at its 2 MB limit: what was sent beyond it sat in socket
        # buffers at most.
        assert newsroom.big_bytes_sent < 20 * MEGABYTE, (path, newsroom.big_bytes_sent)
    assert_store_whole(bot.config.database.path, 1)
