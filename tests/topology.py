"""The deployment without containers: ``streamlit run app.py`` replicas, nginx from the repo's proxy file, learners.

A learner is a browser tab driven over the real websocket (``bench/rerun_cost.py``'s ``Tab``) through
nginx, carrying the sticky cookie the proxy set on its first page load. Which replica served a request
comes from nginx's access log (``upstream=`` in the repo's log format).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import websockets

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import rerun_cost  # noqa: E402 - the bench's websocket client, shared

FIXTURE = ROOT / "tests" / "fixtures" / "content"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is missing in CI: scripts/test-prereqs.sh installs it")
        pytest.skip("nginx not installed (sudo apt-get install nginx, or run scripts/test-prereqs.sh)")
    return found


def app_env(data_dir: Path, database_url: str | None, key_file: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CPD_", "STREAMLIT_"))}
    env.update(CPD_DATA_DIR=str(data_dir), CPD_MODULES_DIR=str(FIXTURE / "modules"),
               CPD_QUESTIONS_DIR=str(FIXTURE / "questions"), CPD_MODULE_ID="mini", CPD_SIGNING_KEY_FILE=str(key_file),
               CPD_OUTBOX_WORKER_IN_APP="false", PYTHONUNBUFFERED="1", **extra)
    if database_url:
        env["CPD_DATABASE_URL"] = database_url
    return env


class App:
    """One replica: ``streamlit run app.py`` on its own port."""

    def __init__(self, env: dict[str, str], log: Path, port: int | None = None, user: str | None = None,
                 script: Path | None = None):
        self.env, self.log_path, self.port, self.user = env, log, port or free_port(), user
        self.script = script or ROOT / "app.py"  # the load bench also serves its bare page this way
        self.proc: subprocess.Popen | None = None

    def start(self, wait: bool = True) -> App:
        cmd = [sys.executable, "-m", "streamlit", "run", str(self.script), "--server.port", str(self.port),
               "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
               "--browser.gatherUsageStats", "false", "--global.developmentMode", "false"]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        self._log = open(self.log_path, "a")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"replica on {self.port} exited:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"replica on {self.port} not ready:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def log_tail(self, n: int = 40) -> str:  # what rerun_cost.Tab calls on errors
        return self.log()

    def kill9(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill9()
        if getattr(self, "_log", None):
            self._log.close()


def render_proxy_conf(listen: str, upstreams: list[int], access_log: Path) -> str:
    """deploy/nginx.conf.template with its ${CPD_...} placeholders filled, as envsubst does in the nginx image."""
    values = {
        "CPD_LISTEN": listen,
        "CPD_UPSTREAM_SERVERS": " ".join(f"server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p in upstreams),
        "CPD_ACCESS_LOG": str(access_log),
    }
    template = (ROOT / "deploy" / "nginx.conf.template").read_text()
    return re.sub(r"\$\{(CPD_\w+)\}", lambda m: values[m.group(1)], template)


def deploy_nginx_limits() -> tuple[int, int]:
    """(worker_connections, worker_rlimit_nofile) of deploy/nginx.conf: the local proxy uses the deployed figures."""
    code = "\n".join(line.split("#", 1)[0] for line in (ROOT / "deploy" / "nginx.conf").read_text().splitlines())
    events = re.search(r"events\s*\{([^}]*)\}", code)
    connections = re.search(r"\bworker_connections\s+(\d+)\s*;", events.group(1) if events else "")
    rlimit = re.search(r"^\s*worker_rlimit_nofile\s+(\d+)\s*;", code, re.MULTILINE)
    if connections is None or rlimit is None:
        raise ValueError("deploy/nginx.conf must set worker_connections (in events) and worker_rlimit_nofile")
    return int(connections.group(1)), int(rlimit.group(1))


def proxy_main_conf(workdir: Path, site: Path) -> str:
    """The local proxy's main nginx.conf: deploy/nginx.conf's connection figures, this prefix's paths, ``site``."""
    connections, rlimit = deploy_nginx_limits()
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must reach the temp folders below
    return (f"{user}worker_processes 1;\npid {workdir}/nginx.pid;\nerror_log {workdir}/error.log;\n"
            f"worker_rlimit_nofile {rlimit};\nevents {{ worker_connections {connections}; }}\n"
            f"http {{\n client_body_temp_path {workdir}/body;\n proxy_temp_path {workdir}/proxy;\n"
            f" fastcgi_temp_path {workdir}/fcgi;\n uwsgi_temp_path {workdir}/uwsgi;\n scgi_temp_path {workdir}/scgi;\n"
            f" include {site};\n}}\n")


