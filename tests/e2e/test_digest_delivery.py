"""The daily digest over real HTTP: exactly one per subscriber and day, whatever happens."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import pytest

from content.models import ArticleDraft
from fake_bot_api import FakeUser, LocalBotApi
from tests.support.factories import FakeClock, readers, seed_subscribers
from tests.support.harness import READER, BotHarness, bot_config
from tests.support.observing import DIGEST_MARK, digests_by_chat

pytestmark = pytest.mark.both_backends


async def add_subscribers(
    bot: BotHarness, count: int, *, first_id: int = 10_000, topics: tuple[str, ...] = ("mali",)
) -> list[int]:
    """Subscribers created straight in the store (faster than 300 conversations)."""
    chat_ids = list(range(first_id, first_id + count))
    await seed_subscribers(bot.config.database, readers(chat_ids, topics=topics, since=bot.clock()))
    return chat_ids


async def add_article(bot: BotHarness, title: str, body: str) -> int:
    added = await bot.services.library.add(ArticleDraft(title=title, body=body), added_by="test")
    return added.article.id


async def run_until_settled(bot: BotHarness, max_ticks: int = 20) -> None:
    """Tick like the scheduler would, until nothing is left pending."""
    for _ in range(max_ticks):
        report = await bot.services.digests.tick()
        if report.delivery.deferred == 0:
            return
    raise AssertionError("deliveries still pending after many ticks")


async def test_three_hundred_subscribers_get_exactly_one_digest(bot: BotHarness) -> None:
    chats = await add_subscribers(bot, 300)
    bot.clock.set(datetime(2025, 6, 23, 7, 5, tzinfo=UTC))  # 07:05 in Bamako
    report = await bot.services.digests.tick()
    assert report.due == 300 and report.delivery.sent == 300
    await bot.services.digests.tick()  # a second tick the same day sends nothing
    bot.clock.advance(hours=3)
    await bot.services.digests.tick()
    received = digests_by_chat(bot.api)
    assert {chat: received[chat] for chat in chats} == dict.fromkeys(chats, 1)


async def test_nothing_before_the_hour_and_nothing_new_means_no_message(bot: BotHarness) -> None:
    await add_subscribers(bot, 3)
    bot.clock.set(datetime(2025, 6, 23, 6, 59, tzinfo=UTC))
    assert (await bot.services.digests.tick()).due == 0
    bot.clock.set(datetime(2025, 6, 23, 7, 0, tzinfo=UTC))
    assert (await bot.services.digests.tick()).delivery.sent == 3
    # Next day: no new article since the last digest → nothing is sent, the day is recorded.
    bot.clock.set(datetime(2025, 6, 24, 7, 0, tzinfo=UTC))
    report = await bot.services.digests.tick()
    assert report.due == 3 and report.empty == 3 and report.delivery.sent == 0
    assert sum(digests_by_chat(bot.api).values()) == 3


async def test_next_digest_has_only_new_articles(bot: BotHarness) -> None:
    [chat] = await add_subscribers(bot, 1)
    bot.clock.set(datetime(2025, 6, 23, 7, 0, tzinfo=UTC))
    await bot.services.digests.tick()
    bot.clock.set(datetime(2025, 6, 23, 15, 0, tzinfo=UTC))
    await add_article(bot, "Bamako sous les eaux", "Des pluies record à Bamako, au Mali. Suite.")
    bot.clock.set(datetime(2025, 6, 24, 7, 0, tzinfo=UTC))
    await bot.services.digests.tick()
    messages = [m.text for m in bot.api.sent_messages(chat) if DIGEST_MARK in m.text]
    assert len(messages) == 2
    assert "Assimi Goïta" in messages[0] and "Bamako sous les eaux" not in messages[0]
    assert "Bamako sous les eaux" in messages[1] and "Assimi Goïta" not in messages[1]
    assert "mardi 24 juin 2025" in messages[1]


async def test_moving_the_hour_after_delivery_sends_no_second_digest(bot: BotHarness) -> None:
    await bot.send(READER, "/abonner tout")
    bot.clock.set(datetime(2025, 6, 23, 7, 1, tzinfo=UTC))
    await bot.services.digests.tick()
    answer = await bot.send(READER, "/heure 20h")
    assert "déjà reçu celle d’aujourd’hui" in answer.text
    await add_article(bot, "Bamako, le soir", "Le Mali et Bamako, en soirée. Suite du texte.")
    bot.clock.set(datetime(2025, 6, 23, 20, 30, tzinfo=UTC))
    await bot.services.digests.tick()
    assert digests_by_chat(bot.api)[READER.id] == 1
    bot.clock.set(datetime(2025, 6, 24, 20, 0, tzinfo=UTC))
    await bot.services.digests.tick()
    assert digests_by_chat(bot.api)[READER.id] == 2


async def test_catch_up_after_downtime_same_day_only(
    api: LocalBotApi, tmp_path: Path, clock: FakeClock
) -> None:
    config = bot_config(api, tmp_path / "down.db")
    first = BotHarness(api, config, clock)
    await first.start()
    await first.send(READER, "/abonner tout")
    await first.stop()
    clock.set(datetime(2025, 6, 23, 11, 0, tzinfo=UTC))  # the bot was down at 07:00
    second = BotHarness(api, config, clock)
    await second.start()
    try:
        await second.services.digests.tick()
        assert digests_by_chat(api)[READER.id] == 1
    finally:
        await second.stop()
    clock.set(datetime(2025, 6, 26, 12, 0, tzinfo=UTC))  # down for three days
    third = BotHarness(api, config, clock)
    await third.start()
    try:
        report = await third.services.digests.tick()
        assert report.due == 1  # today's only, not the three missed days
    finally:
        await third.stop()


async def test_restart_after_delivery_sends_nothing_again(
    api: LocalBotApi, tmp_path: Path, clock: FakeClock
) -> None:
    config = bot_config(api, tmp_path / "again.db")
    for moment in ("2025-06-23T06:00", "2025-06-23T07:30", "2025-06-23T07:31"):
        clock.set(datetime.fromisoformat(moment).replace(tzinfo=UTC))
        harness = BotHarness(api, config, clock)
        await harness.start()
        try:
            if not await harness.services.subscriptions.subscriber(READER.id):
                await add_subscribers(harness, 1, first_id=READER.id)
            await harness.services.digests.tick()
        finally:
            await harness.stop()
    assert digests_by_chat(api)[READER.id] == 1


async def test_faults_still_give_every_reachable_reader_exactly_one(
    api: LocalBotApi, tmp_path: Path, clock: FakeClock
) -> None:
    config = bot_config(api, tmp_path / "faults.db")
    # A short client timeout, so the injected timeouts cost seconds, not minutes.
    # The bot sends faster than the server accepts, so the server answers 429s.
    telegram = replace(config.telegram, request_timeout_seconds=1.0, rate_limit_per_second=100)
    config = replace(config, telegram=telegram)
    bot = BotHarness(api, config, clock)
    await bot.start()
    try:
        chats = await add_subscribers(bot, 120)
        blocked, unknown = chats[:6], chats[6:10]
        for chat in blocked:
            api.block_chat(chat)
        for chat in unknown:
            api.mark_chat_unknown(chat)
        api.set_rate_limit(40, retry_after=1)
        api.fail_next("sendMessage", 4, kind="500")
        api.fail_next("sendMessage", 3, kind="timeout_before")
        api.fail_next("sendMessage", 2, kind="502")
        api.fail_randomly(0.05, kind="502", methods=["sendMessage"], seed=7)
        clock.set(datetime(2025, 6, 23, 8, 0, tzinfo=UTC))
        await run_until_settled(bot)
        received = digests_by_chat(api)
        reachable = [chat for chat in chats if chat not in blocked + unknown]
        assert {chat: received[chat] for chat in reachable} == dict.fromkeys(reachable, 1)
        assert all(received[chat] == 0 for chat in blocked + unknown)
        for chat in blocked + unknown:
            state = await bot.services.subscriptions.subscriber(chat)
            assert state is not None and not state.active
        assert api.rate_limited_count > 0  # the server did push back
        assert api.injected_failure_count >= 9
    finally:
        await bot.stop()


async def test_migrated_group_is_followed(bot: BotHarness) -> None:
    group = bot.api.new_group("Rédaction")
    admin = FakeUser(6006, "Cheffe")
    bot.api.set_chat_admins(group.id, [admin.id])
    await bot.send(admin, "/abonner@sahel_digest_bot tout", chat=group)
    new_id = bot.api.migrate_group(group.id)
    bot.clock.set(datetime(2025, 6, 23, 8, 0, tzinfo=UTC))
    await bot.services.digests.tick()
    assert digests_by_chat(bot.api)[new_id] == 1
    state = await bot.services.subscriptions.subscriber(new_id)
    assert state is not None and state.chat_type == "supergroup"
    assert await bot.services.subscriptions.subscriber(group.id) is None


async def test_long_digest_is_split_and_paced_one_message_per_second(
    api: LocalBotApi, tmp_path: Path, clock: FakeClock
) -> None:
    bot = BotHarness(api, bot_config(api, tmp_path / "pace.db"), clock, private_chat_interval=1.0)
    await bot.start()
    try:
        [chat] = await add_subscribers(bot, 1, topics=("mali", "niger", "burkina", "russie"))
        for number in range(20):
            # Twenty different events (the same text twenty times would be one story).
            long_body = "Le Mali, le Niger et le Burkina Faso avec la Russie à Bamako. " + " ".join(
                f"volet{number}fait{index}" for index in range(150)
            )
            await add_article(bot, f"Sahel et Russie, volet {number} " + "x" * 250, long_body)
        clock.set(datetime(2025, 6, 23, 7, 0, tzinfo=UTC))
        await bot.services.digests.tick()
        parts = [m for m in api.sent_messages(chat) if DIGEST_MARK in m.text]
        assert len(parts) >= 2
        assert all(len(m.text) <= 4096 for m in parts)
        sends = [r.received_at for r in api.requests("sendMessage") if r.params["chat_id"] == chat]
        gaps = [later - earlier for earlier, later in pairwise(sends)]
        assert min(gaps) >= 0.95
    finally:
        await bot.stop()


@pytest.mark.slow
async def test_scheduler_job_delivers_without_manual_ticks(
    api: LocalBotApi, tmp_path: Path, clock: FakeClock
) -> None:
    """The real JobQueue (APScheduler) drives the tick: nothing here calls tick()."""
    config = bot_config(api, tmp_path / "job.db", check_interval_seconds=1)
    clock.set(datetime(2025, 6, 23, 7, 10, tzinfo=UTC))
    bot = BotHarness(api, config, clock)
    await bot.start()
    try:
        await bot.send(READER, "/abonner tout")  # subscribed after 07:00: tomorrow's digest
        clock.set(datetime(2025, 6, 24, 7, 0, tzinfo=UTC))
        await api.wait_for(
            lambda server: digests_by_chat(server)[READER.id] == 1,
            timeout=10,
            what="the scheduled digest",
        )
        jobs = bot.application.job_queue.jobs()  # type: ignore[union-attr]
        [job] = [j for j in jobs if j.name == "digest-tick"]
        assert job.job.misfire_grace_time is None and job.job.coalesce
    finally:
        await bot.stop()


async def test_first_digest_covers_only_the_last_day(bot: BotHarness) -> None:
    await add_article(bot, "Bamako, il y a deux jours", "Le Mali et Bamako, avant-hier. Suite.")
    bot.clock.advance(days=2)  # the seed and that article are now two days old
    await add_article(bot, "Bamako, ce matin", "Le Mali et Bamako, aujourd'hui. Suite du texte.")
    [chat] = await add_subscribers(bot, 1)
    bot.clock.set(bot.clock.now.replace(hour=7, minute=0))  # same day, two hours later
    await bot.services.digests.tick()
    [digest] = [m.text for m in bot.api.sent_messages(chat)]
    assert "Bamako, ce matin" in digest
    assert "il y a deux jours" not in digest and "Assimi Goïta" not in digest


async def test_nothing_new_message_when_configured(
    api: LocalBotApi, tmp_path: Path, clock: FakeClock
) -> None:
    bot = BotHarness(api, bot_config(api, tmp_path / "empty.db", send_when_empty=True), clock)
    await bot.start()
    try:
        [chat] = await add_subscribers(bot, 1, topics=("cedeao",))
        clock.set(datetime(2025, 6, 23, 7, 0, tzinfo=UTC))
        await bot.services.digests.tick()
        [message] = api.sent_messages(chat)
        assert "Rien de neuf aujourd’hui sur vos sujets" in message.text
    finally:
        await bot.stop()


async def test_one_composition_per_distinct_topic_set(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    import digests.compose as compose_module

    calls: list[tuple[str, ...]] = []
    real_compose = compose_module.compose_digest

    def counting_compose(day, sections, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(tuple(section.topic_key for section in sections))
        return real_compose(day, sections, *args, **kwargs)

    monkeypatch.setattr(compose_module, "compose_digest", counting_compose)
    await add_subscribers(bot, 40, topics=("mali",))
    await add_subscribers(bot, 40, first_id=20_000, topics=("russie", "aes"))
    bot.clock.set(datetime(2025, 6, 23, 7, 0, tzinfo=UTC))
    report = await bot.services.digests.tick()
    assert report.delivery.sent == 80
    assert sorted(calls) == [("aes", "russie"), ("mali",)]


async def test_limiter_opens_without_a_burst_under_a_strict_server(
    api: LocalBotApi, tmp_path: Path, clock: FakeClock
) -> None:
    """Our limiter at 30 msg/s against a server enforcing 30 msg/s in any sliding second.
    PTB's stock AIORateLimiter opens with a one-second burst and meets 429s here (see
    tests/e2e/test_fake_bot_api.py); ours spaces requests from the first one."""
    config = bot_config(api, tmp_path / "burst.db")
    config = replace(config, telegram=replace(config.telegram, rate_limit_per_second=30.0))
    bot = BotHarness(api, config, clock)
    await bot.start()
    try:
        chats = await add_subscribers(bot, 90)
        api.set_rate_limit(30, retry_after=1)
        clock.set(datetime(2025, 6, 23, 7, 0, tzinfo=UTC))
        report = await bot.services.digests.tick()
        assert report.delivery.sent == 90
        assert api.rate_limited_count <= 2  # "few or no 429s"; typically none
        assert sum(digests_by_chat(api)[chat] for chat in chats) == 90
    finally:
        await bot.stop()


async def test_an_article_deleted_during_the_fan_out_is_not_sent(bot: BotHarness) -> None:
    """The fan-out reads articles from the library's memory; /supprimer must still reach it."""
    chats = await add_subscribers(bot, 3)
    kept = await add_article(bot, "Bamako : la saison des pluies", "Il pleut sur Bamako au Mali.")
    gone = await add_article(bot, "Mopti : article retiré", "Le port de Mopti au Mali rouvre.")
    bot.clock.set(datetime(2025, 6, 23, 7, 5, tzinfo=UTC))
    digests = bot.services.digests
    claimed, _ = await digests.claim_due()  # the ledger rows name both articles
    assert claimed == 3
    library = bot.services.library
    assert [a.id for a in await library.get_many([kept, gone])] == [kept, gone]  # now in memory
    assert await library.delete(gone)
    report = await digests.deliver_pending()
    assert report.sent == 3
    texts = [m.text for m in bot.api.sent_messages() if DIGEST_MARK in m.text]
    assert len(texts) == len(chats)
    assert all("la saison des pluies" in text and "retiré" not in text for text in texts)
