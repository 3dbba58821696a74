"""From a draft to a prepared article: summary, topics and fingerprint. Pure: data in, data out."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from content.models import ArticleDraft, PreparedArticle, TopicMention
from content.summarizer import DEFAULT_MAX_WORDS, DEFAULT_MIN_WORDS, summarize
from content.tagger import Tagger
from content.text import fold, words
from content.topics import TopicCatalog


@dataclass(frozen=True, slots=True)
class SummaryBudget:
    min_words: int = DEFAULT_MIN_WORDS
    max_words: int = DEFAULT_MAX_WORDS


def fingerprint(title: str, body: str) -> str:
    """Identify an article by its words, so the same text pasted twice (with other spacing,
    apostrophes, accents or punctuation) is recognised as one article."""
    canonical = " ".join(words(fold(f"{title}\n{body}")))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class ArticlePipeline:
    """Summarises, tags and fingerprints drafts for one topic catalog and summary budget.

    Built once (the tagger indexes every topic phrase when it is made), then used for every
    article: the library, the ``summarize`` command and the benchmarks share it.
    """

    __slots__ = ("_tagger", "budget", "catalog")

    def __init__(self, catalog: TopicCatalog, budget: SummaryBudget | None = None) -> None:
        self.catalog = catalog
        self.budget = budget or SummaryBudget()
        self._tagger = Tagger(catalog)

    def prepare(
        self,
        draft: ArticleDraft,
        *,
        summary: str | None = None,
        topic_keys: tuple[str, ...] | None = None,
        extra_topics: tuple[str, ...] = (),
    ) -> PreparedArticle:
        """Summarise and tag ``draft``; an editor's ``summary`` or ``topic_keys`` win over ours,
        and ``extra_topics`` (a feed's own topic) are added to what the tagger found."""
        found = self._tagger.tag(draft.title, draft.body)
        if extra_topics:
            known = {mention.key for mention in found}
            found = found + tuple(TopicMention(key, 1) for key in extra_topics if key not in known)
        if topic_keys is not None:
            counts = {mention.key: mention.count for mention in found}
            topics = tuple(TopicMention(key, max(counts.get(key, 0), 1)) for key in topic_keys)
        else:
            topics = found
        if summary is None:
            summary = summarize(
                draft.title,
                draft.body,
                min_words=self.budget.min_words,
                max_words=self.budget.max_words,
            )
        return PreparedArticle(
            draft=draft,
            summary=summary,
            topics=topics,
            fingerprint=fingerprint(draft.title, draft.body),
        )
