"""/digest and ``digest --preview`` agree with the scheduler, and neither touches the ledger.

Before: /digest after the daily digest went out answered « Rien de neuf » (the watermark had
moved past what the reader had just received), and ``digest --preview --date D`` selected the
articles of the last day *before now*, whatever D, so an old date showed today's articles.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from app.config import Config
from app.services import open_services
from app.terminal import html_to_terminal
from content.models import ArticleDraft
from storage.settings import DatabaseSettings
from tests.support.factories import FakeClock, readers, seed_subscribers
from tests.support.harness import READER, BotHarness
from tests.support.observing import DIGEST_MARK, database_snapshot
from tests.support.processes import run_cli

pytestmark = pytest.mark.both_backends

DAY = date(2025, 6, 23)
DELIVERY = datetime(2025, 6, 23, 7, 0, tzinfo=UTC)  # 07:00 in Bamako (UTC+0), the default


class Recorder:
    """The scheduler's sender: keeps what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []

    async def send_html(self, chat_id: int, html: str) -> None:
        self.sent.append((chat_id, html))


def draft(title: str) -> ArticleDraft:
    """An article of its own event: the same text under several titles would be one story."""
    facts = " ".join(f"{word.lower()}{index}" for index, word in enumerate(title.split() * 4))
    body = (
        f"{title}. Les autorités de Bamako ont annoncé la mesure mardi : {facts}. "
        "Le Mali, membre de l'AES, veut renforcer sa sécurité. Les partenaires suivent."
    )
    return ArticleDraft(title=title, body=body)


async def test_preview_of_a_day_is_what_the_scheduler_sent_that_day(tmp_path: Path) -> None:
    database = tmp_path / "store.db"
    clock = FakeClock(DELIVERY - timedelta(days=2))
    recorder = Recorder()
    config = Config(database=DatabaseSettings(path=database))
    async with open_services(config, recorder, clock, load_seed=False) as services:
        await services.library.add(draft("Trop ancien pour la revue"), added_by="t")
        clock.set(DELIVERY - timedelta(hours=20))
        await services.library.add(draft("Mali : la veille au matin"), added_by="t")
        clock.set(DELIVERY - timedelta(hours=2))
        await services.library.add(draft("Mali : avant l'heure"), added_by="t")
    await seed_subscribers(
        database, readers([4242], all_topics=True, since=DELIVERY - timedelta(days=30))
    )
    clock.set(DELIVERY + timedelta(minutes=1))
    async with open_services(config, recorder, clock, load_seed=False) as services:
        report = await services.digests.tick()
        clock.set(DELIVERY + timedelta(hours=3))
        await services.library.add(draft("Mali : après l'heure, pour demain"), added_by="t")
    assert report.delivery.sent == 1
    scheduled = [html_to_terminal(html, color=False) for _chat, html in recorder.sent]
    assert "avant l" in scheduled[0] and "la veille" in scheduled[0]
    (tmp_path / "config.toml").write_text('[database]\npath = "store.db"\n', encoding="utf-8")
    result = run_cli("digest", "--preview", "--date", DAY.isoformat(), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ("\n\n" + "-" * 40 + "\n\n").join(scheduled).strip()


async def test_preview_of_a_day_without_news_says_nothing_would_be_sent(tmp_path: Path) -> None:
    config = Config(database=DatabaseSettings(path=tmp_path / "store.db"))
    async with open_services(config, Recorder(), FakeClock(DELIVERY), load_seed=False):
        pass
    (tmp_path / "config.toml").write_text('[database]\npath = "store.db"\n', encoding="utf-8")
    result = run_cli("digest", "--preview", "--date", "2020-01-01", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "nothing would be sent on 2020-01-01: no new article on these topics"
    )


async def test_digest_on_demand_after_the_daily_one_repeats_it_and_writes_nothing(
    bot: BotHarness, clock: FakeClock
) -> None:
    await bot.send(READER, "/abonner mali")
    await bot.send(READER, "/heure 7h")
    clock.set(DELIVERY + timedelta(minutes=1))
    await bot.services.digests.tick()
    [scheduled] = [m for m in bot.api.sent_messages(READER.id) if DIGEST_MARK in m.text]
    assert "Assimi Goïta" in scheduled.text
    ledger = await database_snapshot(bot.config.database)
    first = await bot.send(READER, "/digest")
    second = await bot.send(READER, "/digest")
    assert first.texts == [scheduled.text]
    assert second.texts == [scheduled.text]
    assert await database_snapshot(bot.config.database) == ledger


def test_delivery_moment_is_the_default_hour_in_the_default_zone() -> None:
    from digests.schedule import delivery_moment

    assert delivery_moment(DAY, time(7, 0), "Africa/Bamako") == DELIVERY
    assert delivery_moment(DAY, time(7, 0), "Europe/Paris") == DELIVERY - timedelta(hours=2)
