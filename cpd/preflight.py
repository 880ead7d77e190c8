"""Checks before the app serves anyone: a data folder it cannot write to, or a full disk, is said plainly at start.

Without them the first learner to press Start would meet "database is locked",
"disk I/O error" or a PermissionError traceback, and the answer they gave would
be lost. Run by ``app.py`` at start (it exits with the message) and by
``python -m cpd check``.
"""

from __future__ import annotations

import errno
import os
import pwd
import shutil
import tempfile
from pathlib import Path
from typing import Any

MIN_FREE_BYTES = 20 * 1024 * 1024  # room for SQLite's journal, issued files and a backup's temporary file


class StartupError(RuntimeError):
    """The deployment cannot run as configured; the message says what to change."""


def _who() -> str:
    uid = os.geteuid()
    try:
        return f"user {pwd.getpwuid(uid).pw_name} (uid {uid})"
    except KeyError:
        return f"uid {uid}"


def check_data_dir(data_dir: Path, *, min_free: int = MIN_FREE_BYTES) -> None:
    """The data folder exists (or can be made), this user can write a file there, and the disk has room."""
    path = Path(data_dir)
    fix = "make it writable by that user (e.g. chown), or set CPD_DATA_DIR to a folder that is"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except PermissionError:
        raise StartupError(f"cannot create the data folder {path}: permission denied for {_who()}; {fix}") from None
    except OSError as exc:
        raise StartupError(f"cannot create the data folder {path}: {exc.strerror}; {fix}") from None
    try:
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-check-") as probe:
            probe.write(b"\0" * 4096)
            probe.flush()
            os.fsync(probe.fileno())
    except PermissionError:
        raise StartupError(f"the data folder {path} is not writable by {_who()}; {fix}") from None
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise StartupError(f"the disk holding the data folder {path} is full; free some space "
                               "(or move CPD_DATA_DIR to a larger disk) and start again") from None
        raise StartupError(f"cannot write in the data folder {path}: {exc.strerror}; {fix}") from None
    free = shutil.disk_usage(path).free
    if free < min_free:
        raise StartupError(f"the disk holding the data folder {path} is almost full ({free // 1024} KB free, "
                           f"at least {min_free // (1024 * 1024)} MB needed); free some space and start again")


def check(settings: Any) -> None:
    """Everything the app checks at start."""
    check_data_dir(settings.data_dir)


def exit_if_unfit(settings: Any) -> None:
    """For the entry point: print the problem (no traceback) and exit 1, so the process manager shows why."""
    import sys

    try:
        check(settings)
    except StartupError as exc:
        print(f"error: Reality Check CPD cannot start: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None
