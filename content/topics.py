"""The topics readers follow, loaded from ``content/topics.toml``, and the tagger that finds them.

Topics are data so that an editor can add a country or a trap word without touching code. The file
is checked when it is loaded because a mistake there would otherwise show up much later: Telegram
refuses the whole command menu, or articles quietly stop getting tags.

The tagger works on word tokens rather than running one regular expression per topic: one
tokenisation pass and a dictionary lookup per word cost the same whatever the number of topics,
which keeps tagging cheap next to summarising and storing (it runs on every ingested article).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from content.models import TopicMention
from content.text import fold

LEAD_WORDS = 50
"""A topic named in the body's first 50 words (about a news lede) is tagged even if named once."""

MIN_MENTIONS = 2
"""Elsewhere a topic must be named this often: a single passing mention is not what it is about."""

MAX_DESCRIPTION_CHARS = 60
RESERVED_COMMANDS = frozenset(
    {
        "start", "aide", "help", "sujets", "dernieres", "article", "recherche", "abonner",
        "desabonner", "heure", "fuseau", "statut", "digest", "ajouter", "supprimer", "stats",
        "diffuser", "annuler", "settings",
    }
)  # fmt: skip
"""The bot's own commands: a topic command with one of these names would shadow it."""

_KEY_FORMAT = re.compile(r"[a-z0-9_]{1,16}")
_COMMAND_FORMAT = re.compile(r"[a-z0-9_]{1,32}")
_REQUIRED_FIELDS = ("key", "label", "command", "description", "aliases")
_TEXT_FIELDS = frozenset({"key", "label", "command", "description"})
_LIST_FIELDS = frozenset({"aliases", "acronyms", "ambiguous", "negatives", "names"})

# Words, plus sentence punctuation as separate tokens so that no phrase matches across a full stop
# or a bracket. Everything else, hyphens and apostrophes included, only separates words:
# « Burkina-Faso » is « Burkina Faso », « l'AES » is « l » « AES ».
_TOKEN = re.compile(r"\w+|[.,;:!?()\[\]{}«»\"“”…–—/|]")
_WORD = re.compile(r"\w+")
# Every combining-mark block; NFKD of a Latin letter never yields a mark outside them.
_COMBINING_MARKS = re.compile(
    "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+"
)


def _latin_fold_exceptions() -> tuple[tuple[str, str], ...]:
    """Find the Latin letters that ``fold`` reduces further than NFKD does (the ligatures œ, æ)."""
    letters = (chr(code) for code in range(0xC0, 0x250))
    return tuple(
        (letter, fold(letter))
        for letter in letters
        if _COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", letter)).casefold()
        != fold(letter)
    )


_LATIN_FOLD_EXCEPTIONS = _latin_fold_exceptions()


class _Count(NamedTuple):
    """Mentions of one topic inside one matched phrase."""

    topic: int  # position in the catalog
    sure: int
    ambiguous: int


Effect = tuple[_Count, ...]
"""What a matched phrase adds to each topic it names; empty for a pure negative."""


class TopicFileError(ValueError):
    """The topic file is unreadable or breaks a rule; the message names the topic and the field."""


@dataclass(frozen=True, slots=True)
class Topic:
    """One topic as written in the topic file (see the field guide at the top of topics.toml)."""

    key: str
    label: str
    command: str
    description: str
    aliases: tuple[str, ...]
    acronyms: tuple[str, ...] = ()
    ambiguous: tuple[str, ...] = ()
    negatives: tuple[str, ...] = ()
    names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _TopicTerms:
    """A topic's terms as token sequences, ready to be compared with an article's tokens."""

    phrases: tuple[tuple[tuple[str, ...], bool], ...]  # (folded words, sure?), longest first
    acronyms: frozenset[str]  # as written
    negatives: tuple[tuple[str, ...], ...]  # folded


@dataclass(frozen=True, slots=True)
class _Matcher:
    """Every phrase of every topic, indexed by its first folded word."""

    phrases: Mapping[tuple[str, ...], Effect]
    lengths: Mapping[str, tuple[int, ...]]  # first folded word -> phrase lengths, longest first
    acronyms: Mapping[str, Effect]  # word exactly as written -> effect


