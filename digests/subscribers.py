"""Subscribers: the records, and the pure rules that change their topics.

A subscriber is a Telegram chat (private or group) with its digest settings. The store
(``digests.stores.SubscriberStore``) only persists what these functions decide, so every backend
applies the same rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, time

from digests.schedule import DeliverySchedule


@dataclass(frozen=True, slots=True)
class Subscriber:
    """A Telegram chat (private or group) and its digest settings."""

    id: int
    chat_id: int
    chat_type: str
    active: bool
    inactive_reason: str | None
    all_topics: bool
    topics: tuple[str, ...]
    """Sorted topic keys (empty for an all-topics subscriber who never picked one)."""
    delivery_time: time
    timezone: str
    subscribed_since: datetime | None
    digest_watermark: int | None

    @property
    def subscribed(self) -> bool:
        return self.all_topics or bool(self.topics)

    def topic_keys(self, catalog_keys: Iterable[str]) -> tuple[str, ...]:
        """The subscribed topics in catalog order (all of them for an all-topics subscriber)."""
        chosen = set(self.topics)
        return tuple(key for key in catalog_keys if self.all_topics or key in chosen)

    @property
    def schedule(self) -> DeliverySchedule:
        return DeliverySchedule(self.id, self.delivery_time, self.timezone, self.subscribed_since)


@dataclass(frozen=True, slots=True)
class NewChat:
    """What a chat's row starts with when a reader first changes a setting."""

    chat_type: str
    delivery_time: time
    timezone: str


@dataclass(frozen=True, slots=True)
class NewSubscriber:
    """A chat stored with all its settings at once (bulk imports: benchmarks, tests, copies)."""

    chat_id: int
    chat_type: str
    delivery_time: time
    timezone: str
    topics: tuple[str, ...] = ()
    all_topics: bool = False
    subscribed_since: datetime | None = None
    digest_watermark: int | None = None


@dataclass(frozen=True, slots=True)
class SubscriberCounts:
    active: int
    inactive: int
    known_chats: int


def with_topics(
    subscriber: Subscriber, topics: Iterable[str], *, all_topics: bool, now: datetime
) -> Subscriber:
    """``subscriber`` following ``topics``. Starting a subscription stamps ``subscribed_since``:
    a digest whose hour passed before that instant is not owed."""
    chosen = tuple(sorted(set(topics)))
    starting = not subscriber.subscribed and (all_topics or bool(chosen))
    since = now if starting else subscriber.subscribed_since
    return replace(subscriber, topics=chosen, all_topics=all_topics, subscribed_since=since)


def adding(subscriber: Subscriber, topics: tuple[str, ...] | None, now: datetime) -> Subscriber:
    """/abonner: add ``topics`` to the subscription, or subscribe to every topic (None)."""
    chosen = set(subscriber.topics) | set(topics or ())
    every = topics is None or subscriber.all_topics
    return with_topics(subscriber, chosen, all_topics=every, now=now)


def choosing(subscriber: Subscriber, topics: tuple[str, ...], now: datetime) -> Subscriber:
    """/abonner tout sauf russie: exactly ``topics``, whatever was followed before (a reader who
    says « everything but Russia » does not want Russia kept from an earlier choice)."""
    return with_topics(subscriber, topics, all_topics=False, now=now)


def removing(
    subscriber: Subscriber,
    topics: tuple[str, ...] | None,
    catalog_keys: tuple[str, ...],
    now: datetime,
) -> Subscriber:
    """/desabonner: remove ``topics`` (None: all). An all-topics subscriber keeps the others."""
    remaining = set() if topics is None else set(subscriber.topic_keys(catalog_keys)) - set(topics)
    return with_topics(subscriber, remaining, all_topics=False, now=now)


def toggling(
    subscriber: Subscriber, topic: str, catalog_keys: tuple[str, ...], now: datetime
) -> Subscriber:
    """One topic on or off (the /abonner keyboard); every topic ticked means all topics."""
    chosen = set(subscriber.topic_keys(catalog_keys)) ^ {topic}
    every = set(catalog_keys) <= chosen
    return with_topics(subscriber, chosen, all_topics=every, now=now)


def toggling_all(
    subscriber: Subscriber, catalog_keys: tuple[str, ...], now: datetime
) -> Subscriber:
    """The keyboard's « Tous les sujets / Aucun sujet » button: all off when every topic is
    ticked, otherwise all on."""
    if set(catalog_keys) <= set(subscriber.topic_keys(catalog_keys)):
        return removing(subscriber, None, catalog_keys, now)
    return adding(subscriber, None, now)
