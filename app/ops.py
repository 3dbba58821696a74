"""The ``[ops]`` section: what an operator running several bot processes (replicas) watches.

Each replica has a name, which every log line and every metric carries, so that « bot-2 stopped
sending » can be told from « the bot stopped sending ». Replicas usually share one configuration
file (one image, one mounted file), so the name can also come from an environment variable the
container sets; failing both, the host name and process id tell processes apart.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass

from bot.errors import StartFailure
from core.settings import Problem

REPLICA_SHAPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
"""A name that reads the same in a log line, a JSON field and a Prometheus label: no spaces, no
quotes, short."""
_ENVIRONMENT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True, slots=True)
class OpsSettings:
    """The ``[ops]`` section of the configuration file."""

    replica: str = ""
    """This process's name in logs and metrics; empty: ``replica_env``'s value, else host-pid."""
    replica_env: str = "SAHEL_REPLICA"
    """The environment variable that names the replica when ``replica`` is empty (compose sets
    it per container, the configuration file being shared)."""
    metrics_port: int = 0
    """Where ``/healthz`` and ``/metrics`` are served while the bot runs; 0: not served."""
    metrics_listen: str = "0.0.0.0"
    """The address the metrics server binds (all interfaces: a container's port is published
    by the engine; on a shared host, prefer 127.0.0.1)."""

    def problems(self) -> list[Problem]:
        """(key, what is wrong) for every value this section cannot work with."""
        found: list[Problem] = []
        if self.replica and not REPLICA_SHAPE.fullmatch(self.replica):
            found.append(("replica", f"{_REPLICA_RULE}, got {self.replica!r}"))
        if not _ENVIRONMENT_NAME.fullmatch(self.replica_env):
            found.append(
                (
                    "replica_env",
                    "must name an environment variable (letters, digits, _), "
                    f"got {self.replica_env!r}",
                )
            )
        if not 0 <= self.metrics_port <= 65535:
            found.append(
                (
                    "metrics_port",
                    f"must be a port from 1 to 65535, or 0 for none, got {self.metrics_port}",
                )
            )
        if not self.metrics_listen.strip():
            found.append(("metrics_listen", "must be an address to listen on, got ''"))
        return found


_REPLICA_RULE = (
    "must be 1 to 64 letters, digits, '_', '.', ':' or '-', starting with a letter or digit"
)


def replica_name(settings: OpsSettings, environ: Mapping[str, str] = os.environ) -> str:
    """This process's name: the configured one, else the environment's, else ``host-pid``
    (unique on a machine, and a restarted process is a new one, as its counters are).

    Raises ``StartFailure`` when the environment's name cannot be used: it is not in the file,
    so the configuration check cannot catch it."""
    if settings.replica:
        return settings.replica
    named = environ.get(settings.replica_env, "").strip()
    if named:
        if not REPLICA_SHAPE.fullmatch(named):
            raise StartFailure(
                f"the environment variable {settings.replica_env} {_REPLICA_RULE}, got {named!r}"
            )
        return named
    return f"{socket.gethostname()}-{os.getpid()}"