class TopicCatalog:
    """The ordered, immutable set of topics, with look-ups for the bot and the tagger's index."""

    __slots__ = ("_by_command", "_by_key", "_by_name", "_matcher", "_topics")

    def __init__(self, topics: Iterable[Topic]) -> None:
        self._topics = tuple(topics)
        self._by_key = MappingProxyType({topic.key: topic for topic in self._topics})
        self._by_command = MappingProxyType({topic.command: topic for topic in self._topics})
        self._by_name = MappingProxyType(_name_index(self._topics))
        self._matcher = _build_matcher(self._topics)

    @property
    def topics(self) -> tuple[Topic, ...]:
        return self._topics

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(topic.key for topic in self._topics)

    def __iter__(self) -> Iterator[Topic]:
        return iter(self._topics)

    def __len__(self) -> int:
        return len(self._topics)

    def get(self, key: str) -> Topic | None:
        return self._by_key.get(key)

    def by_command(self, command: str) -> Topic | None:
        return self._by_command.get(command.lstrip("/").lower())

    def resolve(self, user_text: str) -> Topic | None:
        """Find the topic a reader means, however they typed it (« Burkina-Faso », « AES »)."""
        return self._by_name.get(_user_form(user_text))


# --- Loading and validation -------------------------------------------------------------------


def load_topics(path: Path | None = None) -> TopicCatalog:
    """Load and check the topic file; ``None`` means the one packaged with ``content``."""
    if path is None:
        source = "content/topics.toml"
        text = resources.files("content").joinpath("topics.toml").read_text(encoding="utf-8")
    else:
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise TopicFileError(f"{source}: cannot read the topic file: {exc}") from exc
    topics = tuple(
        _parse_topic(entry, position)
        for position, entry in enumerate(_topic_tables(text, source), start=1)
    )
    _check_unique(topics)
    return TopicCatalog(topics)


def _topic_tables(text: str, source: str) -> list[dict[str, Any]]:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TopicFileError(f"{source}: invalid TOML: {exc}") from exc
    unknown = sorted(set(document) - {"topic"})
    if unknown:
        raise TopicFileError(f"{source}: unknown top-level entry {unknown[0]!r}; use [[topic]]")
    tables = document.get("topic")
    if not isinstance(tables, list) or not tables:
        raise TopicFileError(f"{source}: no [[topic]] table")
    return tables


def _parse_topic(entry: dict[str, Any], position: int) -> Topic:
    key = entry.get("key")
    where = f"topic {key!r}" if isinstance(key, str) else f"topic #{position}"
    _check_fields(entry, where)
    topic = Topic(
        key=entry["key"],
        label=entry["label"],
        command=entry["command"],
        description=entry["description"],
        aliases=tuple(entry["aliases"]),
        acronyms=tuple(entry.get("acronyms", ())),
        ambiguous=tuple(entry.get("ambiguous", ())),
        negatives=tuple(entry.get("negatives", ())),
        names=tuple(entry.get("names", ())),
    )
    _check_topic(topic, where)
    return topic


def _check_fields(entry: dict[str, Any], where: str) -> None:
    for field in sorted(entry):
        if field not in _TEXT_FIELDS | _LIST_FIELDS:
            raise TopicFileError(f"{where}: unknown field {field!r}")
    for field in _REQUIRED_FIELDS:
        if field not in entry:
            raise TopicFileError(f"{where}: missing field {field!r}")
    for field, value in entry.items():
        if field in _TEXT_FIELDS and not _is_one_line(value):
            raise TopicFileError(f"{where}: field {field!r} must be a non-empty line of text")
        if field in _LIST_FIELDS and not _is_list_of_words(value):
            raise TopicFileError(f"{where}: field {field!r} must be a list of words or phrases")


def _is_one_line(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip()) and "\n" not in value


def _is_list_of_words(value: object) -> bool:
    return isinstance(value, list) and all(
        isinstance(item, str) and _WORD.search(item) for item in value
    )


