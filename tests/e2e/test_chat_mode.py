"""The chat mode never changes what real readers receive (real ``python -m bot chat`` processes).

Before, ``chat`` opened the configured database: its scheduler "delivered" the real readers' due
digests into its local fake API and recorded them as sent, so those readers never got that day's.
"""

from __future__ import annotations

import sqlite3
import subprocess
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from tests.support.processes import prepare_store, quiet_zone, run_cli

READERS = 20
SCRIPT = "/start\n/mali\n/recherche goita\n/abonner\n1\n/digest\n/quitter\n"


def dump(database: Path) -> str:
    """Everything the file holds, as SQL text."""
    with closing(sqlite3.connect(database)) as connection:
        return "\n".join(connection.iterdump())


def chat(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (folder / "config.toml").write_text('[database]\npath = "real.db"\n', encoding="utf-8")
    return run_cli("chat", *args, cwd=folder, stdin=SCRIPT)


async def test_chat_pointed_at_a_real_database_reads_it_and_writes_nothing(
    tmp_path: Path,
) -> None:
    real = tmp_path / "real.db"
    await prepare_store(real, quiet_zone(datetime.now(UTC)), READERS)  # their digest is due
    before = dump(real)
    result = chat(tmp_path, "--database", str(real))
    assert result.returncode == 0, result.stderr
    assert "Assimi Goïta" in result.stdout  # the real file's article is read
    assert f"Articles lus dans {real}" in result.stdout
    assert dump(real) == before  # no claim, no delivery, no subscriber, nothing


async def test_chat_works_on_its_own_file_by_default(tmp_path: Path) -> None:
    real = tmp_path / "real.db"
    await prepare_store(real, quiet_zone(datetime.now(UTC)), READERS)
    before = dump(real)
    result = chat(tmp_path)
    assert result.returncode == 0, result.stderr
    own = tmp_path / "real-chat.db"
    assert f"Base de données du mode chat\u202f: {own}" in result.stdout
    assert dump(real) == before
    with closing(sqlite3.connect(own)) as connection:
        [(subscribers,)] = connection.execute("SELECT count(*) FROM subscribers").fetchall()
    assert subscribers == 1  # the chat's make-believe reader, in the chat's own file
