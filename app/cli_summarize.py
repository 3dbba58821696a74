"""``python -m bot summarize FILE.jsonl``: {title, article} lines in, {summary, topics} lines out.

The editors' batch preview and the quality bench's way in. A line that cannot be read stops
the command with one line naming it (by number, from 1), before anything after it is written:
a batch is fixed and run again, not half-trusted.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from app.cli_common import CommandError, printable
from content.models import ArticleDraft
from content.pipeline import ArticlePipeline
from content.text import normalize_text

STDIN = "-"


def summarize_jsonl(pipeline: ArticlePipeline, path: Path) -> None:
    """One JSON line out per line in, in order (blank lines skipped)."""
    with _open_jsonl(path) as stream:
        for number, raw in enumerate(stream, start=1):
            line = _decode(raw, number)
            if not line.strip():
                continue
            record = _parse_record(line, number)
            title, body = _text(record, "title", number), _text(record, "article", number)
            prepared = pipeline.prepare(ArticleDraft(title=title, body=body))
            out: dict[str, object] = {"id": record["id"]} if "id" in record else {}
            out |= {"summary": prepared.summary, "topics": [m.key for m in prepared.topics]}
            print(_dumps(out, number))


@contextmanager
def _open_jsonl(path: Path) -> Iterator[BinaryIO]:
    """The file's bytes (or stdin's, for ``-``): each line is decoded on its own, so that a
    line that is not UTF-8 is named by its number."""
    if str(path) == STDIN:
        yield sys.stdin.buffer
        return
    if path.is_dir():
        raise CommandError(f"{printable(str(path))} is a folder, not a JSON lines file")
    try:
        stream = path.open("rb")
    except OSError as error:
        raise CommandError(f"cannot read {printable(str(path))}: {error.strerror}") from None
    with stream:
        yield stream


def _decode(raw: bytes, number: int) -> str:
    try:
        # The first line may open with the byte order mark some editors write.
        return raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError as error:
        raise CommandError(
            f"line {number} is not valid UTF-8 text (byte {error.start + 1} of the line)"
        ) from None


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def _parse_record(line: str, number: int) -> dict[str, object]:
    try:
        # NaN and Infinity are JavaScript, not JSON: they could not be written back either.
        record = json.loads(line, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise CommandError(f"line {number} is not valid JSON: {error.msg}") from None
    except ValueError as error:  # NaN, or an integer of thousands of digits
        raise CommandError(f"line {number} is not valid JSON: {error}") from None
    except RecursionError:
        raise CommandError(f"line {number} is not valid JSON: nested too deeply") from None
    if not isinstance(record, dict):
        raise CommandError(f"line {number} is not a JSON object")
    return record


def _text(record: dict[str, object], key: str, number: int) -> str:
    value = record.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise CommandError(f'line {number}: "{key}" must be a string, got {json.dumps(value)[:40]}')
    return normalize_text(value)


def _dumps(out: dict[str, object], number: int) -> str:
    try:
        return json.dumps(out, ensure_ascii=False, allow_nan=False)
    except ValueError:  # 1e999 reads as infinity, which JSON cannot write
        raise CommandError(f'line {number}: "id" is not a finite number') from None
