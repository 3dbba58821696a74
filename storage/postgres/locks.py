"""Every advisory lock key the bot takes on PostgreSQL, in one place so that no two collide.

Advisory locks are how replicas take turns where a row lock cannot say it: a key is any 64-bit
number, shared by every session on the database. Two uses sharing a key would wait on each
other, and the polling right is held for as long as its process runs: a clash would stall the
other use for hours. ``ALL`` is checked for duplicates by the tests.
"""

from __future__ import annotations

UPGRADE = 0x5A4E_0001
"""Held by a process applying schema upgrades (a transaction): replicas starting together."""
POLLING = 0x5A4E_0002
"""The right to poll Telegram, held by one replica for as long as its connection lives."""
ARTICLE_WRITES = 0x5A4E_A271
"""Article writes, one at a time as on SQLite (a transaction; reads of the newest id take it
shared)."""
DELIVERY_CLAIMS = 0x5A4E_C1A1
"""Delivery claims, in turns (a transaction): a claim must see the leases committed before it."""

ALL = (UPGRADE, POLLING, ARTICLE_WRITES, DELIVERY_CLAIMS)
