"""End to end, over real HTTP: the dialog in French, odd inputs, groups, buttons across restarts.

Issue 11 (hardening), « Dialog and French »: every reply a reader can get is typeset as a French
reader expects (rules in tests/support/typography.py), and what readers type in the wild
(« UTC+5:30 », « tout sauf russie », « 25h », « /dernieres 0 ») gets a useful French answer.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from content.models import ArticleDraft
from fake_bot_api import FakeUser, LocalBotApi, SentMessage
from tests.support.factories import FakeClock
from tests.support.harness import ADMIN, OTHER_READER, READER, BotHarness, bot_config
from tests.support.typography import problems, space_insensitive

pytestmark = pytest.mark.both_backends

NOON_IN_BAMAKO = datetime(2025, 6, 23, 12, 0, tzinfo=UTC)


async def said(bot: BotHarness, user: FakeUser, text: str, **options: object) -> str:
    """The bot's answer to ``text``, no-break spaces as plain ones (for phrase checks)."""
    return space_insensitive((await bot.send(user, text, **options)).text)  # type: ignore[arg-type]


async def topics_of(bot: BotHarness, user: FakeUser) -> set[str]:
    state = await bot.services.subscriptions.subscriber(user.id)
    assert state is not None
    return set(state.topic_keys(bot.services.catalog.keys))


# --- Every reply is typeset ---------------------------------------------------------------


async def test_every_reply_of_a_full_session_is_typeset(bot: BotHarness) -> None:
    """A reader's and an admin's whole session, wrong inputs included; every message, every
    earlier version of an edited one, every button label and every button answer is checked."""
    typed: list[str] = []
    answers: list[str] = []

    async def send(user: FakeUser, text: str) -> SentMessage:
        typed.append(text.partition(" ")[2])
        return (await bot.send(user, text)).last

    async def press(user: FakeUser, message: SentMessage, label: str) -> SentMessage:
        changes, answer = await bot.press_label(user, message, label)
        answers.append(answer or "")
        return changes.last if changes.messages else message

    start = await send(READER, "/start")
    await press(READER, start, "Tout recevoir")
    for text in (
        "/aide",
        "/aes",
        "/cedeao",
        "/dernieres",
        "/dernieres 0",
        "/dernieres beaucoup",
        "/article 1",
        "/article",
        "/article abc",
        "/article 999999",
        "/recherche goita",
        "/recherche",
        "/recherche zzzzzz",
        "/recherche ***",
        "goïta",
        "/inconnue",
        "/heure",
        "/heure 7h30",
        "/heure 25h",
        "/heure demain",
        "/fuseau",
        "/fuseau Paris",
        "/fuseau UTC+5:30",
        "/fuseau UTC+15",
        "/fuseau Mars",
        "/statut",
        "/digest",
        "/abonner aes licornes",
        "/abonner licornes",
        "/desabonner russie",
        "/desabonner licornes",
        "/abonner tout sauf russie",
        "/start",
        "/desabonner",
        "/desabonner",
        "/statut",
    ):
        await send(READER, text)
    topics = await send(READER, "/sujets")
    await press(READER, topics, "Alliance")
    keyboard = await send(READER, "/abonner")
    keyboard = await press(READER, keyboard, "Mali")
    keyboard = await press(READER, keyboard, "Tous les sujets")
    keyboard = await press(READER, keyboard, "Aucun sujet")
    await press(READER, keyboard, "Terminé")
    _changes, answer = await bot.press(READER, keyboard, "z:forged")
    answers.append(answer or "")
    group = bot.api.new_group("Rédaction")
    await bot.send(OTHER_READER, "/abonner@sahel_digest_bot tout", chat=group)
    for text in ("/ajouter", "/ajouter http://127.0.0.1:9/nulle-part", "/stats", "/supprimer 1"):
        await send(ADMIN, text)
    await press(ADMIN, bot.api.last_message(ADMIN.id), "Annuler")

    articles = await bot.services.library.latest(limit=50)
    ignore = [*typed, *(part for a in articles for part in (a.title, a.summary, a.source or ""))]
    ignore += [line for a in articles for line in a.body.split("\n")]
    texts = [
        version.raw_text
        for message in bot.api.sent_messages()
        for version in (*message.history, message)
    ]
    texts += [label for message in bot.api.sent_messages() for label, _ in message.buttons()]
    texts += answers
    assert len(texts) > 60  # the session really went through every kind of reply
    found = {text[:60]: problems(text, ignore) for text in texts}
    assert {start: bad for start, bad in found.items() if bad} == {}