class Proxy:
    """nginx in the foreground with a throw-away prefix, serving the repo's proxy file with the deployed
    connection limits (deploy/nginx.conf: each phone holds two connections, and nginx one more per phone
    towards the replica)."""

    def __init__(self, workdir: Path, upstreams: list[int]):
        self.dir, self.port = workdir, free_port()
        self.dir.mkdir(parents=True, exist_ok=True)
        self.access_log = self.dir / "access.log"
        (self.dir / "cpd.conf").write_text(render_proxy_conf(f"127.0.0.1:{self.port}", upstreams, self.access_log))
        (self.dir / "nginx.conf").write_text(proxy_main_conf(self.dir, self.dir / "cpd.conf"))
        self.proc = subprocess.Popen([nginx_binary(), "-p", str(self.dir), "-c", str(self.dir / "nginx.conf"),
                                      "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"nginx exited: {self.proc.stderr.read().decode()}") from None
                time.sleep(0.1)
        raise RuntimeError("nginx did not listen")

    def served(self) -> list[tuple[str, str, str]]:
        """(request line, route cookie, upstream) for each logged request."""
        if not self.access_log.exists():
            return []
        rx = re.compile(r'"(?P<req>[^"]*)" (?P<status>\d+) route=(?P<route>\S*) upstream=(?P<up>.*)$')
        return [(m["req"], m["route"], m["up"]) for line in self.access_log.read_text().splitlines()
                if (m := rx.search(line))]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=15)


def first_visit(port: int, cookie: str | None = None) -> str:
    """GET / through the proxy like a browser's first page load; returns the cpd_route cookie it was given."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Cookie": f"cpd_route={cookie}"} if cookie else {})
    with urllib.request.urlopen(req, timeout=10) as r:
        r.read()
        if cookie:
            return cookie
        set_cookie = r.headers.get("Set-Cookie", "")
    m = re.match(r"cpd_route=([^;]+)", set_cookie)
    assert m, f"the proxy set no route cookie: {set_cookie!r}"
    return m.group(1)


@dataclass
class Target:
    """What a Tab connects to: the proxy (or a replica) port; ``log_tail`` for the bench client's errors."""

    port: int
    logs: list = field(default_factory=list)

    def log_tail(self, n: int = 40) -> str:
        return "\n".join(app.log() for app in self.logs)


class Tab(rerun_cost.Tab):
    """A browser tab through the proxy, sending the sticky cookie; ``token`` opens an attempt (the resume link)."""

    def __init__(self, target: Target, cookie: str | None = None, token: str | None = None):
        super().__init__(target)
        self.cookie = cookie
        if token:
            self.query_string = f"t={token}"

    async def __aenter__(self) -> Tab:
        host = f"127.0.0.1:{self.server.port}"
        headers = {"Cookie": f"cpd_route={self.cookie}"} if self.cookie else {}
        self.ws = await websockets.connect(f"ws://{host}/_stcore/stream", subprotocols=["streamlit"],
                                           origin=f"http://{host}", max_size=None, additional_headers=headers,
                                           open_timeout=20)
        return self

    @property
    def token(self) -> str | None:
        m = re.search(r"(?:^|&)t=([^&]+)", self.query_string)
        return m.group(1) if m else None


async def start_attempt(tab: Tab, i: int) -> rerun_cost.Render:
    render = await tab.run()
    start = render.button("Start the module")
    assert start is not None, f"no start form: {render.texts[:5]} {render.errors}"
    render = await tab.run(rerun_cost._start_values(render, i), start)
    assert not render.errors, render.errors
    assert tab.token, "starting gives a resume link"
    return render


async def answer_one(tab: Tab, render: rerun_cost.Render, seed: int = 0) -> rerun_cost.Render:
    """Submit the question on screen (any valid answer) and press Continue; returns the next screen."""
    import random

    submit = render.button("Submit answer")
    assert submit is not None, f"no question on screen: {render.texts[:6]} {render.errors}"
    render = await tab.run(rerun_cost._answer_values(render, submit, random.Random(seed)), submit)
    nxt = render.button("Continue", "See your results")
    assert nxt is not None, f"no feedback after submitting: {render.errors or render.texts[:6]}"
    return await tab.run(trigger=nxt)


class ThrowawayPostgres:
    """A PostgreSQL cluster of its own in a temporary folder, run as ``nobody`` (never the shared server).

    Debian's initdb/pg_ctl refuse to run as root, and CI runs as root: hence runuser. ``stop()`` and
    ``start()`` take the server away and bring it back with the data in place.
    """

    def __init__(self) -> None:
        import tempfile

        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not bins:
            if os.environ.get("CI") == "true":
                pytest.fail("PostgreSQL's server binaries are missing in CI (Debian package postgresql)")
            pytest.skip("PostgreSQL server binaries not installed (/usr/lib/postgresql/*/bin)")
        self.bin = bins[-1].parent
        self.dir = Path(tempfile.mkdtemp(prefix="cpd-pg-", dir="/tmp"))
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            if not shutil.which("runuser"):
                pytest.skip("runuser is needed to run PostgreSQL as a non-root user")
            shutil.chown(self.dir, "nobody", "nogroup")
            self.as_user = ["runuser", "-u", "nobody", "--"]
        self._run("initdb", "-D", str(self.dir / "data"), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        self.start()

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run([*self.as_user, str(self.bin / tool), *args], capture_output=True, text=True,
                              cwd=self.dir, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed: {done.stdout}\n{done.stderr}")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-o", opts, "-l", str(self.dir / "log"), "-w", "-t", "60",
                  "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        try:
            self.stop()
        except RuntimeError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


def run(coro):  # noqa: ANN001, ANN201 - a coroutine and its result
    """``asyncio.run`` on a thread of its own: Playwright's sync API (the browser tests' session fixture) keeps an
    event loop running on the main thread for the rest of the session, where ``asyncio.run`` would refuse."""
    import asyncio
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
