"""A real learning record store for the xAPI tests: Ralph (``ralph-malph`` from PyPI) in ``.venv-lrs``.

Ralph runs (through ``ralph_lrs.py``, which says why) in its own virtualenv (``make lrs``) because its FastAPI and uvicorn
pins conflict with the app's. It stores statements in files under the test's
folder, so a stopped and restarted LRS keeps what it had (an outage, not a
wipe). Credentials are made with Ralph's own ``ralph auth`` (bcrypt).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
LRS_PYTHON = Path(os.environ.get("CPD_TEST_LRS_PYTHON", ROOT / ".venv-lrs" / "bin" / "python"))
USER, PASSWORD = "cpd-tests", "lrs-password-for-tests"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RalphLrs:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        (folder / "data").mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, "RALPH_APP_DIR": str(folder / "app"), "RALPH_AUTH_FILE": str(folder / "auth.json"),
                    "RALPH_RUNSERVER_BACKEND": "fs",
                    "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(folder / "data")}
        subprocess.run([str(LRS_PYTHON), "-m", "ralph.__main__", "auth", "-u", USER, "-p", PASSWORD, "-s", "all",
                        "-M", "mailto:cpd-tests@example.org", "-w"], env=self.env, check=True, capture_output=True,
                       timeout=120, cwd=folder)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/xAPI/"

    def start(self) -> RalphLrs:
        log = open(self.folder / "lrs.log", "ab")  # noqa: SIM115 - the process keeps it
        self.proc = subprocess.Popen([str(LRS_PYTHON), str(Path(__file__).with_name("ralph_lrs.py")), "127.0.0.1",
                                      str(self.port)], env=self.env, stdout=log, stderr=log, cwd=self.folder)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{self.port}/whoami", auth=(USER, PASSWORD), timeout=2).ok:
                    return self
            except requests.ConnectionError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"the LRS stopped: {(self.folder / 'lrs.log').read_text()[-2000:]}")
            time.sleep(0.2)
        raise RuntimeError("the LRS did not start within 60 s")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
            self.proc = None

    def statements(self, **params: str) -> list[dict]:
        """Every statement the LRS holds matching ``params`` (following ``more``)."""
        found: list[dict] = []
        url = f"{self.endpoint}statements"
        query: dict[str, str] | None = {"limit": "500", **params}
        while url:
            r = requests.get(url, params=query, auth=(USER, PASSWORD), timeout=10,
                             headers={"X-Experience-API-Version": "1.0.3"})
            r.raise_for_status()
            body = r.json()
            found.extend(body["statements"])
            more = body.get("more")
            url, query = (f"http://127.0.0.1:{self.port}{more}", None) if more else ("", None)
        return found
