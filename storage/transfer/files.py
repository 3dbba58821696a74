"""The files ``db migrate-to`` reads and ``db backup`` writes: checked before anything opens,
and a backup that appears under its name only once it is whole."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from storage.errors import StorageError
from storage.transfer.plan import TransferRefused

SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def refuse_missing_database(path: Path, purpose: str) -> None:
    """A SQLite source must exist: opening a missing one would create an empty database and
    copy nothing, without a word. ``purpose``: « nothing to copy », « nothing to back up »."""
    if path.is_dir():
        raise TransferRefused(f"database {path} is a folder, not a SQLite database file")
    if not path.is_file():
        raise TransferRefused(f"no SQLite database at {path} ([database] path): {purpose}")


def refuse_backup_target(path: Path) -> None:
    """A backup is a new file in a folder that exists: it never replaces a file (perhaps the
    last good backup, or the database itself)."""
    if path.exists() or path.is_symlink():
        raise TransferRefused(f"{path} already exists: a backup never replaces a file")
    if not path.parent.is_dir():
        raise TransferRefused(f"cannot write {path}: no such folder {path.parent}")


@contextmanager
def written_in_place(path: Path) -> Iterator[Path]:
    """A new, empty file next to ``path`` for the block to fill; once the block is done, it
    becomes ``path`` (never replacing a file that appeared meanwhile), and on any error it is
    deleted: no half-written backup is ever left under the backup's name, nor beside it."""
    try:
        descriptor, name = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".partial"
        )
    except OSError as error:
        raise StorageError(f"cannot write {path}: {error.strerror or error}") from None
    os.close(descriptor)
    partial = Path(name)
    try:
        yield partial
        _link_without_replacing(partial, path)
    finally:
        for companion in (partial, *(Path(f"{partial}{end}") for end in SQLITE_COMPANIONS)):
            companion.unlink(missing_ok=True)


def _link_without_replacing(partial: Path, path: Path) -> None:
    try:
        os.link(partial, path)  # fails if ``path`` exists, where a rename would replace it
    except FileExistsError:
        raise TransferRefused(
            f"{path} appeared while the backup was written: left as it is"
        ) from None
    except OSError as error:  # a file system without hard links
        if path.exists():
            raise TransferRefused(
                f"{path} appeared while the backup was written: left as it is"
            ) from None
        try:
            os.replace(partial, path)
        except OSError:
            raise StorageError(f"cannot write {path}: {error.strerror or error}") from None
