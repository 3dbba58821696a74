"""End to end, over real HTTP: what a reader can do (start, help, topics, lists, search)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from content.models import ArticleDraft
from fake_bot_api import FakeUser, LocalBotApi, parse_telegram_html
from tests.support.factories import FakeClock
from tests.support.harness import READER, BotHarness, bot_config

pytestmark = pytest.mark.both_backends

SEED_TITLE = "Assimi Goïta est en visite officielle en Russie"


async def add_article(bot: BotHarness, title: str, body: str, **fields: object) -> int:
    added = await bot.services.library.add(
        ArticleDraft(title=title, body=body, **fields),  # type: ignore[arg-type]
        added_by="test",
    )
    return added.article.id


def assert_html_ok(bot: BotHarness) -> None:
    """Every message the bot sent was accepted by the server's Telegram HTML parser."""
    refused = [r for r in bot.api.requests("sendMessage") if r.status != 200]
    assert refused == [], refused


async def test_start_welcomes_in_french_with_buttons(bot: BotHarness) -> None:
    answer = await bot.send(READER, "/start")
    assert "Bonjour Moussa" in answer.text
    assert "Sahel Digest" in answer.text
    labels = [label for label, _data in answer.last.buttons()]
    assert any("Tout recevoir" in label for label in labels)
    assert any("Choisir mes sujets" in label for label in labels)
    assert answer.last.parse_mode == "HTML"


async def test_help_lists_every_command_and_hides_admin_ones(bot: BotHarness) -> None:
    text = (await bot.send(READER, "/aide")).text
    for command in (
        "/aes",
        "/russie",
        "/mali",
        "/burkina",
        "/niger",
        "/sujets",
        "/dernieres",
        "/article",
        "/recherche",
        "/abonner",
        "/desabonner",
        "/heure",
        "/fuseau",
        "/statut",
        "/digest",
    ):
        assert command in text, command
    assert "/ajouter" not in text


async def test_command_menu_registered_for_french_and_default(bot: BotHarness) -> None:
    french_menu = bot.api.commands(language_code="fr")
    default_menu = bot.api.commands(language_code="")
    assert french_menu == default_menu
    names = {command["command"] for command in french_menu}
    assert {"aes", "russie", "mali", "burkina", "niger", "abonner", "recherche"} <= names


async def test_topic_command_shows_the_seed_article(bot: BotHarness) -> None:
    # Burkina Faso and Niger appear there only in lists of the AES's members: not its topics.
    for command in ("/aes", "/russie", "/mali", "/sahel"):
        answer = await bot.send(READER, command)
        assert SEED_TITLE in answer.text, command
        assert "23 juin 2025" in answer.text or "2025" in answer.text
    assert_html_ok(bot)


async def test_empty_topic_says_so_and_offers_to_subscribe(bot: BotHarness) -> None:
    answer = await bot.send(READER, "/cedeao")
    assert "Aucun article" in answer.text
    assert "/abonner cedeao" in answer.text


async def test_topic_pages_move_older_and_newer(bot: BotHarness) -> None:
    for number in range(12):
        await add_article(
            bot, f"Bamako, épisode {number}", f"Le Mali et Bamako, épisode {number}. Suite."
        )
    first = await bot.send(READER, "/mali")
    assert "Articles 1 à 5 sur 13" in first.text
    assert "épisode 11" in first.text
    older, answer = await bot.press_label(READER, first.last, "Plus anciens")
    assert answer is None or answer == ""
    page2 = older.last
    assert page2.message_id == first.last.message_id  # edited in place
    assert "Articles 6 à 10 sur 13" in page2.text
    assert "épisode 11" not in page2.text
    labels = [label for label, _ in page2.buttons()]
    assert any("Plus récents" in label for label in labels)
    back, _ = await bot.press_label(READER, page2, "Plus récents")
    assert "Articles 1 à 5 sur 13" in back.last.text


async def test_topics_list_with_counts_and_buttons(bot: BotHarness) -> None:
    answer = await bot.send(READER, "/sujets")
    assert "1 article" in answer.text
    shown, _ = await bot.press_label(READER, answer.last, "Alliance")
    assert SEED_TITLE in shown.text


async def test_latest_and_bad_count(bot: BotHarness) -> None:
    await add_article(bot, "Niamey sous la chaleur", "Le Niger suffoque à Niamey. Suite.")
    answer = await bot.send(READER, "/dernieres 2")
    assert "Niamey sous la chaleur" in answer.text and SEED_TITLE in answer.text
    bad = await bot.send(READER, "/dernieres beaucoup")
    assert "nombre" in bad.text


async def test_article_in_full_and_bad_ids(bot: BotHarness) -> None:
    answer = await bot.send(READER, "/article 1")
    assert SEED_TITLE in answer.text
    assert "Sujets\u202f:" in answer.text
    assert "Moscou étant la capitale" in answer.text  # the body, not only the summary
    assert "Donnez le numéro" in (await bot.send(READER, "/article")).text
    assert "n’est pas un numéro" in (await bot.send(READER, "/article abc")).text
    assert (
        "Je ne trouve pas d’article n°\u202f999999"
        in (await bot.send(READER, "/article 999999")).text
    )


