"""Which articles a digest covers: what is new on each of the reader's topics.

One function for every digest: the scheduled one, ``/digest`` and ``digest --preview`` all select
here, so what a reader asks for, what an operator previews and what the scheduler sends agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from content.library import Library
from digests.compose import TopicArticles

FIRST_DIGEST_WINDOW = timedelta(hours=24)
"""A reader's first digest (no watermark yet) covers what was added in the last day."""


@dataclass(frozen=True, slots=True)
class Selection:
    """What a digest covers: its sections and the watermark it moves the reader to."""

    sections: tuple[TopicArticles, ...]
    watermark: int


async def select_articles(
    library: Library,
    topic_keys: Sequence[str],
    *,
    watermark: int | None,
    now: datetime,
    max_per_topic: int,
    window: timedelta = FIRST_DIGEST_WINDOW,
    as_of: datetime | None = None,
) -> Selection:
    """The candidate articles of a digest: newer than the reader's watermark, or without one,
    added within ``window`` before ``now``. More than a digest shows is fine: composition picks.

    ``as_of`` leaves out articles added after that moment: the digest of another day as the
    scheduler would have composed it then (``now`` is that moment too)."""
    since = now - window if watermark is None else None
    wanted = max_per_topic * max(len(topic_keys), 1)
    candidates = await library.candidates(
        topic_keys,
        after_id=watermark or 0,
        added_since=since,
        per_topic=wanted,
        added_until=as_of,
    )
    unique_ids = sorted({i for ids in candidates.ids_by_topic.values() for i in ids})
    found = {article.id: article for article in await library.get_many(unique_ids)}
    sections = tuple(
        TopicArticles(key, [found[i] for i in ids if i in found])
        for key, ids in candidates.ids_by_topic.items()
    )
    return Selection(sections, candidates.newest_id)
