"""Real operating-system limits for a child process: file modes that bind root, and a disk that
fills up. Both are applied in the child just before ``exec`` (``subprocess``'s ``preexec_fn``),
so the command under test meets them through ordinary system calls on real files.

* Root ignores file modes through two capabilities, CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH
  (CI runs as root). Dropping them from the child's bounding set before ``exec`` makes the new
  program run as root *without* them: a file or folder without the write bit then refuses writes
  exactly as it would for any user (EACCES, or SQLite's "readonly database"). Ordinary users
  need nothing: file modes already bind them.
* A full disk is RLIMIT_FSIZE: the kernel refuses to write past that offset of any file (EFBIG;
  Python ignores the SIGXFSZ that comes with it), on the real file system, wherever the file is.
  Mounting a tiny tmpfs would give ENOSPC itself but needs CAP_SYS_ADMIN, which containers
  usually lack; what the database must do is the same (the write fails, the transaction rolls
  back).
"""

from __future__ import annotations

import ctypes
import os
import resource
import subprocess
from collections.abc import Callable

PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE = 1
CAP_DAC_READ_SEARCH = 2
Preexec = Callable[[], None]


def _drop_file_overrides() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def file_modes_enforced() -> Preexec | None:
    """What to run in the child so that file modes bind it (None: they already do).

    Raises ``OSError`` when running as root in a place that forbids dropping capabilities
    (no CAP_SETPCAP): the caller skips then, saying why.
    """
    if os.geteuid() != 0:
        return None
    try:
        subprocess.run(["true"], preexec_fn=_drop_file_overrides, check=True)
    except (subprocess.SubprocessError, OSError) as error:
        raise OSError(f"cannot drop root's file-mode override here: {error}") from error
    return _drop_file_overrides


def disk_full_after(size: int) -> Preexec:
    """What to run in the child so that no file it writes can grow past ``size`` bytes."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit
