"""``python -m bot ingest PATH_OR_URL...``: add articles from files, folders and web pages.

Each article added prints on stdout; each file or page that cannot be one (binary, unreadable,
a link leaving its folder, a refused address…) gets one warning line on stderr as it comes, and
the command ends with the count, by reason, as its error line. A path that does not exist (or
an empty one) stops the command before anything is read or stored: it is a typo, and the rest of
a batch with a typo in it is better added once the typo is fixed.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.cli_common import CommandError, printable
from bot.services import Services
from content.ingestion import draft_from_url, drafts_from_path
from content.models import AddedArticle, ArticleDraft
from content.rejections import ContentRejected


@dataclass
class IngestTally:
    """What became of the files and pages of one ``ingest``."""

    added: int = 0
    duplicates: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    """Reason (« binary », « unreadable »…) → how many files or pages."""

    def problem(self, noun: str) -> str | None:
        """The closing error line, or None when every file or page became an article."""
        count = sum(self.skipped.values())
        if not count:
            return None
        total = count + self.added + self.duplicates
        reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(self.skipped.items()))
        return f"skipped {count} of {total} {noun}: {reasons}"


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def check_sources(sources: Sequence[str]) -> None:
    """Refuse an empty path or one that does not exist, before anything is read or stored."""
    for source in sources:
        if is_url(source) or os.path.lexists(source):
            continue
        if not source.strip():
            raise CommandError("ingest: an empty path was given")
        raise CommandError(f"no such file or folder: {printable(source)}")


async def ingest(services: Services, sources: Sequence[str]) -> IngestTally:
    """Add every source, printing each outcome as it comes."""
    tally = IngestTally()
    for source in sources:
        for label, draft, problem in await _drafts(services, source):
            if problem is not None:
                tally.skipped[problem.reason.value.replace("_", " ")] += 1
                print(printable(f"warning: skipped {label}: {problem}"), file=sys.stderr)
                continue
            assert draft is not None
            added = await services.library.add(draft, added_by="cli")
            if added.duplicate:
                tally.duplicates += 1
            else:
                tally.added += 1
            _print_added(printable(label), added)
    return tally


async def _drafts(
    services: Services, source: str
) -> list[tuple[str, ArticleDraft | None, ContentRejected | None]]:
    if is_url(source):
        try:
            return [(source, await draft_from_url(source, services.fetcher), None)]
        except ContentRejected as rejected:
            return [(source, None, rejected)]
    try:
        outcomes = drafts_from_path(Path(source))
    except ContentRejected as rejected:
        return [(source, None, rejected)]
    return [(str(o.path), o.draft, o.rejection) for o in outcomes]


def _print_added(label: str, added: AddedArticle) -> None:
    article = added.article
    if added.duplicate:
        print(f"DUPLICATE {label}: already stored as article {article.id} ({article.title})")
        return
    topics = ", ".join(f"{m.key}({m.count})" for m in article.topics) or "none"
    print(f"ADDED {article.id}: {article.title}")
    print(f"  topics: {topics}")
    print(f"  summary: {article.summary}")
