"""The disk fills up in the middle of ``ingest``: the articles stored before stay whole, the one
being written leaves nothing (no row without its topics, no index entry without its row), the
command ends with one line naming the file and the cause, and the next run adds the rest.

The full disk is real to the process: RLIMIT_FSIZE makes the kernel refuse writes past a size in
every file it writes (``tests.support.limits`` says why not a tiny tmpfs)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from tests.e2e.test_cli import write_config
from tests.support.limits import disk_full_after
from tests.support.processes import run_cli

PLACES = ("Gao", "Kidal", "Tombouctou")


def article(place: str) -> str:
    """About 25 kB: each article needs several pages of the database, its index and topics."""
    sentence = f"À {place}, au Mali, les habitants attendent la route et l'électricité promises. "
    return f"Nouvelles de {place}\n" + sentence * 300


def check_whole(database: Path) -> list[str]:
    """The store's titles, after checking that every table agrees with the others."""
    with closing(sqlite3.connect(database)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        connection.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
        counted = connection.execute(
            "SELECT topic, COUNT(*) FROM article_topics GROUP BY topic ORDER BY topic"
        ).fetchall()
        kept = connection.execute(
            "SELECT topic, articles FROM topic_counts WHERE articles > 0 ORDER BY topic"
        ).fetchall()
        assert counted == kept
        untagged = connection.execute(
            "SELECT COUNT(*) FROM articles WHERE id NOT IN (SELECT article_id FROM article_topics)"
        ).fetchone()
        assert untagged == (0,)
        return [str(title) for (title,) in connection.execute("SELECT title FROM articles")]


def test_disk_full_in_the_middle_of_a_batch_keeps_whole_articles_only(tmp_path: Path) -> None:
    write_config(tmp_path)
    assert run_cli("articles", "--config", "config.toml", cwd=tmp_path).returncode == 0
    database = tmp_path / "store.db"
    folder = tmp_path / "drop"
    folder.mkdir()
    for number, place in enumerate(PLACES):
        (folder / f"{number}-{place}.txt").write_text(article(place), encoding="utf-8")

    full = disk_full_after(database.stat().st_size + 80_000)
    result = run_cli("ingest", "drop", "--config", "config.toml", cwd=tmp_path, preexec=full)

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: cannot write to database {database}: ") and "disk" in line
    added = [row.split(": ", 1)[1] for row in result.stdout.splitlines() if row.startswith("ADDED")]
    assert 1 <= len(added) < len(PLACES), result.stdout  # the disk filled up in the middle
    titles = check_whole(database)
    assert titles[1:] == added  # after the shipped article: exactly those announced

    again = run_cli("ingest", "drop", "--config", "config.toml", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("DUPLICATE") == len(added)
    assert check_whole(database)[1:] == [f"Nouvelles de {place}" for place in PLACES]
