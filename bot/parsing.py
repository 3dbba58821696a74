"""Reading what readers type after a command. Pure functions: text in, values (or None) out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from content.text import fold
from content.topics import Topic, TopicCatalog

_CLOCK = re.compile(r"^(?:a\s+)?([0-9]{1,2})\s*(?:(?:h|heures?|[:.])\s*([0-9]{2})?)?$")
_NAMED_TIMES = {"midi": time(12, 0), "minuit": time(0, 0)}
_ARTICLE_ID = re.compile(r"^(?:n°|no|#)?\s*(\d{1,12})$")
_ALL_WORDS = frozenset({"tout", "tous", "toutes", "all", "*"})
_BUT_WORDS = frozenset({"sauf", "excepte", "hormis", "moins"})
_SMALL_WORDS = frozenset(
    {"et", "ou", "&", "+", "/", "-", "le", "la", "les", "l", "de", "du", "des", "d", "sujet"}
    | {"sujets", "a", "au", "aux", "avec", "puis"}
)
"""Words readers put between topics (« l’AES et le Mali »): neither topics nor unknown."""
_LONGEST_NAME = 12
"""Words a topic's name may span: bounds the greedy match, which a 4,096-character message of
single words would otherwise make quadratic."""
_ELISION = re.compile(r"^[ldLD]['’](.+)$")
MAX_ARTICLE_ID = 2**53


def _clock_parts(text: str) -> tuple[int, int] | None:
    """Hours and minutes as typed, in range or not; None when it is not a clock at all."""
    cleaned = " ".join(fold(text).split())
    if cleaned in _NAMED_TIMES:
        named = _NAMED_TIMES[cleaned]
        return named.hour, named.minute
    match = _CLOCK.match(cleaned)
    if not match:
        return None
    return int(match.group(1)), int(match.group(2) or 0)


def parse_clock(text: str) -> time | None:
    """« 7h », « 07h30 », « 7:30 », « 19h », « 7 h 30 », « 7 heures », « à 6h », « midi » → a
    time; None if invalid."""
    parts = _clock_parts(text)
    if parts is None or parts[0] > 23 or parts[1] > 59:
        return None
    return time(*parts)


def clock_out_of_range(text: str) -> bool:
    """« 25h », « 7h60 », « 24:00 »: written as a clock, but no such time of day. Readers are
    told that rather than that they were not understood."""
    parts = _clock_parts(text)
    return parts is not None and (parts[0] > 23 or parts[1] > 59)


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
    # ASCII digits only: « ² » passes str.isdigit() and int() refuses it.
    if not re.fullmatch(r"[0-9]+", cleaned):
        return None
    if len(cleaned) > len(str(maximum)):
        return maximum if cleaned.strip("0") else None
    value = int(cleaned)
    return min(value, maximum) if value > 0 else None


@dataclass(frozen=True, slots=True)
class TopicChoice:
    """Topics named after /abonner or /desabonner."""

    topics: tuple[Topic, ...]
    everything: bool
    """« tout » with no exception: every topic, including those added later."""
    unknown: tuple[str, ...]
    exact: bool = False
    """« … sauf … »: ``topics`` is the whole wish, not topics to add to the current ones."""


def parse_topics(text: str, catalog: TopicCatalog) -> TopicChoice:
    """Read « aes mali », « Burkina Faso, Niger », « tout » or « tout sauf russie et mali ».

    Multi-word names are matched greedily (« burkina faso » is one topic); commas, « et », « ou »
    and articles between names are optional. Words after « sauf » are taken out of what comes
    before it (all topics when nothing does): the result is then an explicit list of topics, so
    /abonner and /desabonner read it the same way.
    """
    words = [word for word in re.split(r"[\s,;]+", text.strip()) if word]
    cut = next((i for i, word in enumerate(words) if fold(word) in _BUT_WORDS), None)
    wanted, but = (words, []) if cut is None else (words[:cut], words[cut + 1 :])
    kept, unknown = _named(wanted, catalog)
    said_all = any(fold(word) in _ALL_WORDS for word in wanted)
    if cut is None:
        if said_all:
            return TopicChoice(catalog.topics, everything=True, unknown=())
        return TopicChoice(kept, everything=False, unknown=tuple(unknown))
    excluded, unknown_but = _named(but, catalog)
    base = catalog.topics if said_all or not kept else kept
    topics = tuple(topic for topic in base if topic not in excluded) if excluded else ()
    return TopicChoice(topics, everything=False, unknown=(*unknown, *unknown_but), exact=True)


def _named(words: list[str], catalog: TopicCatalog) -> tuple[tuple[Topic, ...], list[str]]:
    """The topics ``words`` name, and the words that are neither topics nor small words."""
    found: list[Topic] = []
    unknown: list[str] = []
    position = 0
    while position < len(words):
        for end in range(min(len(words), position + _LONGEST_NAME), position, -1):
            topic = catalog.resolve(" ".join(words[position:end]))
            elided = _ELISION.match(words[position])
            if topic is None and elided:  # « l’AES », « d’Africa Corps »
                topic = catalog.resolve(" ".join([elided[1], *words[position + 1 : end]]))
            if topic is not None:
                if topic not in found:
                    found.append(topic)
                position = end
                break
        else:
            word = fold(words[position])
            if word not in _SMALL_WORDS and word not in _ALL_WORDS:
                unknown.append(words[position])
            position += 1
    return tuple(found), unknown


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


_BARE_ADDRESS = re.compile(r"^[\w-]+(\.[\w-]+)*\.[a-z]{2,}(/\S*)?$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class SourceRequest:
    """/source_ajouter's text: the address, a topic (« #mali »), words to keep (« +Goïta ») and
    words to leave out (« -football »)."""

    url: str | None
    topic: str | None
    include: tuple[str, ...]
    exclude: tuple[str, ...]


def parse_source_request(text: str) -> SourceRequest:
    """« https://… #mali +Goïta -football »: the first link-like token is the address; the last
    hashtag wins; other words are ignored."""
    url: str | None = None
    topic: str | None = None
    include: list[str] = []
    exclude: list[str] = []
    for token in text.split():
        if token.startswith("#") and len(token) > 1:
            topic = token[1:].lower()
        elif token.startswith("+") and len(token) > 1:
            include.append(token[1:])
        elif token.startswith(("-", "−")) and len(token) > 1:
            exclude.append(token[1:])
        elif url is None and _URL.match(token):
            url = token
        elif url is None and _BARE_ADDRESS.match(token):  # « www.rfi.fr/fr/afrique/rss »
            url = f"https://{token}"
    return SourceRequest(url, topic, tuple(include), tuple(exclude))
