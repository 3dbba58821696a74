"""Where every benchmark leaves its figures: ``bench/results.json``, one section per benchmark."""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS_PATH = Path(__file__).with_name("results.json")


def record(section: str, figures: dict[str, Any], *, quick: bool = False) -> None:
    """Merge ``figures`` into results.json under ``section`` (``section.quick`` when quick)."""
    name = f"{section}.quick" if quick else section
    try:
        results = json.loads(RESULTS_PATH.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        results = {}
    results[name] = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} / {platform.python_implementation()} "
        f"{platform.python_version()}",
        **figures,
    }
    RESULTS_PATH.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", "utf-8")
