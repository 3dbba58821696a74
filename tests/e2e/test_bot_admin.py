"""End to end, over real HTTP: what admins can do, and that nobody else can."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot import callbacks
from tests.support.factories import readers, seed_subscribers
from tests.support.harness import ADMIN, OTHER_READER, READER, BotHarness

pytestmark = pytest.mark.both_backends

ARTICLE = (
    "Niamey et Ouagadougou relancent la route du Sahel\n"
    "Les ministres du Niger et du Burkina Faso ont inauguré mardi à Niamey un corridor routier. "
    "Le projet, soutenu par l'Alliance des États du Sahel, doit relier les deux capitales. "
    "Les transporteurs nigériens saluent une décision attendue depuis des années. "
    "Le Mali devrait rejoindre le corridor l'an prochain, selon le communiqué final."
)
PAGE = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<title>Bamako accueille le sommet de l'AES | Le Journal du Sahel</title>
<meta property="og:site_name" content="Le Journal du Sahel">
<meta property="article:published_time" content="2025-06-20T10:00:00+00:00"></head>
<body><nav>Accueil | Politique | Sport</nav><article>
<h1>Bamako accueille le sommet de l'AES</h1>
<p>Les chefs d'État de l'Alliance des États du Sahel se retrouvent à Bamako ce week-end pour
leur deuxième sommet ordinaire. Le Mali, le Burkina Faso et le Niger doivent y adopter le
passeport commun et la force unifiée.</p>
<p>Selon la présidence malienne, les discussions porteront aussi sur la banque d'investissement
de l'AES et sur les relations avec la Cedeao, que les trois pays ont quittée en janvier.</p>
<p>Le sommet s'ouvre samedi matin au Centre international de conférences de Bamako.</p>
</article><section class="comments"><p>Commentaire : bravo !</p></section>
<footer>© Le Journal du Sahel</footer></body></html>"""