# --- /start -----------------------------------------------------------------------------------


async def test_start_welcomes_a_new_reader_and_greets_a_returning_one(bot: BotHarness) -> None:
    welcome = await said(bot, READER, "/start")
    assert "Bonjour Moussa !" in welcome and "Bon retour" not in welcome
    await bot.send(READER, "/abonner aes russie")
    back = (await bot.send(READER, "/start")).last
    text = space_insensitive(back.text)
    assert "Bon retour, Moussa !" in text
    assert "Vous recevez la revue chaque jour à 7 h (Bamako)" in text
    assert "sur Alliance des États du Sahel (AES) et Russie" in text
    assert "Prochaine revue : aujourd’hui à 7 h" in text
    assert "Je suis Sahel Digest" not in text  # no welcome speech for someone who knows us
    assert any("Modifier mes sujets" in label for label, _ in back.buttons())


async def test_start_for_a_reader_who_stopped_is_the_welcome(bot: BotHarness) -> None:
    await bot.send(READER, "/abonner mali")
    await bot.send(READER, "/desabonner")
    again = await said(bot, READER, "/start")
    assert "Je suis Sahel Digest" in again and "Vous recevez" not in again


# --- /fuseau ----------------------------------------------------------------------------------


async def test_time_zone_offsets_at_the_edges_and_with_minutes(bot: BotHarness) -> None:
    bot.clock.set(NOON_IN_BAMAKO)
    for typed, shown, local in (
        ("UTC+14", "UTC+14", "2 h"),
        ("UTC-12", "UTC−12", "0 h"),
        ("UTC+5:30", "UTC+5:30", "17 h 30"),
        ("UTC+05:45", "UTC+5:45", "17 h 45"),
        ("GMT+1", "UTC+1", "13 h"),
        ("UTC−3", "UTC−3", "9 h"),
        ("utc", "UTC", "12 h"),
    ):
        answer = await said(bot, READER, f"/fuseau {typed}")
        assert f"Fuseau enregistré : {shown} (il y est {local})" in answer, typed
    status = await said(bot, READER, "/statut")
    assert "Fuseau : UTC (il y est 12 h)" in status


async def test_impossible_offsets_are_refused_in_french(bot: BotHarness) -> None:
    await bot.send(READER, "/fuseau Paris")
    for typed in ("UTC+15", "UTC-13", "UTC+14:30", "UTC+5:75"):
        answer = await said(bot, READER, f"/fuseau {typed}")
        assert f"« {typed} » n’existe pas" in answer, typed
        assert "de UTC−12 à UTC+14" in answer, typed
    state = await bot.services.subscriptions.subscriber(READER.id)
    assert state is not None and state.timezone == "Europe/Paris"  # unchanged


async def test_zones_are_named_in_french(bot: BotHarness) -> None:
    assert "Fuseau enregistré : N’Djamena" in await said(bot, READER, "/fuseau tchad")
    assert "Fuseau enregistré : Paris" in await said(bot, READER, "/fuseau Europe/Paris")
    assert "Fuseau enregistré : Tokyo" in await said(bot, READER, "/fuseau Asia/Tokyo")


# --- /abonner and /desabonner -----------------------------------------------------------------


async def test_unsubscribing_a_topic_says_what_remains(bot: BotHarness) -> None:
    await bot.send(READER, "/abonner aes mali russie")
    answer = await said(bot, READER, "/desabonner russie")
    assert "Sujet retiré : Russie." in answer
    assert "Il vous reste : Alliance des États du Sahel (AES) et Mali." in answer
    two = await said(bot, READER, "/desabonner aes et mali")
    assert "Sujets retirés : Alliance des États du Sahel (AES) et Mali." in two
    assert "Il ne vous reste aucun sujet : la revue quotidienne s’arrête." in two
    assert await topics_of(bot, READER) == set()


