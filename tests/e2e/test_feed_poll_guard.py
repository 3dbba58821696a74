"""A feed whose polling raises something unexpected (a bug, a refused write) does not end the
round: the others are polled, and the faulty one is recorded as failing and backs off."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import Config
from app.services import open_services
from feeds.poller import FeedPoller, PollOutcome
from feeds.settings import FeedSettings
from storage.settings import DatabaseSettings
from tests.e2e.feed_polling_support import rss
from tests.support.feed_server import FeedServer, Response


class NoSending:
    async def send_html(self, chat_id: int, html: str) -> None:
        raise AssertionError("feeds send nothing")


async def test_an_unexpected_error_in_one_feed_does_not_stop_the_round(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = Config(
        database=DatabaseSettings(path=tmp_path / "store.db"),
        feeds=FeedSettings(load_sources=False, allow_private_hosts=True),
    )
    async with FeedServer() as server, open_services(config, NoSending()) as services:
        server.route("/good.xml", Response(body=rss([], title="Bonne source")))
        server.route("/bad.xml", Response(body=rss([], title="Source piégée")))
        good = (await services.feeds.add(server.url("/good.xml"), added_by="test")).feed
        bad = (await services.feeds.add(server.url("/bad.xml"), added_by="test")).feed
        original = FeedPoller.poll

        async def poll_with_a_bug(self: FeedPoller, feed):  # type: ignore[no-untyped-def]
            if feed.id == bad.id:
                raise KeyError("a bug")
            return await original(self, feed)

        monkeypatch.setattr(FeedPoller, "poll", poll_with_a_bug)
        done = await services.feeds.poller.poll_due()

        outcomes = {result.feed.id: result.outcome for result in done.results}
        assert outcomes == {good.id: PollOutcome.FETCHED, bad.id: PollOutcome.FAILED}
        stored = await services.feeds.get(bad.id)
        assert stored is not None
        assert stored.state.errors_in_row == 1
        assert stored.state.last_error == "unexpected error: KeyError"
        assert stored.next_poll_at > services.clock()
