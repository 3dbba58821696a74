"""Understanding the time zone a reader types after /fuseau.

Readers write « Bamako », « Ouaga », « paris », « UTC+1 » or an IANA name; the friendly names are
data (``timezones.toml``), so adding a city needs no code.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources
from zoneinfo import available_timezones

from content.text import fold

_OFFSET = re.compile(r"^(?:utc|gmt)\s*([+-])\s*(\d{1,2})(?:[:h]?00)?$")


def _key(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", fold(text).replace("_", " ")))


@cache
def _friendly_names() -> dict[str, str]:
    raw = resources.files("digests").joinpath("timezones.toml").read_text(encoding="utf-8")
    return {_key(name): zone for name, zone in tomllib.loads(raw)["names"].items()}


@cache
def _iana_names() -> dict[str, str]:
    return {name.casefold(): name for name in available_timezones()}


def resolve_timezone(text: str) -> str | None:
    """The IANA zone a reader means, or None when it cannot be told."""
    cleaned = text.strip()
    if not cleaned:
        return None
    iana = _iana_names().get(cleaned.casefold().replace(" ", "_"))
    if iana is not None:
        return iana
    offset = _OFFSET.match(cleaned.casefold())
    if offset:
        sign, hours = offset.group(1), int(offset.group(2))
        if hours == 0:
            return "UTC"
        if hours <= 12 or (sign == "+" and hours <= 14):
            # POSIX zones count the other way round: Etc/GMT-1 is UTC+1.
            return f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"
        return None
    return _friendly_names().get(_key(cleaned))
