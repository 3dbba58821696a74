"""Log lines as ``run`` writes them: the replica's name in each, text or one JSON object per
line, and the token masked either way."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from app.logs import MASK, format_log_lines
from tests.support.logs import TOKEN, production_logging, secret_forms

REPLICA = "bot-2"


@pytest.fixture
def logged() -> Iterator[io.StringIO]:
    with production_logging() as text:
        yield text


def json_lines(text: str) -> list[dict[str, Any]]:
    lines = text.splitlines()
    assert lines, "nothing was logged"
    return [json.loads(line) for line in lines]


def test_json_lines_parse_and_name_the_replica(logged: io.StringIO) -> None:
    format_log_lines("json", REPLICA)
    logger = logging.getLogger("sahel.test")
    logger.info("Digest tick: %d due, « %s »", 3, "Bamako")
    logger.warning("two\nlines")
    first, second = json_lines(logged.getvalue())
    assert first["replica"] == REPLICA
    assert first["level"] == "INFO" and first["logger"] == "sahel.test"
    assert first["message"] == "Digest tick: 3 due, « Bamako »"
    assert first["time"].endswith("+00:00")
    assert second["message"] == "two\nlines"  # one record, one line


def test_json_lines_carry_the_traceback_with_the_token_masked(logged: io.StringIO) -> None:
    format_log_lines("json", REPLICA)
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/getMe failed")
    except RuntimeError:
        logging.getLogger("sahel.test").exception("Sending failed for %s", TOKEN)
    [line] = json_lines(logged.getvalue())
    assert line["replica"] == REPLICA
    assert "Traceback" in line["exception"] and "RuntimeError" in line["exception"]
    assert MASK in line["message"] and MASK in line["exception"]
    for form in secret_forms(TOKEN):
        assert form not in logged.getvalue()


def test_text_lines_name_the_replica(logged: io.StringIO) -> None:
    format_log_lines("text", REPLICA)
    logging.getLogger("sahel.test").info("Bot ready")
    [line] = logged.getvalue().splitlines()
    assert line.endswith(f" INFO {REPLICA} sahel.test: Bot ready")


def test_without_a_replica_text_lines_stay_as_they_were(logged: io.StringIO) -> None:
    logging.getLogger("sahel.test").info("Bot ready")
    [line] = logged.getvalue().splitlines()
    assert line.endswith(" INFO sahel.test: Bot ready")