def _check_topic(topic: Topic, where: str) -> None:
    if not _KEY_FORMAT.fullmatch(topic.key):
        raise TopicFileError(f"{where}: field 'key' must be 1-16 characters of a-z, 0-9 and _")
    if not _COMMAND_FORMAT.fullmatch(topic.command):
        raise TopicFileError(f"{where}: field 'command' must be 1-32 characters of a-z, 0-9 and _")
    if topic.command in RESERVED_COMMANDS:
        raise TopicFileError(f"{where}: field 'command' clashes with the bot's /{topic.command}")
    if len(topic.description) > MAX_DESCRIPTION_CHARS:
        raise TopicFileError(
            f"{where}: field 'description' is longer than {MAX_DESCRIPTION_CHARS} characters"
        )
    _check_terms(topic, where)


def _check_terms(topic: Topic, where: str) -> None:
    if not topic.aliases:
        raise TopicFileError(f"{where}: field 'aliases' must not be empty")
    for acronym in topic.acronyms:
        if not _WORD.fullmatch(acronym):
            raise TopicFileError(f"{where}: field 'acronyms' has {acronym!r}, not a single word")
    fields: dict[tuple[str, ...], str] = {}
    for field, terms in (
        ("aliases", topic.aliases),
        ("ambiguous", topic.ambiguous),
        ("negatives", topic.negatives),
    ):
        for term in terms:
            earlier = fields.setdefault(_words(term), field)
            if earlier != field:
                raise TopicFileError(f"{where}: field {field!r} repeats {term!r} from {earlier!r}")


def _check_unique(topics: tuple[Topic, ...]) -> None:
    """Refuse two topics sharing a key, a command or a name a reader could type."""
    keys: set[str] = set()
    command_owners: dict[str, str] = {}
    name_owners: dict[str, str] = {}
    for topic in topics:
        if topic.key in keys:
            raise TopicFileError(f"topic {topic.key!r}: field 'key' is used by an earlier topic")
        keys.add(topic.key)
        owner = command_owners.setdefault(topic.command, topic.key)
        if owner != topic.key:
            raise TopicFileError(
                f"topic {topic.key!r}: field 'command' {topic.command!r} is taken by {owner!r}"
            )
        for name in (topic.key, topic.command, *topic.names):
            owner = name_owners.setdefault(_user_form(name), topic.key)
            if owner != topic.key:
                raise TopicFileError(
                    f"topic {topic.key!r}: field 'names' has {name!r}, "
                    f"already a name of topic {owner!r}"
                )


# --- Reader input -----------------------------------------------------------------------------


def _user_form(text: str) -> str:
    """Fold and keep only the words, so hyphens, slashes and extra spaces do not matter."""
    return " ".join(_WORD.findall(fold(text)))


def _name_index(topics: tuple[Topic, ...]) -> dict[str, Topic]:
    """Map every accepted spelling to its topic; earlier kinds of name and earlier topics win."""
    index: dict[str, Topic] = {}
    ways = (
        lambda topic: (topic.key, topic.command),
        lambda topic: topic.names,
        lambda topic: (topic.label,),
        lambda topic: topic.aliases + topic.acronyms,
        lambda topic: topic.ambiguous,  # ambiguous in prose, not when typed as a topic name
    )
    for names_of in ways:
        for topic in topics:
            for name in names_of(topic):
                index.setdefault(_user_form(name), topic)
    return index


# --- Tagging ----------------------------------------------------------------------------------


def tag_article(catalog: TopicCatalog, title: str, body: str) -> tuple[TopicMention, ...]:
    """Tag an article with the topics it is about, most mentioned first (ties in catalog order).

    A topic is kept when it is named in the title, in the lead (the body's first ``LEAD_WORDS``
    words) or at least ``MIN_MENTIONS`` times in all; its count is every mention, title included.
    Ambiguous words (« Wagner », « malien ») count only if the topic is also named plainly.
    ``title`` and ``body`` are expected in NFC, as ``content.text.normalize_text`` leaves them.
    """
    sure, ambiguous, prominent = _tally(catalog._matcher, len(catalog), title, body)
    totals = [plain + extra for plain, extra in zip(sure, ambiguous, strict=True)]
    kept = [
        i for i, total in enumerate(totals) if sure[i] and (i in prominent or total >= MIN_MENTIONS)
    ]
    kept.sort(key=lambda i: -totals[i])
    return tuple(TopicMention(key=catalog.topics[i].key, count=totals[i]) for i in kept)


