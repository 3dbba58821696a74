"""Where the benchmarks find the OrangeSum corpus: the full one when present, else the samples.

The full corpus (21,401 training and 1,500 validation articles) lives outside the repository:
``$SAHEL_CORPUS_DIR``, or ``../shared/corpus`` next to it. Quick runs fall back to the samples in
``bench/data`` so that CI, which has only the repository, can still run every benchmark.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = Path(__file__).resolve().parent / "data"
FILES = {"train": "orangesum-train.jsonl.gz", "valid": "orangesum-valid.jsonl"}

Split = Literal["train", "valid"]


def full_corpus_dir() -> Path | None:
    candidates = [os.environ.get("SAHEL_CORPUS_DIR"), str(ROOT.parent / "shared" / "corpus")]
    for candidate in candidates:
        if candidate and (Path(candidate) / FILES["train"]).is_file():
            return Path(candidate)
    return None


def corpus_file(split: Split, *, quick: bool) -> Path:
    """The full split when available; in quick mode the sample if the full one is missing."""
    folder = full_corpus_dir()
    if folder is not None:
        return folder / FILES[split]
    sample = SAMPLES / f"orangesum-{split}-sample.jsonl.gz"
    if quick:
        return sample
    raise FileNotFoundError(
        f"the OrangeSum corpus is not available: set SAHEL_CORPUS_DIR to the folder holding "
        f"{FILES[split]} (quick mode uses {sample.relative_to(ROOT)} instead)"
    )


def read_articles(
    split: Split, *, quick: bool, limit: int | None = None
) -> Iterator[dict[str, Any]]:
    """Corpus rows (id, date, title, article, abstract), at most ``limit`` of them."""
    path = corpus_file(split, quick=quick)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:  # type: ignore[operator]
        for count, line in enumerate(lines):
            if limit is not None and count >= limit:
                return
            yield json.loads(line)