async def test_unsubscribing_a_topic_one_does_not_follow_says_so(bot: BotHarness) -> None:
    await bot.send(READER, "/abonner aes")
    answer = await said(bot, READER, "/desabonner niger licornes")
    assert "Vous n’étiez pas abonné à : Niger." in answer
    assert "Je ne connais pas : « licornes »" in answer
    assert await topics_of(bot, READER) == {"aes"}


async def test_everything_but_in_subscribe_and_unsubscribe(bot: BotHarness) -> None:
    every = set(bot.services.catalog.keys)
    for typed, left_out in (
        ("tout sauf russie", {"russie"}),
        ("Tout, sauf Russie et Mali", {"russie", "mali"}),
        ("tout sauf russie, mali", {"russie", "mali"}),
        ("tous les sujets sauf la russie", {"russie"}),
        ("sauf wagner", {"wagner"}),
    ):
        await bot.send(READER, "/desabonner")
        answer = await said(bot, READER, f"/abonner {typed}")
        assert await topics_of(bot, READER) == every - left_out, typed
        assert "Je ne connais pas" not in answer, typed
    kept = await said(bot, READER, "/desabonner tout sauf mali")
    assert await topics_of(bot, READER) == {"mali"}
    assert "Il vous reste : Mali." in kept
    assert "n’étiez pas abonné" not in kept  # « sauf » names what to keep, not what to drop
    again = await said(bot, READER, "/desabonner tout sauf mali")
    assert "Il vous reste : Mali." in again and "aucun de vos sujets" not in again
    refused = await said(bot, READER, "/abonner tout sauf licornes")
    assert "licornes" in refused and await topics_of(bot, READER) == {"mali"}


async def test_subscribe_names_the_unknown_words_only(bot: BotHarness) -> None:
    answer = await said(bot, READER, "/abonner aes et mali, licornes ou dragons")
    assert await topics_of(bot, READER) == {"aes", "mali"}
    assert "Je ne connais pas : « licornes » et « dragons »" in answer
    assert "« et »" not in answer and "« ou »" not in answer
    nothing = await said(bot, READER, "/abonner licornes")
    assert "Je n’ai reconnu aucun sujet dans « licornes »" in nothing


async def test_a_subscription_message_full_of_words(bot: BotHarness) -> None:
    """4,096 characters of words after /abonner: answered at once, in one message that fits,
    each unknown word named once."""
    words = " ".join(f"mot{number % 30}" for number in range(900))
    answer = await said(bot, READER, f"/abonner {words} mali")
    assert await topics_of(bot, READER) == {"mali"}
    assert "« mot0 », « mot1 »" in answer and "et 20 autres mots" in answer
    assert len(answer) < 1000


# --- /heure -----------------------------------------------------------------------------------


async def test_odd_times(bot: BotHarness) -> None:
    for typed, stored in (
        ("7 h 30", time(7, 30)),
        ("minuit", time(0, 0)),
        ("7 heures", time(7, 0)),
        ("19 heures 15", time(19, 15)),
        ("à 6h", time(6, 0)),
    ):
        answer = await said(bot, READER, f"/heure {typed}")
        state = await bot.services.subscriptions.subscriber(READER.id)
        assert state is not None and state.delivery_time == stored, typed
        assert "C’est noté" in answer, typed
    assert "chaque jour à 0 h (" in await said(bot, READER, "/heure minuit")
    for typed in ("25h", "7h60", "24:00", "99"):
        answer = await said(bot, READER, f"/heure {typed}")
        assert f"« {typed} » n’existe pas : une journée va de 0 h à 23 h 59" in answer, typed
    for typed in ("-1", "demain", "7h3"):
        answer = await said(bot, READER, f"/heure {typed}")
        assert f"Je ne comprends pas l’heure « {typed} »" in answer, typed
    state = await bot.services.subscriptions.subscriber(READER.id)
    assert state is not None and state.delivery_time == time(0, 0)  # unchanged by the refusals


# --- Reading with odd numbers ---------------------------------------------------------------


async def test_latest_with_odd_counts(bot: BotHarness) -> None:
    for typed in ("0", "-1", "²", "beaucoup", "3.5"):
        answer = await said(bot, READER, f"/dernieres {typed}")
        assert "Donnez un nombre entre 1 et 10" in answer, typed
    huge = await said(bot, READER, "/dernieres 99999999999999999999")
    assert "Article 1 sur 1" in huge  # the one seed article, shown once