def _tally(
    matcher: _Matcher, size: int, title: str, body: str
) -> tuple[list[int], list[int], set[int]]:
    """Count sure and ambiguous mentions per topic, and note the topics seen in title or lead."""
    sure, ambiguous = [0] * size, [0] * size
    prominent: set[int] = set()
    title_tokens, body_tokens = _tokens(title), _tokens(body)
    for (written, folded), prominent_end in (
        (title_tokens, len(title_tokens[0])),
        (body_tokens, _lead_end(body_tokens[0])),
    ):
        for position, count in _scan(matcher, written, folded):
            sure[count.topic] += count.sure
            ambiguous[count.topic] += count.ambiguous
            if position < prominent_end:
                prominent.add(count.topic)
    return sure, ambiguous, prominent


def _tokens(text: str) -> tuple[list[str], list[str]]:
    """Tokens as written (for acronyms) and folded (for everything else), position for position."""
    written = _TOKEN.findall(text)
    if not written:
        return [], []
    # NUL never occurs in a token and folding never creates one, so positions stay aligned.
    return written, _fold_latin("\0".join(written)).split("\0")


def _fold_latin(text: str) -> str:
    """Do what ``content.text.fold`` does to Latin script, in C-level passes over the string.

    ``fold`` walks the text character by character in Python, which alone would take most of the
    tagger's time budget. Tests check that both agree on every Latin character.
    """
    for letter, folded in _LATIN_FOLD_EXCEPTIONS:
        text = text.replace(letter, folded)
    return _COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", text)).casefold()


def _lead_end(tokens: list[str]) -> int:
    """Return the position of the first token after the lead."""
    words = 0
    for position, token in enumerate(tokens):
        if token[0].isalnum() or token[0] == "_":
            words += 1
            if words == LEAD_WORDS:
                return position + 1
    return len(tokens)


def _scan(matcher: _Matcher, written: list[str], folded: list[str]) -> Iterator[tuple[int, _Count]]:
    """Yield (token position, count) for each phrase found, left to right.

    The longest phrase starting at a word wins and consumes its words, so « fleuve Niger » hides
    the « Niger » inside it. An acronym in brackets right after its own expansion, as in
    « Alliance des États du Sahel (AES) », is the same mention and is skipped.
    """
    starts, acronyms = matcher.lengths, matcher.acronyms
    candidates = [position for position, word in enumerate(folded) if word in starts]
    if not acronyms.keys().isdisjoint(written):
        found = (position for position, word in enumerate(written) if word in acronyms)
        candidates = sorted({*candidates, *found})
    next_free = 0
    for position in candidates:
        if position < next_free:
            continue
        length, effect = _match_at(matcher, written, folded, position)
        next_free = position + length
        if effect:
            next_free += _bracketed_repeat(matcher, written, folded, next_free, effect)
        for count in effect:
            yield position, count


def _match_at(
    matcher: _Matcher, written: list[str], folded: list[str], position: int
) -> tuple[int, Effect]:
    """Return the length and effect of the longest phrase starting at ``position`` (0 if none)."""
    acronym = matcher.acronyms.get(written[position])
    for length in matcher.lengths.get(folded[position], ()):
        effect = matcher.phrases.get(tuple(folded[position : position + length]))
        if effect is not None:
            if length == 1 and acronym is not None:
                effect = _merge(effect, acronym)
            return length, effect
    return (1, acronym) if acronym is not None else (0, ())


def _bracketed_repeat(
    matcher: _Matcher, written: list[str], folded: list[str], position: int, effect: Effect
) -> int:
    """Return 3 if ``position`` starts « ( X ) » where X names nothing but the topics just found."""
    if folded[position : position + 1] != ["("] or folded[position + 2 : position + 3] != [")"]:
        return 0
    length, inner = _match_at(matcher, written, folded, position + 1)
    found = {count.topic for count in effect}
    return 3 if length == 1 and inner and {count.topic for count in inner} <= found else 0


