"""Configuration: a TOML file read once at start into frozen dataclasses.

Every mistake an operator can make in the file (a typo in a key, a string where a number belongs,
an unknown time zone) stops the start with one line that names the key, instead of surfacing later
as a confusing failure in the middle of a digest run.
"""

from __future__ import annotations

import tomllib
import types
from dataclasses import dataclass, field, fields, replace
from datetime import time
from math import isfinite
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from app.logs import LoggingSettings
from app.ops import OpsSettings
from bot.settings import TelegramSettings
from content.settings import ContentSettings
from digests.settings import DigestSettings
from feeds.settings import FeedSettings
from storage.settings import DatabaseSettings

DEFAULT_CONFIG_FILE = Path("config.toml")


class ConfigError(Exception):
    """The configuration cannot be used; the message is one line naming the culprit key."""


@dataclass(frozen=True, slots=True)
class Config:
    """The whole configuration: one section per owner, each declared in the package that uses
    it (``bot.settings``, ``storage.settings``, ``digests.settings``, ``content.settings``,
    ``feeds.settings``, ``app.logs``, ``app.ops``)."""

    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    digest: DigestSettings = field(default_factory=DigestSettings)
    content: ContentSettings = field(default_factory=ContentSettings)
    feeds: FeedSettings = field(default_factory=FeedSettings)
    logging: LoggingSettings = field(default_factory=LoggingSettings)
    ops: OpsSettings = field(default_factory=OpsSettings)

    def with_database(self, path: Path) -> Config:
        """Return a copy using another database file (tests and the chat mode use this)."""
        return replace(self, database=replace(self.database, path=path))


def load_config(path: Path | None = None) -> Config:
    """Read ``path``; without one, ``config.toml`` in the working directory or built-in defaults.

    Relative paths in the file are resolved against the file's folder, so the bot finds its
    database wherever it is started from.
    """
    if path is None:
        if not DEFAULT_CONFIG_FILE.is_file():
            return Config()
        path = DEFAULT_CONFIG_FILE
    try:
        # utf-8-sig: Windows Notepad starts UTF-8 files with a byte order mark.
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError(f"configuration file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read configuration file {path}: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from None
    config = config_from_mapping(raw)
    return _resolve_paths(config, path.resolve().parent)


def config_from_mapping(raw: dict[str, Any]) -> Config:
    """Build a Config from parsed TOML, checking every key and type."""
    sections: dict[str, Any] = {}
    known = {f.name: f for f in fields(Config)}
    for name, value in raw.items():
        if name not in known:
            raise ConfigError(f"unknown section [{name}] (known: {', '.join(sorted(known))})")
        if not isinstance(value, dict):
            raise ConfigError(f"[{name}] must be a table of keys")
        section_type = get_type_hints(Config)[name]
        sections[name] = _build_section(name, section_type, value)
    config = Config(**sections)
    _check_semantics(config)
    return config


def _build_section(section: str, cls: type[Any], raw: dict[str, Any]) -> Any:
    hints = get_type_hints(cls)
    names = {f.name for f in fields(cls)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in names:
            raise ConfigError(f"unknown key {section}.{key} (known: {', '.join(sorted(names))})")
        values[key] = _convert(f"{section}.{key}", hints[key], value)
    return cls(**values)


def _convert(key: str, expected: Any, value: Any) -> Any:
    origin = get_origin(expected)
    if origin is Literal:
        allowed = get_args(expected)
        if value not in allowed:
            choices = ", ".join(map(repr, allowed))
            raise ConfigError(f"{key} must be one of {choices}, got {value!r}")
        return value
    if origin in (Union, types.UnionType):
        inner = next(arg for arg in get_args(expected) if arg is not type(None))
        return _convert(key, inner, value)
    if origin is tuple:
        if not isinstance(value, list):
            raise ConfigError(f"{key} must be a list, got {type(value).__name__}")
        item_type = get_args(expected)[0]
        return tuple(_convert(f"{key}[{i}]", item_type, item) for i, item in enumerate(value))
    return _convert_scalar(key, expected, value)


def _convert_scalar(key: str, expected: Any, value: Any) -> Any:
    if expected is bool or expected is str:
        if not isinstance(value, expected):
            raise ConfigError(f"{key} must be a {_type_name(expected)}, got {value!r}")
        return value
    if expected is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key} must be an integer, got {value!r}")
        return value
    if expected is float:
        # TOML has nan and inf; nan passes every "> 0" check, and neither makes a timeout.
        if isinstance(value, bool) or not isinstance(value, int | float) or not isfinite(value):
            raise ConfigError(f"{key} must be a finite number, got {value!r}")
        return float(value)
    if expected is Path:
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{key} must be a non-empty path string, got {value!r}")
        return Path(value)
    if expected is time:
        return _parse_clock(key, value)
    raise ConfigError(f"{key} has an unsupported type")  # a programming error, named clearly


def _parse_clock(key: str, value: Any) -> time:
    if isinstance(value, time):  # TOML local times (07:00:00) arrive already parsed
        return value
    if isinstance(value, str):
        hours, _, minutes = value.partition(":")
        if hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60:
            return time(int(hours), int(minutes))
    raise ConfigError(f'{key} must be a time "HH:MM", got {value!r}')


def _type_name(expected: type[Any]) -> str:
    return {bool: "boolean (true/false)", str: "string"}.get(expected, expected.__name__)


def _check_semantics(config: Config) -> None:
    """Each section says what it cannot work with; the first problem stops the start."""
    for section in fields(config):
        for key, problem in getattr(config, section.name).problems():
            raise ConfigError(f"{section.name}.{key} {problem}")


def _resolve_paths(config: Config, folder: Path) -> Config:
    database = config.database
    if not database.path.is_absolute():
        database = replace(database, path=folder / database.path)
    content = config.content
    if content.topics_file is not None and not content.topics_file.is_absolute():
        content = replace(content, topics_file=folder / content.topics_file)
    feeds = config.feeds
    if feeds.sources_file is not None and not feeds.sources_file.is_absolute():
        feeds = replace(feeds, sources_file=folder / feeds.sources_file)
    return replace(config, database=database, content=content, feeds=feeds)