async def test_article_with_odd_ids(bot: BotHarness) -> None:
    assert "n’est pas un numéro" in await said(bot, READER, "/article 1 2")
    assert "n’est pas un numéro" in await said(bot, READER, "/article ²")
    assert "Je ne trouve pas d’article n° 999999999999" in await said(
        bot, READER, "/article 999999999999"
    )
    assert "n’est pas un numéro" in await said(bot, READER, "/article 99999999999999999999")


# --- Groups -----------------------------------------------------------------------------------


async def test_group_members_read_settings_but_only_admins_change_them(bot: BotHarness) -> None:
    group = bot.api.new_group("Rédaction Bamako")
    admin = FakeUser(5005, "Chef")
    bot.api.set_chat_admins(group.id, [admin.id])
    await bot.send(admin, "/abonner@sahel_digest_bot mali", chat=group)
    shown = await said(bot, OTHER_READER, "/heure@sahel_digest_bot", chat=group)
    assert "actuellement : 7 h" in shown
    zone = await said(bot, OTHER_READER, "/fuseau@sahel_digest_bot", chat=group)
    assert "actuellement : Bamako" in zone
    refused = await said(bot, OTHER_READER, "/heure@sahel_digest_bot 9h", chat=group)
    assert "seuls les administrateurs du groupe" in refused
    back = await said(bot, OTHER_READER, "/start@sahel_digest_bot", chat=group)
    assert "Vous recevez la revue chaque jour à 7 h" in back and "sur Mali" in back
    other_bot = await bot.send(admin, "/desabonner@another_bot", chat=group)
    assert other_bot.messages == []
    state = await bot.services.subscriptions.subscriber(group.id)
    assert state is not None and state.topics == ("mali",)


# --- Buttons after a restart ------------------------------------------------------------------


async def test_every_button_still_works_after_a_restart(
    api: LocalBotApi, tmp_path: Path, clock: FakeClock
) -> None:
    """Button payloads are self-contained strings: a new process on the same database
    understands every button sent by the old one."""
    config = bot_config(api, tmp_path / "restart.db")
    first = BotHarness(api, config, clock)
    await first.start()
    for number in range(7):
        await first.services.library.add(
            ArticleDraft(
                title=f"Uranium {number}", body=f"Le Niger exporte de l’uranium, lot {number}."
            ),
            added_by="test",
        )
    start = (await first.send(READER, "/start")).last
    niger = (await first.send(READER, "/niger")).last
    keyboard = (await first.send(READER, "/abonner")).last
    topics = (await first.send(READER, "/sujets")).last
    search = (await first.send(READER, "/recherche uranium")).last
    confirm = (await first.send(ADMIN, "/supprimer 1")).last
    await first.stop()

    second = BotHarness(api, config, clock)
    await second.start()
    try:
        answers: list[str | None] = []
        toggled, answer = await second.press_label(READER, keyboard, "Mali")
        answers.append(answer)
        assert any(label.startswith("✅") for label, _ in toggled.last.buttons())
        done, answer = await second.press_label(READER, toggled.last, "Terminé")
        answers.append(answer)
        assert "Sujets enregistrés : Mali" in space_insensitive(done.last.text)
        chosen, answer = await second.press_label(READER, start, "Choisir mes sujets")
        answers.append(answer)
        assert "Choisissez les sujets" in chosen.last.text
        shown, answer = await second.press_label(READER, topics, "Alliance")
        answers.append(answer)
        assert "Assimi Goïta" in shown.text
        for page in (search, niger):
            older, answer = await second.press_label(READER, page, "Plus anciens")
            answers.append(answer)
            assert "6 à" in older.last.text or "Article 6" in older.last.text
        cancelled, answer = await second.press_label(ADMIN, confirm, "Annuler")
        answers.append(answer)
        assert "Suppression annulée" in cancelled.last.text
        assert not any(answer and "plus valable" in answer for answer in answers), answers
    finally:
        await second.stop()


async def test_the_command_menu_is_typeset(bot: BotHarness) -> None:
    """Telegram shows the menu's descriptions as they are published: the topics' come from
    content/topics.toml, written with straight apostrophes and ASCII spaces before colons."""
    for language in ("fr", ""):
        menu = bot.api.commands(language_code=language)
        assert menu
        for command in menu:
            assert problems(str(command["description"])) == [], command