@pytest.fixture
async def news_site() -> AsyncIterator[str]:
    async def article(request: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html")

    app = web.Application()
    app.router.add_get("/sommet", article)
    async with TestServer(app, host="127.0.0.1") as server:
        yield str(server.make_url("/sommet"))


async def test_add_text_article_answers_id_topics_and_summary(bot: BotHarness) -> None:
    answer = await bot.send(ADMIN, f"/ajouter {ARTICLE}")
    assert "Article n° 2 enregistré" in answer.text
    assert "Niamey et Ouagadougou relancent la route du Sahel" in answer.text
    assert "Niger" in answer.text and "Burkina" in answer.text
    assert "Résumé\u202f:" in answer.text
    stored = await bot.services.library.get(2)
    assert stored is not None and stored.added_by == f"telegram:{ADMIN.id}"
    assert {"niger", "burkina"} <= set(stored.topic_keys)
    again = await bot.send(ADMIN, f"/ajouter {ARTICLE}")
    assert "déjà enregistré (n° 2" in again.text
    assert await bot.services.library.count() == 2


async def test_add_with_topic_and_summary_overrides(bot: BotHarness) -> None:
    text = f"#aes #russie\n{ARTICLE}\nrésumé : Un corridor routier relie Niamey et Ouaga."
    answer = await bot.send(ADMIN, f"/ajouter {text}")
    assert "Un corridor routier relie Niamey et Ouaga." in answer.text
    stored = await bot.services.library.get(2)
    assert stored is not None
    assert stored.topic_keys == ("aes", "russie")
    assert stored.summary == "Un corridor routier relie Niamey et Ouaga."
    unknown = await bot.send(ADMIN, "/ajouter #licorne\nTitre\nUn texte.")
    assert "Sujets inconnus\u202f: #licorne" in unknown.text
    assert await bot.services.library.count() == 2


async def test_add_by_replying_to_a_message(bot: BotHarness) -> None:
    original = bot.api.push_message(ADMIN, ARTICLE)
    await bot.api.wait_for_requests("sendMessage", 1)  # the plain-text search answer
    answer = await bot.send(ADMIN, "/ajouter", reply_to=original)
    assert "Article n° 2 enregistré" in answer.text


async def test_add_from_url_fetches_and_extracts(bot: BotHarness, news_site: str) -> None:
    answer = await bot.send(ADMIN, f"/ajouter {news_site}")
    assert "Article n° 2 enregistré" in answer.text
    assert "Bamako accueille le sommet de l'AES" in answer.text
    actions = bot.api.requests("sendChatAction")
    assert actions and actions[-1].params["action"] == "typing"
    stored = await bot.services.library.get(2)
    assert stored is not None
    assert stored.source == "Le Journal du Sahel"
    assert stored.url == news_site
    assert "bravo" not in stored.body and "Accueil | Politique" not in stored.body


async def test_add_from_refused_urls(bot: BotHarness) -> None:
    assert "http:// et https://" in (await bot.send(ADMIN, "/ajouter ftp://example.org/a")).text
    down = await bot.send(ADMIN, "/ajouter http://127.0.0.1:9/nothing-listens-here")
    assert "Je n’ai pas pu récupérer la page" in down.text
    assert await bot.services.library.count() == 1


async def test_add_text_and_markdown_documents(bot: BotHarness) -> None:
    answer = await bot.send_document(ADMIN, "article.txt", ARTICLE.encode(), caption="/ajouter")
    assert "Article n° 2 enregistré" in answer.text
    markdown = "# Le Mali et la Russie\n\n**Bamako** et Moscou signent un accord. " * 3
    md_answer = await bot.send_document(ADMIN, "note.md", markdown.encode(), caption="/ajouter")
    assert "Article n° 3 enregistré" in md_answer.text
    picture = await bot.send_document(
        ADMIN, "photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", caption="/ajouter"
    )
    assert "n’est pas du texte" in picture.text or "fichiers .txt et .md" in picture.text
    assert await bot.services.library.count() == 3


async def test_add_bad_input(bot: BotHarness) -> None:
    assert "Envoyez l’article après la commande" in (await bot.send(ADMIN, "/ajouter")).text
    assert "Envoyez l’article" in (await bot.send(ADMIN, "/ajouter    ")).text
    title_only = await bot.send(ADMIN, "/ajouter Un titre seul")
    assert "qu’un titre" in title_only.text
    big = "Le Mali et le Niger signent un accord à Bamako. " * 2100  # ~ 100 kB
    accepted = await bot.send(ADMIN, f"/ajouter Un très long article\n{big}")
    assert "Article n° 2 enregistré" in accepted.text
    huge = "Bamako. " * 30_000  # ~ 240 kB
    refused = await bot.send(ADMIN, f"/ajouter Trop long\n{huge}")
    assert "trop long" in refused.text
    assert await bot.services.library.count() == 2
    for message in bot.api.sent_messages(ADMIN.id):
        assert len(message.text) <= 4096


async def test_non_admins_are_refused_and_nothing_changes(bot: BotHarness) -> None:
    for command in (f"/ajouter {ARTICLE}", "/supprimer 1", "/stats", "/diffuser Bonjour"):
        answer = await bot.send(READER, command)
        assert "réservée aux administrateurs" in answer.text, command
    assert await bot.services.library.count() == 1
    assert await bot.services.library.get(1) is not None
    document = await bot.send_document(READER, "a.txt", ARTICLE.encode(), caption="/ajouter")
    assert "réservée aux administrateurs" in document.text
    assert await bot.services.library.count() == 1


async def test_delete_with_confirmation_and_forged_buttons(bot: BotHarness) -> None:
    assert "/supprimer 12" in (await bot.send(ADMIN, "/supprimer")).text
    assert "n° 42" in (await bot.send(ADMIN, "/supprimer 42")).text
    question = await bot.send(ADMIN, "/supprimer 1")
    assert "Supprimer l’article n° 1" in question.text
    # A reader forging the confirmation payload on a message of their own changes nothing.
    reader_message = (await bot.send(READER, "/mali")).last
    forged = callbacks.encode(callbacks.ConfirmDelete(1))
    changes, answer = await bot.press(READER, reader_message, forged)
    assert answer == "Réservé aux administrateurs."
    assert changes.messages == []
    assert await bot.services.library.get(1) is not None
    cancelled, _ = await bot.press_label(ADMIN, question.last, "Annuler")
    assert "annulée" in cancelled.last.text
    assert await bot.services.library.get(1) is not None
    question = await bot.send(ADMIN, "/supprimer 1")
    deleted, _ = await bot.press_label(ADMIN, question.last, "Supprimer")
    assert "Article n° 1 supprimé" in deleted.last.text
    assert await bot.services.library.get(1) is None
    gone = await bot.send(READER, "/article 1")
    assert "Je ne trouve pas" in gone.text


async def test_stats_counts(bot: BotHarness) -> None:
    await bot.send(READER, "/abonner tout")
    await bot.send(OTHER_READER, "/abonner mali")
    await bot.member_update(OTHER_READER, "kicked")
    stats = await bot.send(ADMIN, "/stats")
    assert "Abonnés actifs\u202f: 1" in stats.text
    assert "Abonnés inactifs (bot bloqué, chat disparu)\u202f: 1" in stats.text
    assert "Articles\u202f: 1" in stats.text
    assert "Revues envoyées aujourd’hui (UTC)\u202f: 0" in stats.text


async def test_stats_group_the_digits_of_large_counts(bot: BotHarness) -> None:
    """« 1200 » read as a year; French groups digits with U+202F: « 1 200 »."""
    await seed_subscribers(bot.config.database, readers(range(10_000, 11_200)))
    stats = await bot.send(ADMIN, "/stats")
    assert "Abonnés actifs\u202f: 1\u202f200" in stats.text
    assert "Chats connus\u202f: 1\u202f200" in stats.text


async def test_broadcast_reaches_active_subscribers_once(bot: BotHarness) -> None:
    await bot.send(READER, "/abonner tout")
    await bot.send(OTHER_READER, "/abonner mali")
    assert "Écrivez le message" in (await bot.send(ADMIN, "/diffuser")).text
    queued = await bot.send(ADMIN, "/diffuser Bonjour à tous & <bienvenue> !")
    assert "mis en file pour 2 abonnés" in queued.text
    await bot.api.wait_for(
        lambda server: "Diffusion terminée" in server.last_message(ADMIN.id).text,
        what="the end-of-broadcast report",
    )
    for user in (READER, OTHER_READER):
        received = [
            m for m in bot.api.sent_messages(user.id) if "Message de la rédaction" in m.text
        ]
        assert len(received) == 1
        assert "Bonjour à tous & <bienvenue> !" in received[0].text
    assert "Envoyés\u202f: 2" in bot.api.last_message(ADMIN.id).text
