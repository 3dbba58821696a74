"""End to end, over real HTTP: the content side under hostile or odd input.

/recherche with whatever a reader can type, /ajouter with whatever an admin can send; each time
a clear French answer, and the database holds either a whole article or nothing.
"""

from __future__ import annotations

import sqlite3
import unicodedata
from pathlib import Path

from content.models import ArticleDraft
from content.text import word_count
from tests.e2e.test_cli import run_cli, write_config
from tests.support.harness import ADMIN, READER, BotHarness

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
