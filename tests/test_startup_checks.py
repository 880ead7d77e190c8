"""An unwritable data folder or a full disk stops the app at start with a message that says what to change.

CI runs as root, which may write anywhere, so the app runs as the unprivileged user ``nobody`` here
(``runuser``, with Debian's python3.11 and the project's packages on PYTHONPATH: the venv's own
interpreter lives under /root, which nobody cannot enter). The full disk is a 1 MB tmpfs, filled up.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from cpd.preflight import StartupError, check_data_dir

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.topology


def _start_app(data_dir: Path, timeout: float = 90) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPD_")}
    env.update(CPD_DATA_DIR=str(data_dir), HOME="/tmp")
    args = ["-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", "0", "--server.headless", "true",
            "--server.address", "127.0.0.1"]
    if os.geteuid() == 0:
        system_python = "/usr/bin/python3.11"
        if not (shutil.which("runuser") and os.path.exists(system_python)):
            pytest.skip("needs runuser and Debian's python3.11 to run the app as a non-root user")
        site = ROOT / ".venv" / "lib" / "python3.11" / "site-packages"
        env["PYTHONPATH"] = f"{site}:{ROOT}"
        cmd = ["runuser", "-u", "nobody", "--", system_python, *args]
    else:
        cmd = [sys.executable, *args]
    return subprocess.run(cmd, env=env, cwd="/tmp", capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def reachable_dir():
    """A folder straight under /tmp that ``nobody`` can reach (pytest's own folders are private to their owner)."""
    path = Path(tempfile.mkdtemp(prefix="cpd-start-", dir="/tmp"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_an_unwritable_data_folder_is_named_at_start(reachable_dir):
    data = reachable_dir / "data"
    data.mkdir(mode=0o555)
    data.chmod(0o555)  # nobody (and a non-root user) may read it but not write
    run = _start_app(data)
    assert run.returncode == 1, run.stdout + run.stderr
    assert f"the data folder {data} is not writable by user" in run.stderr
    assert "CPD_DATA_DIR" in run.stderr and "Traceback" not in run.stderr


def test_a_full_disk_is_named_at_start(reachable_dir):
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    disk = reachable_dir / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0777", "tmpfs", str(disk)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        with open(disk / "filler", "wb") as fh:
            try:
                while True:
                    fh.write(b"\0" * 65536)
                    fh.flush()
            except OSError:
                pass
        run = _start_app(disk)
        assert run.returncode == 1, run.stdout + run.stderr
        assert f"the disk holding the data folder {disk} is full" in run.stderr and "Traceback" not in run.stderr
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_a_nearly_full_disk_is_refused_before_it_fills(tmp_path):
    with pytest.raises(StartupError, match="almost full .* at least"):
        check_data_dir(tmp_path, min_free=1 << 62)
    check_data_dir(tmp_path / "new" / "data")  # a folder that does not exist yet is made
    assert (tmp_path / "new" / "data").is_dir() and not list((tmp_path / "new" / "data").iterdir())
