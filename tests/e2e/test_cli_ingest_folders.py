"""``python -m bot ingest FOLDER`` on the folders operators really have: links (inside, leaving
the folder, looping, broken), pipes and sockets, binary and huge files, names that are not one
line or not UTF-8. Only files inside the folder are read; nothing else is stored, and nothing
hangs (a pipe opened for reading waits for a writer forever)."""

from __future__ import annotations

import os
import socket
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.e2e.test_cli import ARTICLE, assert_one_line_error, write_config
from tests.support.limits import file_modes_enforced
from tests.support.processes import run_cli

SECRET = "Secret de la machine\nCe fichier hors du dossier parle du Mali et ne doit pas sortir."
NOTE = "Bamako accueille les ministres\nLes ministres de l'AES se réunissent à Bamako, au Mali."
NEWLINE_NOTE = "Ouagadougou en fête\nLe Burkina Faso célèbre sa culture à Ouagadougou."
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))


def stored_texts(database: Path) -> list[str]:
    with closing(sqlite3.connect(database)) as connection:
        return [f"{t}\n{b}" for t, b in connection.execute("SELECT title, body FROM articles")]


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    """A folder reached through a link (``drop``), full of traps, beside a secret."""
    outside = tmp_path / "outside"
    (outside / "folder").mkdir(parents=True)
    (outside / "secret.txt").write_text(SECRET, encoding="utf-8")
    (outside / "folder" / "other.txt").write_text(SECRET, encoding="utf-8")
    real = tmp_path / "real-drop"
    (real / "notes").mkdir(parents=True)
    (real / "notes" / "c.txt").write_text(NOTE, encoding="utf-8")
    (real / "a-niger.txt").write_text(ARTICLE, encoding="utf-8")
    (real / "b-link-inside.txt").symlink_to(Path("notes") / "c.txt")
    (real / "d-secret.txt").symlink_to(Path("..") / "outside" / "secret.txt")
    (real / "e-absolute.txt").symlink_to(outside / "secret.txt")
    (real / "f-outside-dir").symlink_to(outside / "folder")
    (real / "g-loop.txt").symlink_to("g-loop.txt")
    (real / "h-dangling.txt").symlink_to("missing.txt")
    os.mkfifo(real / "i-fifo.txt")
    (real / "k-binary.txt").write_bytes(PNG)
    (real / "l-new\nline.txt").write_text(NEWLINE_NOTE, encoding="utf-8")
    with (real / "m-huge.txt").open("wb") as huge:
        huge.truncate(3 * 1024**3)  # sparse: 3 GB that take no room
    (Path(os.fsdecode(bytes(real) + b"/n-\xff.txt"))).write_bytes(PNG)
    (real / ".hidden.txt").write_text(SECRET, encoding="utf-8")
    link = tmp_path / "drop"
    link.symlink_to(real)
    return link


def test_folder_reads_only_files_inside_it(tmp_path: Path, drop: Path) -> None:
    write_config(tmp_path)
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(drop / "j-socket.txt"))
        result = run_cli("ingest", "drop", "--config", "config.toml", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    added = [line for line in result.stdout.splitlines() if line.startswith("ADDED")]
    assert [line.split(": ", 1)[1] for line in added] == [
        "Niamey relance la route de l'uranium",  # a-niger.txt
        "Bamako accueille les ministres",  # through the link inside the folder
        "Ouagadougou en fête",  # the name with a newline
    ]
    *warnings, last = result.stderr.splitlines()
    assert last == (
        "error: skipped 11 of 14 files: 2 binary, 1 too large, 4 unreadable, 4 unsupported file"
    )
    skipped = {line.removeprefix("warning: skipped drop/").split(": ")[0] for line in warnings}
    assert skipped == {
        "d-secret.txt", "e-absolute.txt", "f-outside-dir", "g-loop.txt", "h-dangling.txt",
        "i-fifo.txt", "j-socket.txt", "k-binary.txt", "m-huge.txt", "n-\\udcff.txt", "notes",
    }  # fmt: skip
    assert all(line.startswith("warning: skipped drop/") for line in warnings)
    outside = [line for line in warnings if "outside the folder" in line]
    assert len(outside) == 3, warnings
    assert "l-new\\nline.txt" not in result.stderr  # it was added, not skipped
    texts = "\n".join(stored_texts(tmp_path / "store.db"))
    assert "Secret" not in texts and "ne doit pas sortir" not in texts
    assert "Ouagadougou" in texts and "Bamako accueille" in texts


def test_a_named_pipe_given_by_name_is_skipped_not_waited_for(tmp_path: Path) -> None:
    write_config(tmp_path)
    os.mkfifo(tmp_path / "pipe.txt")
    result = run_cli("ingest", "pipe.txt", "--config", "config.toml", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "warning: skipped pipe.txt: file cannot be read: not a regular file (a pipe, a socket "
        "or a device)",
        "error: skipped 1 of 1 files: 1 unreadable",
    ]


def test_files_and_folders_without_read_permission_are_skipped(tmp_path: Path) -> None:
    """chmod 000 binds root too once its override capability is dropped (tests.support.limits)."""
    try:
        plain_user = file_modes_enforced()
    except OSError as error:
        pytest.skip(str(error))
    write_config(tmp_path)
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "a-niger.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "b-locked.txt").write_text(NOTE, encoding="utf-8")
    (folder / "b-locked.txt").chmod(0o000)
    closed = tmp_path / "closed"
    closed.mkdir()
    (closed / "c.txt").write_text(NOTE, encoding="utf-8")
    closed.chmod(0o000)
    result = run_cli(
        "ingest", "drop", "closed", "--config", "config.toml", cwd=tmp_path, preexec=plain_user
    )
    assert result.returncode == 2, result.stderr
    assert "ADDED 2: Niamey relance la route de l'uranium" in result.stdout
    assert result.stderr.splitlines() == [
        "warning: skipped drop/b-locked.txt: file cannot be read: drop/b-locked.txt: "
        "Permission denied",
        "warning: skipped closed: file cannot be read: closed: Permission denied",
        "error: skipped 2 of 3 files: 2 unreadable",
    ]


def test_missing_and_empty_paths_stop_before_anything_is_read(tmp_path: Path) -> None:
    write_config(tmp_path)
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    missing = run_cli("ingest", "a.txt", "typo.txt", "--config", "config.toml", cwd=tmp_path)
    assert_one_line_error(missing, "no such file or folder: typo.txt")
    empty = run_cli("ingest", "a.txt", "", "--config", "config.toml", cwd=tmp_path)
    assert_one_line_error(empty, "empty path")
    assert missing.stdout == empty.stdout == ""
    assert not (tmp_path / "store.db").exists()
