"""What every section of the configuration file shares: how it reports a value it cannot use.

Each package declares its own section as a frozen dataclass with a ``problems()`` method;
``app.config`` reads the file into them and stops at the first problem, naming the key.
"""

from __future__ import annotations

from collections.abc import Mapping

Problem = tuple[str, str]
"""(key, what is wrong with its value), e.g. ("concurrency", "must be greater than zero, got 0")."""


def not_positive(values: Mapping[str, float]) -> list[Problem]:
    """A problem for each of ``values`` that is zero or negative."""
    return [
        (key, f"must be greater than zero, got {value}")
        for key, value in values.items()
        if value <= 0
    ]


def above(limits: Mapping[str, tuple[float, float]]) -> list[Problem]:
    """A problem for each (value, maximum) of ``limits`` whose value is over its maximum: a
    number the code would choke on later (a timer interval past what the event loop takes)."""
    return [
        (key, f"must be at most {maximum:g}, got {value}")
        for key, (value, maximum) in limits.items()
        if value > maximum
    ]
