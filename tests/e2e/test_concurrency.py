"""Five hundred readers at once, over real HTTP: every one answered, no setting lost, no lock error.

The bot handles 16 updates at a time (``concurrent_updates``) on one SQLite file: two commands of
the same reader can run side by side, and every write competes for the single writer. The mix
below is chosen so that the final state does not depend on the order updates are handled in
(subscriptions add up, toggles of different topics commute), so the store can be checked exactly.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from telegram import Update
from telegram.ext import TypeHandler

from bot import callbacks
from bot.context import BotContext
from digests.timezones import resolve_timezone
from fake_bot_api import FakeChat, FakeUser, LocalBotApi
from tests.support.factories import FakeClock
from tests.support.harness import BotHarness, bot_config

READERS = 500
GROUPS = 10
STORM_SECONDS = 90.0
"""Deadline for the whole storm to be handled (a failure prints what the server received)."""
_AFTER_HARNESS = 10**6 + 1


@dataclass
class Expected:
    """What a chat asked for, whatever the order its updates were handled in."""

    commands: list[str]
    topics: frozenset[str] = frozenset()
    all_topics: bool = False
    delivery_time: time = time(7, 0)
    timezone: str = "Africa/Bamako"
    exists: bool = True
    presses: list[str] = field(default_factory=list)
    """Buttons pressed on the /abonner keyboard, in a second wave."""


def plan_for(index: int) -> Expected:
    """Six kinds of readers, in turn; most send two writes that race each other."""
    kind = index % 6
    if kind == 0:
        return Expected(
            ["/abonner mali niger", "/heure 8h30"],
            topics=frozenset({"mali", "niger"}),
            delivery_time=time(8, 30),
        )
    if kind == 1:
        return Expected(["/abonner tout", "/fuseau Paris"], all_topics=True, timezone=zone("Paris"))
    if kind == 2:
        toggles = [callbacks.Toggle("aes"), callbacks.Toggle("russie")]
        return Expected(
            ["/abonner"],
            topics=frozenset({"aes", "russie"}),
            presses=[callbacks.encode(toggle) for toggle in toggles],
        )
    if kind == 3:
        return Expected(
            ["/abonner burkina", "/abonner russie"], topics=frozenset({"burkina", "russie"})
        )
    if kind == 4:
        reading = ("/statut", "/mali", "/recherche Goïta")[index // 6 % 3]
        return Expected([reading], exists=False)
    return Expected(
        ["/fuseau Niamey", "/heure 6h"], delivery_time=time(6, 0), timezone=zone("Niamey")
    )


def zone(name: str) -> str:
    resolved = resolve_timezone(name)
    assert resolved is not None
    return resolved


class Tracker:
    """Records every update the bot finished handling (after all of its handlers ran)."""

    def __init__(self) -> None:
        self.messages: set[tuple[int, int]] = set()
        self.callbacks: set[str] = set()

    async def __call__(self, update: Update, context: BotContext) -> None:
        if update.message is not None:
            self.messages.add((update.message.chat.id, update.message.message_id))
        if update.callback_query is not None:
            self.callbacks.add(update.callback_query.id)


@pytest.fixture
async def busy_bot(
    api: LocalBotApi, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[tuple[BotHarness, Tracker]]:
    """The real bot with its real rate limiter, set fast enough for a storm on loopback.

    The clock stands at 02:00 UTC, far from every delivery time asked below, so no digest
    interferes with the count of replies.
    """
    clock.set(datetime(2025, 6, 23, 2, 0, tzinfo=UTC))
    config = bot_config(api, tmp_path / "storm.db")
    config = replace(config, telegram=replace(config.telegram, rate_limit_per_second=2_000.0))
    harness = BotHarness(api, config, clock)
    await harness.start()
    tracker = Tracker()
    assert harness.application is not None
    harness.application.add_handler(TypeHandler(Update, tracker), group=_AFTER_HARNESS)
    yield harness, tracker
    await harness.stop()


@dataclass
class Storm:
    """Everything pushed at the bot, to compare with what came back."""

    readers: dict[FakeUser, Expected]
    groups: list[tuple[FakeChat, FakeUser]]
    pushed: Counter[int] = field(default_factory=Counter)
    messages: set[tuple[int, int]] = field(default_factory=set)
    callbacks: set[str] = field(default_factory=set)

    def push(
        self, api: LocalBotApi, user: FakeUser, text: str, chat: FakeChat | None = None
    ) -> None:
        chat_id = chat.id if chat else user.id
        self.messages.add((chat_id, api.push_message(user, text, chat=chat)))
        self.pushed[chat_id] += 1

    def handled(self, tracker: Tracker) -> bool:
        return self.messages <= tracker.messages and self.callbacks <= tracker.callbacks


def first_wave(api: LocalBotApi) -> Storm:
    """Every reader's commands, interleaved, pushed at once; in groups, an admin subscribes
    while a member who is no admin tries to change the hour."""
    readers = {FakeUser(100_000 + i, f"Lecteur {i}"): plan_for(i) for i in range(READERS)}
    groups = [
        (api.new_group(f"Groupe {i}"), FakeUser(900_000 + i, f"Admin {i}")) for i in range(GROUPS)
    ]
    storm = Storm(readers, groups)
    for round_number in range(max(len(plan.commands) for plan in readers.values())):
        for user, plan in readers.items():
            if round_number < len(plan.commands):
                storm.push(api, user, plan.commands[round_number])
    member = FakeUser(999_999, "Membre")
    for group, admin in groups:
        api.set_chat_admins(group.id, [admin.id])
        storm.push(api, admin, "/abonner@sahel_digest_bot mali", group)
        storm.push(api, member, "/heure@sahel_digest_bot 9h", group)
    return storm


def second_wave(api: LocalBotApi, storm: Storm) -> None:
    """Buttons pressed on the keyboards just received, each reader searching meanwhile."""
    for user, plan in storm.readers.items():
        if plan.presses:
            [keyboard] = [m for m in api.sent_messages(user.id) if m.buttons()]
            for data in plan.presses:
                storm.callbacks.add(api.push_callback(user, keyboard.message_id, data))
            storm.push(api, user, "/recherche wagner")


async def assert_store_matches(bot: BotHarness, storm: Storm) -> None:
    subscriptions = bot.services.subscriptions
    for user, plan in storm.readers.items():
        subscriber = await subscriptions.subscriber(user.id)
        if not plan.exists:
            assert subscriber is None, user
            continue
        assert subscriber is not None, user
        state = (
            frozenset(subscriber.topics),
            subscriber.all_topics,
            subscriber.delivery_time,
            subscriber.timezone,
        )
        assert state == (plan.topics, plan.all_topics, plan.delivery_time, plan.timezone), user
    for group, _admin in storm.groups:
        subscriber = await subscriptions.subscriber(group.id)
        assert subscriber is not None and subscriber.topics == ("mali",)
        assert subscriber.delivery_time == time(7, 0)  # the member's /heure was refused
    counts = await subscriptions.counts()
    subscribed = sum(1 for plan in storm.readers.values() if plan.topics or plan.all_topics)
    assert counts.active == subscribed + GROUPS


async def test_five_hundred_readers_at_once_lose_nothing(
    busy_bot: tuple[BotHarness, Tracker], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    bot, tracker = busy_bot
    api = bot.api
    storm = first_wave(api)
    await api.wait_for(lambda _: storm.handled(tracker), STORM_SECONDS, what="the first wave")
    second_wave(api, storm)
    await api.wait_for(lambda _: storm.handled(tracker), STORM_SECONDS, what="the second wave")
    assert len(storm.messages) + len(storm.callbacks) > 1_000

    # Every message got exactly one reply, every button press an answer.
    assert Counter(message.chat_id for message in api.sent_messages()) == storm.pushed
    assert [query for query in storm.callbacks if api.callback_answer(query) is None] == []
    # Nothing failed, nothing waited on a lock.
    assert "database is locked" not in caplog.text
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    await assert_store_matches(bot, storm)
