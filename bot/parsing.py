"""Reading what readers type after a command. Pure functions: text in, values (or None) out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from content.text import fold
from content.topics import Topic, TopicCatalog

_CLOCK = re.compile(r"^(\d{1,2})\s*(?:[h:.]\s*(\d{2})?)?$")
_NAMED_TIMES = {"midi": time(12, 0), "minuit": time(0, 0)}
_ARTICLE_ID = re.compile(r"^(?:n°|no|#)?\s*(\d{1,12})$")
_ALL_WORDS = frozenset({"tout", "tous", "toutes", "all", "*"})
MAX_ARTICLE_ID = 2**53


def parse_clock(text: str) -> time | None:
    """« 7h », « 07h30 », « 7:30 », « 19h », « 7 h 30 », « midi » → a time; None if invalid."""
    cleaned = fold(text.strip())
    if cleaned in _NAMED_TIMES:
        return _NAMED_TIMES[cleaned]
    match = _CLOCK.match(cleaned)
    if not match:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2) or 0)
    if hours > 23 or minutes > 59:
        return None
    return time(hours, minutes)


def parse_article_id(text: str) -> int | None:
    """« 12 », « n°12 », « #12 » → 12; anything else (or an absurd number) → None."""
    match = _ARTICLE_ID.match(text.strip().lower())
    if not match:
        return None
    value = int(match.group(1))
    return value if 0 < value < MAX_ARTICLE_ID else None


def parse_count(text: str, *, default: int, maximum: int) -> int | None:
    """A small positive number such as « /dernieres 8 »; None when it is not one."""
    cleaned = text.strip()
    if not cleaned:
        return default
    if not cleaned.isdigit():
        return None
    return min(max(int(cleaned), 1), maximum)


@dataclass(frozen=True, slots=True)
class TopicChoice:
    """Topics named after /abonner or /desabonner."""

    topics: tuple[Topic, ...]
    everything: bool
    unknown: tuple[str, ...]


def parse_topics(text: str, catalog: TopicCatalog) -> TopicChoice:
    """Read « aes mali », « Burkina Faso, Niger » or « tout ». Multi-word names are matched
    greedily (« burkina faso » is one topic), commas are optional."""
    words = [word for word in re.split(r"[\s,;]+", text.strip()) if word]
    if any(fold(word) in _ALL_WORDS for word in words):
        return TopicChoice(catalog.topics, everything=True, unknown=())
    found: list[Topic] = []
    unknown: list[str] = []
    position = 0
    while position < len(words):
        for end in range(len(words), position, -1):
            topic = catalog.resolve(" ".join(words[position:end]))
            if topic is not None:
                if topic not in found:
                    found.append(topic)
                position = end
                break
        else:
            unknown.append(words[position])
            position += 1
    return TopicChoice(tuple(found), everything=False, unknown=tuple(unknown))


def command_argument(text: str) -> str:
    """The text after « /commande » or « /commande@bot », newlines kept."""
    match = re.match(r"^/\S+[ \t]*\n?", text)
    return text[match.end() :] if match else text


_HASHTAGS_LINE = re.compile(r"^(?:#[\w-]+[\s,]*)+$")
_SUMMARY_LINE = re.compile(r"^r[ée]sum[ée]\s*:\s*(.*)$", re.IGNORECASE)
# Any single "scheme:…" token is meant as a link; the fetcher refuses what is not http(s).
_URL = re.compile(r"^[a-z][a-z0-9+.-]*:\S+$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class AddRequest:
    """What an admin sent with /ajouter, options separated from the article."""

    text: str
    url: str | None
    tags: tuple[str, ...]
    summary: str | None


def parse_add_request(text: str) -> AddRequest:
    """Split /ajouter's text into the article (or URL) and the editor's options: a line of
    hashtags (« #aes #russie ») imposes topics, a line « résumé : … » imposes the summary."""
    tags: list[str] = []
    summary: str | None = None
    kept: list[str] = []
    for line in text.split("\n"):
        stripped = line.strip()
        summary_match = _SUMMARY_LINE.match(stripped)
        if stripped and _HASHTAGS_LINE.match(stripped):
            tags += [tag.lower() for tag in re.findall(r"#([\w-]+)", stripped)]
        elif summary_match and summary is None:
            summary = summary_match.group(1).strip() or None
        else:
            kept.append(line)
    article = "\n".join(kept).strip()
    url = article if _URL.match(article) else None
    return AddRequest(article, url, tuple(dict.fromkeys(tags)), summary)