async def test_search_is_accent_insensitive(bot: BotHarness) -> None:
    answer = await bot.send(READER, "/recherche goita")
    assert SEED_TITLE in answer.text
    assert "Recherche\u202f: goita" in answer.text


async def test_search_with_hostile_input_never_errors(bot: BotHarness) -> None:
    for query in ('"', "(AES", "AND OR NOT", "*", "&&& <<< >>>", "Mali)) NEAR(", "🙂", "'; --"):
        answer = await bot.send(READER, f"/recherche {query}")
        assert answer.messages, query
        assert "erreur" not in answer.text, query
    only_symbols = await bot.send(READER, "/recherche *** ((( )))")
    assert "aucun mot à chercher" in only_symbols.text
    assert "Que cherchez-vous" in (await bot.send(READER, "/recherche")).text
    assert_html_ok(bot)


async def test_search_pages_and_broadening(bot: BotHarness) -> None:
    for number in range(7):
        await add_article(bot, f"Uranium {number}", f"Le Niger exporte de l'uranium, lot {number}.")
    first = await bot.send(READER, "/recherche uranium")
    assert "Résultats 1 à 5" in first.text
    second, _ = await bot.press_label(READER, first.last, "Plus anciens")
    assert "Résultats 6 à 7" in second.last.text
    broad = await bot.send(READER, "/recherche uranium kremlin")
    assert "au moins un" in broad.text


async def test_plain_text_is_a_search_and_unknown_command_hints_help(bot: BotHarness) -> None:
    answer = await bot.send(READER, "Goïta")
    assert "Je cherche «\u202fGoïta\u202f»" in answer.text
    assert SEED_TITLE in answer.text
    unknown = await bot.send(READER, "/meteo")
    assert "Je ne connais pas la commande /meteo" in unknown.text
    assert "/aide" in unknown.text


async def test_html_and_emoji_in_articles_are_escaped(bot: BotHarness) -> None:
    await add_article(
        bot,
        "Le <b>Mali</b> & le « Niger » 🇲🇱",
        "Bamako <script>alert(1)</script> & Niamey 🙂 : le Mali signe. Une <i>seconde</i> phrase.",
        url="https://example.org/a?b=1&c=<2>",
    )
    answer = await bot.send(READER, "/mali")
    assert "Le <b>Mali</b> & le « Niger » 🇲🇱" in answer.text  # shown literally
    assert_html_ok(bot)
    full = await bot.send(READER, "/article 2")
    assert "<script>" in full.text
    for message in full.messages:
        parse_telegram_html(message.raw_text)
    assert_html_ok(bot)


async def test_forged_and_stale_buttons_get_a_polite_answer(bot: BotHarness) -> None:
    answer = await bot.send(READER, "/mali")
    for forged in ("p:mali:99999", "p:nope:0", "zzz", "l:inconnu", "t:" + "x" * 20, "r:0:1:"):
        changes, reply = await bot.press(READER, answer.last, forged)
        assert reply is not None and "plus valable" in reply, forged
        assert changes.messages == []


async def test_group_command_with_bot_name(bot: BotHarness) -> None:
    group = bot.api.new_group()
    member = FakeUser(4004, "Ibrahim")
    answer = await bot.send(member, "/mali@sahel_digest_bot", chat=group)
    assert SEED_TITLE in answer.text
    other_bot = await bot.send(member, "/mali@another_bot", chat=group)
    assert other_bot.messages == []


async def test_a_topic_added_to_the_file_gets_its_command_without_code(
    api: LocalBotApi, tmp_path: Path, clock: FakeClock
) -> None:
    shipped = (Path(__file__).resolve().parents[2] / "content" / "topics.toml").read_text("utf-8")
    extra = """
[[topic]]
key = "uranium"
label = "Uranium"
command = "uranium"
description = "L'uranium du Niger et ses acheteurs"
aliases = ["uranium", "Orano", "Arlit"]
"""
    topics_file = tmp_path / "topics.toml"
    topics_file.write_text(shipped + extra, encoding="utf-8")
    config = bot_config(api, tmp_path / "topics.db")
    config = replace(config, content=replace(config.content, topics_file=topics_file))
    bot = BotHarness(api, config, clock)
    await bot.start()
    try:
        await add_article(
            bot, "Arlit : Orano suspend l'uranium", "L'uranium d'Arlit attend. Suite."
        )
        answer = await bot.send(READER, "/uranium")
        assert "Arlit : Orano suspend l'uranium" in answer.text
        assert "uranium" in {c["command"] for c in api.commands(language_code="fr")}
        assert "/uranium" in (await bot.send(READER, "/aide")).text
    finally:
        await bot.stop()