def _merge(first: Effect, second: Effect) -> Effect:
    """Combine two effects on the same word; a topic found both ways is still one mention."""
    merged = {count.topic: count for count in first}
    for count in second:
        known = merged.get(count.topic, count)
        merged[count.topic] = _Count(
            count.topic, max(known.sure, count.sure), max(known.ambiguous, count.ambiguous)
        )
    return tuple(merged[topic] for topic in sorted(merged))


# --- Building the matcher ---------------------------------------------------------------------


def _words(term: str) -> tuple[str, ...]:
    """Fold a term from the topic file into the tokens an article would show for it."""
    return tuple(fold(token) for token in _TOKEN.findall(term))


def _topic_terms(topic: Topic) -> _TopicTerms:
    phrases = {_words(alias): True for alias in topic.aliases}
    phrases.update((_words(word), False) for word in topic.ambiguous)
    return _TopicTerms(
        phrases=tuple(sorted(phrases.items(), key=lambda item: -len(item[0]))),
        acronyms=frozenset(topic.acronyms),
        negatives=tuple(_words(negative) for negative in topic.negatives),
    )


def _build_matcher(topics: tuple[Topic, ...]) -> _Matcher:
    """Index every phrase of every topic, each with what it means for all topics.

    Working out a phrase's effect on every topic once, here, is what lets a single left-to-right
    pass serve all topics: « Alliance des États du Sahel » counts for both aes and sahel, and a
    negative such as « Air France » cancels France without hiding anything else.
    """
    all_terms = tuple(_topic_terms(topic) for topic in topics)
    phrases: dict[tuple[str, ...], Effect] = {}
    acronyms: dict[str, Effect] = {}
    for topic in topics:
        for term in (*topic.aliases, *topic.ambiguous, *topic.negatives):
            folded = _words(term)
            if folded not in phrases:
                phrases[folded] = _effect(folded, tuple(_TOKEN.findall(term)), all_terms)
        for acronym in topic.acronyms:
            acronyms.setdefault(acronym, _effect((fold(acronym),), (acronym,), all_terms))
    lengths: dict[str, set[int]] = {}
    for folded in phrases:
        lengths.setdefault(folded[0], set()).add(len(folded))
    return _Matcher(
        phrases=MappingProxyType(phrases),
        lengths=MappingProxyType(
            {word: tuple(sorted(sizes, reverse=True)) for word, sizes in lengths.items()}
        ),
        acronyms=MappingProxyType(acronyms),
    )


def _effect(
    folded: tuple[str, ...], written: tuple[str, ...], all_terms: tuple[_TopicTerms, ...]
) -> Effect:
    """Count, for every topic, its mentions inside one phrase, unless the phrase is its negative."""
    effect = []
    for topic_index, terms in enumerate(all_terms):
        if any(_contains(folded, negative) for negative in terms.negatives):
            continue
        sure, ambiguous = _count_mentions(folded, written, terms)
        if sure or ambiguous:
            effect.append(_Count(topic_index, sure, ambiguous))
    return tuple(effect)


def _contains(words: tuple[str, ...], part: tuple[str, ...]) -> bool:
    return any(_starts_with(words, part, i) for i in range(len(words) - len(part) + 1))


def _starts_with(words: tuple[str, ...], part: tuple[str, ...], position: int) -> bool:
    return words[position : position + len(part)] == part


def _count_mentions(
    folded: tuple[str, ...], written: tuple[str, ...], terms: _TopicTerms
) -> tuple[int, int]:
    """Count a topic's (sure, ambiguous) mentions in a phrase, longest term first, no overlaps."""
    sure = ambiguous = 0
    position = 0
    while position < len(folded):
        found = next(
            (item for item in terms.phrases if _starts_with(folded, item[0], position)), None
        )
        if found is not None:
            sure, ambiguous = (sure + 1, ambiguous) if found[1] else (sure, ambiguous + 1)
            position += len(found[0])
        else:
            sure += written[position] in terms.acronyms
            position += 1
    return sure, ambiguous
