"""``python -m app.healthcheck [CONFIG]``: asks the running bot's ``/healthz``, exits 0 when it
answers 200, 1 otherwise (Docker's HEALTHCHECK reads the exit status).

It reads the port from the same configuration file as the bot, so the image's health check
follows ``[ops] metrics_port`` instead of repeating it. The slim image has no curl; this needs
only the standard library and the configuration reader.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from app.config import ConfigError, load_config
from app.ops import OpsSettings

TIMEOUT_SECONDS = 10.0
_ANY_ADDRESS = frozenset({"0.0.0.0", "::", ""})


def health_url(settings: OpsSettings) -> str:
    """Where the bot of ``settings`` answers, seen from the same host."""
    host = settings.metrics_listen.strip()
    host = "127.0.0.1" if host in _ANY_ADDRESS else host
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address
    return f"http://{host}:{settings.metrics_port}/healthz"


def check(url: str) -> str | None:
    """None when ``url`` answers 200 with status ok; otherwise what went wrong, in one line."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            body = json.loads(response.read())
    except urllib.error.HTTPError as error:
        return f"{url} answered HTTP {error.code}"
    except (OSError, ValueError) as error:
        return f"{url} did not answer: {error}"
    if not isinstance(body, dict) or body.get("status") != "ok":
        return f"{url} answered {body!r}"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    try:
        config = load_config(Path(arguments[0]) if arguments else None)
    except ConfigError as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1
    if not config.ops.metrics_port:
        print("unhealthy: ops.metrics_port is 0, so the bot serves no /healthz", file=sys.stderr)
        return 1
    problem = check(health_url(config.ops))
    if problem is not None:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
