"""The topics readers follow, loaded from ``content/topics.toml`` (tagging: ``content.tagger``).

Topics are data so that an editor can add a country or a trap word without touching code. The file
is checked when it is loaded because a mistake there would otherwise show up much later: Telegram
refuses the whole command menu, or articles quietly stop getting tags.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from content.text import PHRASE_TOKEN, fold

MAX_DESCRIPTION_CHARS = 60

_KEY_FORMAT = re.compile(r"[a-z0-9_]{1,16}")
_COMMAND_FORMAT = re.compile(r"[a-z0-9_]{1,32}")
_REQUIRED_FIELDS = ("key", "label", "command", "description", "aliases")
_TEXT_FIELDS = frozenset({"key", "label", "command", "description"})
_LIST_FIELDS = frozenset({"aliases", "acronyms", "ambiguous", "negatives", "names"})

_WORD = re.compile(r"\w+")


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


class TopicCatalog:
    """The ordered, immutable set of topics, with look-ups for the bot and the tagger's index."""

    __slots__ = ("_by_command", "_by_key", "_by_name", "_topics")

    def __init__(self, topics: Iterable[Topic]) -> None:
        self._topics = tuple(topics)
        self._by_key = MappingProxyType({topic.key: topic for topic in self._topics})
        self._by_command = MappingProxyType({topic.command: topic for topic in self._topics})
        self._by_name = MappingProxyType(_name_index(self._topics))

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


def load_topics(
    path: Path | None = None, *, reserved_commands: Collection[str] = ()
) -> TopicCatalog:
    """Load and check the topic file; ``None`` means the one packaged with ``content``.

    ``reserved_commands`` are the bot's own command names (``bot.handlers.COMMAND_NAMES``): a
    topic command with one of them would shadow it.
    """
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
        _parse_topic(entry, position, reserved_commands)
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


def _parse_topic(entry: dict[str, Any], position: int, reserved_commands: Collection[str]) -> Topic:
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
    _check_topic(topic, where, reserved_commands)
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


def _check_topic(topic: Topic, where: str, reserved_commands: Collection[str]) -> None:
    if not _KEY_FORMAT.fullmatch(topic.key):
        raise TopicFileError(f"{where}: field 'key' must be 1-16 characters of a-z, 0-9 and _")
    if not _COMMAND_FORMAT.fullmatch(topic.command):
        raise TopicFileError(f"{where}: field 'command' must be 1-32 characters of a-z, 0-9 and _")
    if topic.command in reserved_commands:
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
            earlier = fields.setdefault(term_words(term), field)
            if earlier != field:
                raise TopicFileError(f"{where}: field {field!r} repeats {term!r} from {earlier!r}")
    for negative in topic.negatives:
        if not _holds_a_term(negative, topic):
            raise TopicFileError(
                f"{where}: field 'negatives' has {negative!r}, which holds none of its words "
                "(a negative only cancels the topic's own words, so it would change nothing)"
            )


def _holds_a_term(phrase: str, topic: Topic) -> bool:
    """Tell whether ``phrase`` contains an alias or ambiguous word (folded) or an acronym (as
    written) of ``topic``."""
    words = term_words(phrase)
    for term in (*topic.aliases, *topic.ambiguous):
        part = term_words(term)
        if any(words[i : i + len(part)] == part for i in range(len(words) - len(part) + 1)):
            return True
    return not set(topic.acronyms).isdisjoint(PHRASE_TOKEN.findall(phrase))


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


def term_words(term: str) -> tuple[str, ...]:
    """Fold a term from the topic file into the tokens an article would show for it."""
    return tuple(fold(token) for token in PHRASE_TOKEN.findall(term))


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
