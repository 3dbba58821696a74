"""Run the topic tagger over the OrangeSum corpus: tags per topic, trap words, samples, speed.

Precision cannot be scored automatically (the corpus has no topic labels), so this prints what a
person needs to judge it: random titles per topic, and for each trap word (« Nigeria » for Niger,
« Air France » for France, ...) how many articles contain it and how many got the topic *because
of it*, i.e. lose the topic once the trap word is blanked out. The same count for a plain tagger
(no negatives, ambiguous words counted like aliases) shows what the topic file's rules buy.

    python -m bench.tagger_check [--quick] [--samples N] [--seed S]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._results import record
from bench.corpus import read_articles
from content.tagger import Tagger
from content.text import normalize_text, word_count
from content.topics import TopicCatalog, load_topics

QUICK_ARTICLES = 2_000
TARGET_US_PER_ARTICLE = 1_000

TRAPS: tuple[tuple[str, str, str], ...] = (
    # (label, pattern found in the text, topic it must not cause)
    ("Nigeria", r"\bNigeria\b", "niger"),
    ("nigérian·e·s", r"\b[Nn]igérian\w*", "niger"),
    ("fleuve Niger", r"\bfleuve Niger\b", "niger"),
    ("delta du Niger", r"\bdelta du Niger\b", "niger"),
    ("Somalie", r"\bSomalie\b", "mali"),
    ("Christophe Mali (Tryo)", r"\bChristophe Mali\b", "mali"),
    ("malien·ne·s (demonym)", r"\b[Mm]alien(?:ne)?s?\b", "mali"),
    ("burkinabè·s (demonym)", r"\b[Bb]urkinab[èée]s?\b", "burkina"),
    ("Abd Al Malik", r"\bAbd [Aa]l[- ]Malik\b", "mali"),
    ("Adama Traoré", r"\b(?:Adama|Assa) Traoré\b", "burkina"),
    ("lac Tchad", r"\blac Tchad\b", "tchad"),
    ("Étoile du Sahel", r"\bÉtoile (?:sportive )?du Sahel\b", "sahel"),
    ("poutine (dish)", r"\bpoutine\b", "russie"),
    ("Kremlin-Bicêtre", r"\bKremlin-Bicêtre\b", "russie"),
    ("en russe", r"\ben russe\b", "russie"),
    ("russe·s (adjective)", r"\b[Rr]usses?\b", "russie"),
    ("Wagner, alone", r"(?<!groupe )(?<!mercenaires )\bWagner\b", "wagner"),
    ("AFP / France-Presse", r"\bAFP\b|\bFrance-Presse\b", "france"),
    ("France 24 / RFI", r"\bFrance ?24\b|\bRFI\b|\bRadio France\b", "france"),
    ("France Télévisions/Inter/Info", r"\bFrance (?:Télévisions|Inter|Info|[235])\b", "france"),
    ("Air France", r"\bAir France\b", "france"),
    ("Île-de-France", r"\bÎle-de-France\b", "france"),
    ("équipe/Coupe/Tour de France", r"\b(?:équipe|Coupe|Tour|Stade) de France\b", "france"),
    ("EI lowercase", r"\bei\b", "jihadisme"),
)


@dataclass(frozen=True, slots=True)
class CorpusArticle:
    title: str
    body: str


def read_corpus(quick: bool, limit: int | None) -> Iterator[CorpusArticle]:
    for row in read_articles("train", quick=quick, limit=limit):
        yield CorpusArticle(normalize_text(row["title"]), normalize_text(row["article"]))


def tag_all(catalog: TopicCatalog, articles: list[CorpusArticle]) -> tuple[list[set[str]], float]:
    tagger = Tagger(catalog)  # built once, as the product does, outside the timed loop
    started = time.perf_counter()
    tags = [
        {mention.key for mention in tagger.tag(article.title, article.body)} for article in articles
    ]
    return tags, time.perf_counter() - started


def plain_catalog(catalog: TopicCatalog) -> TopicCatalog:
    """The same topics without negatives, ambiguous words promoted to aliases."""
    return TopicCatalog(
        replace(topic, aliases=topic.aliases + topic.ambiguous, ambiguous=(), negatives=())
        for topic in catalog
    )


def trap_figures(
    catalog: TopicCatalog, articles: list[CorpusArticle], tags: list[set[str]]
) -> dict[str, dict[str, int]]:
    """Count articles with each trap, tagged anyway, and tagged only because of the trap."""
    plain = plain_catalog(catalog)
    figures = {}
    for label, pattern, key in TRAPS:
        trap = re.compile(pattern)
        with_trap = [i for i, article in enumerate(articles) if _has(trap, article)]
        tagged = [i for i in with_trap if key in tags[i]]
        figures[label] = {
            "articles": len(with_trap),
            "tagged": len(tagged),
            "caused_by_trap": _caused_by(catalog, [articles[i] for i in tagged], trap, key),
            "plain_tagger_caused_by_trap": _caused_by(
                plain, [articles[i] for i in with_trap], trap, key
            ),
        }
    return figures


def _caused_by(
    catalog: TopicCatalog, articles: list[CorpusArticle], trap: re.Pattern[str], key: str
) -> int:
    """Count the articles tagged ``key`` that lose the tag once the trap word is blanked out."""
    tagger = Tagger(catalog)
    return sum(
        key in _tags(tagger, article.title, article.body)
        and key not in _tags(tagger, trap.sub("…", article.title), trap.sub("…", article.body))
        for article in articles
    )


def _tags(tagger: Tagger, title: str, body: str) -> set[str]:
    return {mention.key for mention in tagger.tag(title, body)}


def _has(trap: re.Pattern[str], article: CorpusArticle) -> bool:
    return bool(trap.search(article.title) or trap.search(article.body))


def print_samples(
    catalog: TopicCatalog,
    articles: list[CorpusArticle],
    tags: list[set[str]],
    per_topic: int,
    rng: random.Random,
) -> None:
    tagger = Tagger(catalog)
    for topic in catalog:
        tagged = [i for i, keys in enumerate(tags) if topic.key in keys]
        print(f"\n== {topic.key}: {len(tagged)} articles; sample of {min(per_topic, len(tagged))}")
        for i in sorted(rng.sample(tagged, min(per_topic, len(tagged)))):
            mentions = tagger.tag(articles[i].title, articles[i].body)
            count = next(m.count for m in mentions if m.key == topic.key)
            print(f"  [{count:>2}] {articles[i].title[:110]}")


@dataclass(frozen=True, slots=True)
class Figures:
    articles: int
    mean_words: float
    seconds: float
    per_topic: dict[str, int]
    untagged: int
    traps: dict[str, dict[str, int]]

    @property
    def us_per_article(self) -> float:
        return self.seconds / self.articles * 1e6


def measure(catalog: TopicCatalog, articles: list[CorpusArticle]) -> tuple[Figures, list[set[str]]]:
    tags, seconds = tag_all(catalog, articles)
    figures = Figures(
        articles=len(articles),
        mean_words=sum(word_count(a.body) for a in articles) / len(articles),
        seconds=seconds,
        per_topic={topic.key: sum(topic.key in keys for keys in tags) for topic in catalog},
        untagged=sum(not keys for keys in tags),
        traps=trap_figures(catalog, articles, tags),
    )
    return figures, tags


def print_figures(figures: Figures) -> None:
    print(f"articles: {figures.articles}, mean body {figures.mean_words:.0f} words")
    print(
        f"speed: {figures.articles / figures.seconds:,.0f} articles/s, "
        f"{figures.us_per_article:.0f} µs/article "
        f"(target: < {TARGET_US_PER_ARTICLE} µs/article on one core)"
    )
    print(f"untagged articles: {figures.untagged}")
    print("\ntagged articles per topic:")
    for key, count in figures.per_topic.items():
        print(f"  {key:<10} {count:>6}")
    print(
        "\ntrap words: articles containing it / tagged with the topic / tagged because of it"
        " / tagged because of it by a plain tagger"
    )
    for (label, _, key), row in zip(TRAPS, figures.traps.values(), strict=True):
        counts = (row["articles"], row["tagged"], row["caused_by_trap"])
        plain = row["plain_tagger_caused_by_trap"]
        print(f"  {label:<30} -> {key:<9} " + " ".join(f"{n:>5}" for n in (*counts, plain)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"first {QUICK_ARTICLES} articles")
    parser.add_argument("--samples", type=int, default=5, help="titles printed per topic")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    catalog = load_topics()
    articles = list(read_corpus(args.quick, QUICK_ARTICLES if args.quick else None))
    figures, tags = measure(catalog, articles)
    print_figures(figures)
    print_samples(catalog, articles, tags, args.samples, random.Random(args.seed))
    record(
        "tagger_check",
        {
            "articles": figures.articles,
            "mean_words": round(figures.mean_words),
            "articles_per_s": round(figures.articles / figures.seconds),
            "us_per_article": round(figures.us_per_article),
            "target_us_per_article": TARGET_US_PER_ARTICLE,
            "tagged_per_topic": figures.per_topic,
            "untagged": figures.untagged,
            "traps": figures.traps,
        },
        quick=args.quick,
    )


if __name__ == "__main__":
    main()
