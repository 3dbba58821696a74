"""Reading what the bot shows an operator: its ``/healthz`` answer and its ``/metrics`` samples."""

from __future__ import annotations

import socket
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families


def free_port() -> int:
    """A port of 127.0.0.1 nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def get(port: int, path: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10.0) as client:
        return await client.get(f"http://127.0.0.1:{port}{path}")


async def health(port: int) -> tuple[int, dict[str, Any]]:
    """``/healthz``'s status and JSON body."""
    response = await get(port, "/healthz")
    return response.status_code, response.json()


Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
"""Every sample of an exposition: (name, its labels) → value."""


def parse_samples(exposition: str) -> Samples:
    """The samples of a Prometheus text exposition, read with prometheus-client's own parser
    (so a malformed exposition fails the test)."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


async def scrape(port: int) -> Samples:
    response = await get(port, "/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return parse_samples(response.text)


def sample(samples: Samples, name: str, **labels: str) -> float | None:
    """The value of the sample ``name`` with exactly ``labels``, or None when there is none."""
    return samples.get((name, frozenset(labels.items())))
