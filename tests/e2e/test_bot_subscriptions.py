"""End to end, over real HTTP: subscribing, settings, /statut, /digest, groups, blocking."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from fake_bot_api import FakeUser, LocalBotApi
from tests.support.factories import FakeClock
from tests.support.harness import OTHER_READER, READER, BotHarness, bot_config
from tests.support.typography import space_insensitive
from ui import french

pytestmark = pytest.mark.both_backends


async def subscriber(bot: BotHarness, user: FakeUser):  # type: ignore[no-untyped-def]
    return await bot.services.subscriptions.subscriber(user.id)


async def test_subscribe_all_from_start_button(bot: BotHarness) -> None:
    start = await bot.send(READER, "/start")
    changes, _ = await bot.press_label(READER, start.last, "Tout recevoir")
    assert "tous les sujets" in changes.last.text
    assert "7\u202fh (Bamako)" in changes.last.text
    state = await subscriber(bot, READER)
    assert state is not None and state.all_topics


async def test_subscribe_named_topics_with_unknown_words(bot: BotHarness) -> None:
    answer = await bot.send(READER, "/abonner aes Burkina Faso licornes")
    assert "Alliance des États du Sahel" in answer.text
    assert "Burkina" in answer.text
    assert "«\u202flicornes\u202f»" in answer.text
    state = await subscriber(bot, READER)
    assert state is not None and set(state.topics) == {"aes", "burkina"}
    nothing = await bot.send(READER, "/abonner licornes")
    assert "aucun sujet" in nothing.text


async def test_keyboard_toggles_topics_with_check_marks(bot: BotHarness) -> None:
    keyboard = (await bot.send(READER, "/abonner")).last
    assert "Choisissez les sujets" in keyboard.text
    after_mali, _ = await bot.press_label(READER, keyboard, "Mali")
    edited = after_mali.last
    assert edited.message_id == keyboard.message_id
    assert any(label.startswith("✅") and "Mali" in label for label, _ in edited.buttons())
    after_niger, _ = await bot.press_label(READER, edited, "Niger")
    again_mali, _ = await bot.press_label(READER, after_niger.last, "✅ Mali")  # toggled off
    assert not any(
        label.startswith("✅") and "Mali" in label for label, _ in again_mali.last.buttons()
    )
    done, _ = await bot.press_label(READER, again_mali.last, "Terminé")
    assert "Sujets enregistrés" in done.last.text and "Niger" in done.last.text
    state = await subscriber(bot, READER)
    assert state is not None and state.topics == ("niger",)


async def test_keyboard_all_and_none(bot: BotHarness) -> None:
    keyboard = (await bot.send(READER, "/abonner")).last
    everything, _ = await bot.press_label(READER, keyboard, "Tous les sujets")
    assert all(label.startswith("✅") for label, _ in everything.last.buttons()[:-2])
    nothing, _ = await bot.press_label(READER, everything.last, "Aucun sujet")
    done, _ = await bot.press_label(READER, nothing.last, "Terminé")
    assert "aucun sujet" in done.last.text
    state = await subscriber(bot, READER)
    assert state is not None and not state.subscribed


async def test_unsubscribe_all_or_some(bot: BotHarness) -> None:
    assert "aucun sujet" in (await bot.send(READER, "/desabonner")).text
    await bot.send(READER, "/abonner aes mali niger")
    some = await bot.send(READER, "/desabonner mali")
    assert "Mali" in some.text and "Il vous reste" in some.text
    state = await subscriber(bot, READER)
    assert state is not None and set(state.topics) == {"aes", "niger"}
    everything = await bot.send(READER, "/desabonner")
    assert "ne recevrez plus" in everything.text
    state = await subscriber(bot, READER)
    assert state is not None and not state.subscribed


async def test_unsubscribing_one_topic_of_all_keeps_the_others(bot: BotHarness) -> None:
    await bot.send(READER, "/abonner tout")
    await bot.send(READER, "/desabonner russie")
    state = await subscriber(bot, READER)
    assert state is not None and not state.all_topics
    assert "russie" not in state.topics and "aes" in state.topics


async def test_time_formats_and_bad_time(bot: BotHarness) -> None:
    for typed, stored in (
        ("7h", time(7, 0)),
        ("07h30", time(7, 30)),
        ("19h", time(19, 0)),
        ("7:30", time(7, 30)),
    ):
        answer = await bot.send(READER, f"/heure {typed}")
        assert f"à {french.clock(stored)} (Bamako)" in answer.text, typed
        state = await subscriber(bot, READER)
        assert state is not None and state.delivery_time == stored
    bad = await bot.send(READER, "/heure 25:99")
    assert "«\u202f25:99\u202f» n’existe pas" in bad.text
    state = await subscriber(bot, READER)
    assert state is not None and state.delivery_time == time(7, 30)  # unchanged
    assert "À quelle heure" in (await bot.send(READER, "/heure")).text


async def test_time_zone_friendly_names_and_bad_zone(bot: BotHarness) -> None:
    answer = await bot.send(READER, "/fuseau Paris")
    assert "Fuseau enregistré\u202f: Paris" in answer.text
    assert "Niamey" in (await bot.send(READER, "/fuseau Africa/Niamey")).text
    bad = await bot.send(READER, "/fuseau Mars")
    assert "Je ne connais pas le fuseau «\u202fMars\u202f»" in bad.text
    state = await subscriber(bot, READER)
    assert state is not None and state.timezone == "Africa/Niamey"


async def test_status_describes_settings_and_next_digest(bot: BotHarness) -> None:
    before = await bot.send(READER, "/statut")
    assert "pas d’abonnement" in before.text
    await bot.send(READER, "/abonner mali")
    await bot.send(READER, "/heure 7h30")
    status = await bot.send(READER, "/statut")
    assert "Mali" in status.text
    text = space_insensitive(status.text)
    assert "Heure d’envoi : 7 h 30" in text
    assert "Fuseau : Bamako" in text
    assert "Prochaine revue : aujourd’hui à 7 h 30" in text  # the clock says 05:00 UTC


async def test_digest_command_sends_today_digest_and_changes_nothing(bot: BotHarness) -> None:
    await bot.send(READER, "/abonner tout")
    answer = await bot.send(READER, "/digest")
    assert "Votre revue du lundi 23 juin 2025" in answer.text
    assert "Assimi Goïta est en visite officielle en Russie" in answer.text
    state = await subscriber(bot, READER)
    assert state is not None and state.digest_watermark is None  # the scheduled one still comes


async def test_restart_keeps_subscriptions(
    api: LocalBotApi, tmp_path: Path, clock: FakeClock
) -> None:
    config = bot_config(api, tmp_path / "restart.db")
    first = BotHarness(api, config, clock)
    await first.start()
    await first.send(READER, "/abonner aes niger")
    await first.send(READER, "/heure 19h")
    await first.send(READER, "/fuseau Paris")
    await first.stop()
    second = BotHarness(api, config, clock)
    await second.start()
    try:
        status = await second.send(READER, "/statut")
        assert "19\u202fh" in status.text and "Fuseau\u202f: Paris" in status.text
        assert "Niger" in status.text
        assert await second.services.library.count() == 1  # the seed is not loaded twice
    finally:
        await second.stop()


async def test_blocking_marks_inactive_and_start_reactivates(bot: BotHarness) -> None:
    await bot.send(READER, "/abonner tout")
    await bot.member_update(READER, "kicked")
    state = await subscriber(bot, READER)
    assert state is not None and not state.active and state.inactive_reason == "blocked"
    await bot.member_update(READER, "member")
    state = await subscriber(bot, READER)
    assert state is not None and state.active
    await bot.member_update(READER, "kicked")
    # Unblocked without the my_chat_member update reaching us: /start alone reactivates.
    bot.api.unblock_chat(READER.id)
    welcome = await bot.send(READER, "/start")
    assert "Bon retour, Moussa" in welcome.text
    state = await subscriber(bot, READER)
    assert state is not None and state.active


async def test_only_group_admins_change_the_group_subscription(bot: BotHarness) -> None:
    group = bot.api.new_group("Rédaction Bamako")
    admin, member = FakeUser(5005, "Chef"), OTHER_READER
    bot.api.set_chat_admins(group.id, [admin.id])
    refused = await bot.send(member, "/abonner@sahel_digest_bot tout", chat=group)
    assert "seuls les administrateurs du groupe" in refused.text
    assert await bot.services.subscriptions.subscriber(group.id) is None
    accepted = await bot.send(admin, "/abonner@sahel_digest_bot mali", chat=group)
    assert "Mali" in accepted.text
    state = await bot.services.subscriptions.subscriber(group.id)
    assert state is not None and state.topics == ("mali",) and state.chat_type == "group"
    reading = await bot.send(member, "/statut@sahel_digest_bot", chat=group)
    assert "Mali" in reading.text  # reading the settings is open to every member
