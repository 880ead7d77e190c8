"""A live workshop under load: N simulated phones against a real server, beside a bare page in the same run.

Each phone is a websocket client speaking Streamlit's protobuf protocol, as a browser
tab does (``bench/rerun_cost.py``'s ``Tab``), plus what the page's poller component
does in the browser: it GETs the room's version route every 1.5 s over one
keep-alive HTTP connection and, only when the version changed, sends the rerun the
component's value change causes. Profile: phones join over ``--join-seconds``
(default 60) through the real join form; they wait and poll; the facilitator opens
an item (engine call on the same database, as the console does); every phone
answers within 20 s; the facilitator reveals. Measured: answer click to updated
page (p50/p95/p99), reveal to the phone showing the feedback (p95), errors, server
CPU seconds and peak RSS. The same phones then run against
``bench/bare_workshop_app.py`` (a bare form page polling a constant route at the
same interval, taking the same answers): the ratio is answer p95 over its p95.

``--replicas K`` runs the deployment instead (issue 17): K ``streamlit run app.py`` replicas on one
PostgreSQL schema of their own (on ``--postgres``, dropped afterwards) behind nginx configured from the
repo's ``deploy/nginx.conf.template`` (``tests/topology.py``: the helpers the topology tests use). Each
phone first loads ``/`` through the proxy, keeps the ``cpd_route`` cookie it was given (stickiness
hashes on that cookie, never on the client address: every phone here is 127.0.0.1) and sends it on its
websocket and its polls. The bare page runs as K replicas behind a second nginx in the same run.
Printed per replica: websocket sessions it served, CPU seconds and peak RSS (from /proc). Lost answers:
answer rows in the database for the opened item against the answers the phones sent.

Usage: .venv/bin/python bench/workshop_load.py --participants N [--replicas K] [--join-seconds 60] [--keep-logs]
Last line: participants=N p50_ms=.. p95_ms=.. reveal_p95_ms=.. errors=.. floor_p95_ms=.. ratio=..
(with --replicas: ... replicas=K lost=.. after it)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rerun_cost as rc  # noqa: E402 - the protocol lives there

PG_URL = os.environ.get("CPD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

ROOT = rc.ROOT
POLL_S = 1.5
SPREAD_S = 0.8  # the poller's random wait before a redraw (cpd/ui/workshop_common.py SPREAD_MS)
ANSWER_WINDOW_S = 20.0


def _collect(render: rc.Render, el, fragment_id: str) -> None:  # noqa: ANN001 - protobuf element
    """As rerun_cost's, plus the poller component's instance (its value is what a version change sets)."""
    if el.WhichOneof("type") == "component_instance":
        render.widgets.append(rc.Widget("component_instance", el.component_instance, fragment_id))
        return
    _base_collect(render, el, fragment_id)


_base_collect = rc._collect
rc._collect = _collect


class Poller:
    """One keep-alive HTTP connection asking the version route, as the component's fetch does."""

    def __init__(self, port: int, path: str) -> None:
        self.port, self.path = port, path
        self.cookie: str | None = None  # the proxy's cpd_route, once it set one
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _get(self, path: str) -> tuple[bytes, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        cookie = f"Cookie: cpd_route={self.cookie}\r\n" if self.cookie else ""
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n{cookie}"
                          "Connection: keep-alive\r\n\r\n".encode())
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        if any(line.lower().startswith(b"transfer-encoding: chunked") for line in lines):
            body = b""
            while (size := int((await self.reader.readuntil(b"\r\n")).strip(), 16)) > 0:
                body += await self.reader.readexactly(size + 2)
            await self.reader.readuntil(b"\r\n")
        else:
            length = next(int(line.split(b":")[1]) for line in lines if line.lower().startswith(b"content-length"))
            body = await self.reader.readexactly(length)
        return head, body

    async def first_visit(self) -> None:
        """GET / as a browser's first page load through the proxy; keep the route cookie it sets."""
        head, _ = await self._get("/")
        m = re.search(rb"(?im)^set-cookie: cpd_route=([^;\r\n]+)", head)
        if m is None:
            raise RuntimeError(f"the proxy set no route cookie: {head[:300]!r}")
        self.cookie = m.group(1).decode()

    async def get(self) -> int | None:
        for _ in range(2):
            try:
                _, body = await self._get(self.path)
                return int(json.loads(body)["v"])
            except (OSError, asyncio.IncompleteReadError, StopIteration, ValueError, KeyError):
                if self.writer is not None:
                    self.writer.close()
                self.writer = None
        return None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


@dataclass
class Results:
    answer_ms: list[float] = field(default_factory=list)
    reveal_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    polls: int = 0
    sent: int = 0  # answer clicks sent (confirmed or not): what the database should hold
    cpu_s: list[float] = field(default_factory=list)  # per server process
    rss_mb: list[float] = field(default_factory=list)  # peak, per server process
    wall_s: float = 0.0
    stored: int | None = None  # answer rows in the database for the opened item
    driver_cpu_s: float = 0.0  # this load generator's own CPU (it shares the machine)
    machine_busy_s: float = 0.0  # every process's CPU on the machine over the run (/proc/stat): shows other load


def _machine_busy_s() -> float:
    """CPU seconds the whole machine has been busy (all cores, everything but idle and iowait)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


class CookieTab(rc.Tab):
    """A browser tab sending the proxy's route cookie on its websocket (as a browser sends its cookies)."""

    def __init__(self, target: object, cookie: str | None) -> None:
        super().__init__(target)  # type: ignore[arg-type]
        self.cookie = cookie

    async def __aenter__(self) -> CookieTab:
        import websockets

        host = f"127.0.0.1:{self.server.port}"
        headers = {"Cookie": f"cpd_route={self.cookie}"} if self.cookie else {}
        self.ws = await websockets.connect(f"ws://{host}/_stcore/stream", subprotocols=["streamlit"],
                                           origin=f"http://{host}", max_size=None, additional_headers=headers,
                                           open_timeout=60)
        return self


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Servers:
    """What the phones connect to (``port``: one server, or the proxy) and the server processes behind it."""

    port: int
    pids: list[int]
    logs: Callable[[], str]
    cpu: Callable[[], list[float]]  # CPU seconds so far, per process
    proxied: bool = False

    def log_tail(self, n: int = 40) -> str:  # what rerun_cost.Tab calls on errors
        return self.logs()

    def rss(self) -> list[float]:
        return [_rss_mb(pid) for pid in self.pids]


def _radio(render: rc.Render, suffix_label: str) -> rc.Widget | None:
    return next((w for w in render.widgets if w.kind == "radio" and w.label.startswith(suffix_label)), None)


class Clock:
    def __init__(self) -> None:
        self.opened: float | None = None
        self.revealed: float | None = None
        self.stop = False


async def phone(i: int, server: Servers, code: str | None, version_path: str, join_at: float, clock: Clock,
                res: Results, rng: random.Random, bare: bool) -> None:
    await asyncio.sleep(max(0.0, join_at - time.monotonic()))
    poller = Poller(server.port, version_path)
    try:
        if server.proxied:
            await poller.first_visit()
        async with CookieTab(server, poller.cookie) as tab:
            if code is not None:
                from streamlit.util import calc_hash

                tab.query_string = f"code={code}"
                tab.page_script_hash = calc_hash("workshop")  # the page at /workshop
            render = await tab.run()
            if not bare:
                values: dict[str, tuple[str, object]] = {}
                for w in render.widgets:
                    if w.kind == "text_input" and w.label.startswith("Your name"):
                        values[w.proto.id] = ("string_value", f"Phone {i}")
                    elif w.kind == "selectbox" and w.label == "Profession":
                        values[w.proto.id] = ("string_value", "Other")
                render = await tab.run(values, render.button("Join"))
                if not any("Waiting for the facilitator" in t for t in render.texts):
                    raise RuntimeError(f"join failed: {render.texts[:5]} {render.errors}")
            seen = _version(render)
            answered = False
            answer_at: float | None = None
            got_reveal = False
            while not clock.stop:
                await asyncio.sleep(POLL_S * (0.9 + 0.2 * rng.random()))
                v = await poller.get()
                res.polls += 1
                if v is None:
                    res.errors.append(f"phone {i}: poll failed")
                    continue
                if not bare and v != seen:
                    await asyncio.sleep(rng.uniform(0, SPREAD_S))  # as the poller component waits
                    comp = next((w for w in render.widgets if w.kind == "component_instance"), None)
                    if comp is None:
                        res.errors.append(f"phone {i}: no poller on the page")
                        return
                    render = await tab.run({comp.proto.id: ("json_value", json.dumps(v))},
                                           fragment_id=comp.fragment_id)
                    seen = _version(render) or v
                    if clock.revealed is not None and not got_reveal and any(
                            t.startswith(("Right", "Not right", "Partly right")) for t in render.texts):
                        got_reveal = True
                        res.reveal_ms.append((time.monotonic() - clock.revealed) * 1000)
                if clock.opened is not None and not answered:
                    if answer_at is None:
                        answer_at = clock.opened + rng.uniform(1.0, ANSWER_WINDOW_S)
                    if time.monotonic() >= answer_at:
                        option = _radio(render, "Your answer")
                        if option is None:
                            continue  # this phone has not seen the item yet
                        values = {option.proto.id: ("string_value", rng.choice(list(option.proto.options)))}
                        certainty = _radio(render, "How sure")
                        if certainty is not None:
                            values[certainty.proto.id] = ("string_value", certainty.proto.options[1])
                        t0 = time.monotonic()
                        res.sent += 1
                        render = await tab.run(values, render.button("Submit answer"))
                        ms = (time.monotonic() - t0) * 1000
                        ok = any(t.startswith(("Your answer is saved", "You chose")) for t in render.texts)
                        if not ok:
                            res.errors.append(f"phone {i}: answer not taken: {render.texts[:3]} {render.errors}")
                        else:
                            res.answer_ms.append(ms)
                        answered = True
            if not bare and clock.revealed is not None and not got_reveal:
                res.errors.append(f"phone {i}: never showed the reveal")
    except Exception as exc:  # noqa: BLE001 - counted and shown
        res.errors.append(f"phone {i}: {type(exc).__name__}: {exc}")
    finally:
        poller.close()


def _version(render: rc.Render) -> int | None:
    comp = next((w for w in render.widgets if w.kind == "component_instance"), None)
    if comp is None:
        return None
    try:
        return int(json.loads(comp.proto.json_args)["version"])
    except (ValueError, KeyError, TypeError):
        return None


async def run_room(server: Servers, n: int, join_s: float, *, bare: bool, store=None, loaded=None,  # noqa: ANN001
                   who=None) -> Results:  # noqa: ANN001
    from cpd.workshops import room

    res, clock, rng = Results(), Clock(), random.Random(7)
    code = None
    version_path = "/api/bare/version"
    r = None
    if not bare:
        created = room.create(store, loaded, who, title="Load", held_on="2026-12-02", venue="Bench Hall", cpd_hours=1)
        r = created.room
        code, version_path = r.join_code, f"/api/workshops/{r.id}/version"
    c0, t0, d0, m0 = server.cpu(), time.monotonic(), time.process_time(), _machine_busy_s()
    tasks = [asyncio.create_task(phone(i, server, code, version_path, t0 + join_s * i / n, clock, res,
                                       random.Random(rng.random()), bare)) for i in range(n)]
    rss = [0.0] * len(server.pids)

    def peak() -> list[float]:
        return [max(a, b) for a, b in zip(rss, server.rss(), strict=True)]

    await asyncio.sleep(join_s + 5)
    rss = peak()
    if not bare:
        assert r is not None
        room.open_item(store, loaded, r.id, "q-source", who)
    clock.opened = time.monotonic()
    await asyncio.sleep(ANSWER_WINDOW_S + 3)
    rss = peak()
    if not bare:
        assert r is not None
        room.reveal(store, r.id, who)
        clock.revealed = time.monotonic()
        await asyncio.sleep(8)
    else:
        await asyncio.sleep(2)
    clock.stop = True
    await asyncio.gather(*tasks)
    res.cpu_s = [b - a for a, b in zip(c0, server.cpu(), strict=True)]
    res.rss_mb = peak()
    res.wall_s = time.monotonic() - t0
    res.driver_cpu_s = time.process_time() - d0
    res.machine_busy_s = _machine_busy_s() - m0
    if not bare:
        assert r is not None
        res.stored = _stored(store, r.id, "q-source")
    return res


def _stored(store, workshop_id: str, item_id: str) -> int:  # noqa: ANN001 - a sessionmaker
    from sqlalchemy import func, select

    from cpd.storage.tables import Response, WorkshopParticipant

    with store() as s:
        return int(s.scalar(select(func.count()).select_from(Response)
                            .join(WorkshopParticipant, WorkshopParticipant.attempt_id == Response.attempt_id)
                            .where(WorkshopParticipant.workshop_id == workshop_id, Response.item_id == item_id)) or 0)


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, int(round(p / 100 * len(xs) + 0.5)) - 1))]


def _single(server: rc.Server) -> Servers:
    return Servers(server.port, [server.proc.pid], server.log_tail, lambda: [server.cpu_ns() / 1e9])


def _facilitator(store):  # noqa: ANN001, ANN202 - a sessionmaker; a Principal
    from sqlalchemy import select

    from cpd.accounts import directory
    from cpd.storage.tables import Account

    directory.create_organisation(store, "Bench Society", "bench")
    directory.create_account(store, "fac@bench.example", role="facilitator", org_slug="bench",
                             password="bench password 1")
    with store() as s:
        return directory.principal(s, s.scalars(select(Account.id)).one())


async def one_process(n: int, join_s: float, keep_logs: bool) -> tuple[Results, Results, str, None]:
    from cpd.content.loader import load_module
    from cpd.storage.db import open_store

    with tempfile.TemporaryDirectory(prefix="bench-workshop-") as tmp:
        env, module = rc.choose_content(Path(tmp), True)
        store = open_store(f"sqlite:///{Path(tmp) / 'cpd.sqlite3'}")
        who = _facilitator(store)
        loaded = load_module([rc.FIXTURE], "mini")
        env = {**env, "CPD_OUTBOX_WORKER_IN_APP": "false"}
        print(f"[bench] module: {module}; {n} phones; starting the servers…", file=sys.stderr)
        srv = rc.Server(ROOT / "app.py", env, "workshop")
        bare_srv = rc.Server(ROOT / "bench" / "bare_workshop_app.py", env, "bare")
        try:
            live = await run_room(_single(srv), n, join_s, bare=False, store=store, loaded=loaded, who=who)
            print("[bench] workshop done; bare page…", file=sys.stderr)
            floor = await run_room(_single(bare_srv), n, join_s, bare=True)
        finally:
            srv.stop(keep_logs)
            bare_srv.stop(keep_logs)
            store.kw["bind"].dispose()
    return live, floor, f"one process, SQLite; {module}", None


async def replicas(n: int, k: int, join_s: float, keep_logs: bool, pg_url: str) -> tuple[Results, Results, str, dict]:
    """K app replicas on one PostgreSQL behind nginx (the repo's proxy file), then K bare replicas the same way."""
    sys.path.insert(0, str(ROOT / "tests"))
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from sqlalchemy import create_engine, text
    from topology import App, Proxy, app_env

    from cpd.certificates.keys import write_private_key
    from cpd.content.loader import load_module
    from cpd.storage.db import open_store

    admin = create_engine(pg_url, connect_args={"connect_timeout": 3})
    schema = f"bench_ws_{uuid.uuid4().hex[:10]}"
    with admin.begin() as conn:
        conn.execute(text(f'create schema "{schema}"'))
    url = f"{pg_url}{'&' if '?' in pg_url else '?'}options=-csearch_path%3D{schema}"
    tmp = Path(tempfile.mkdtemp(prefix="bench-replicas-"))
    started: list[App] = []
    proxies: list[Proxy] = []
    store = None
    try:
        store = open_store(url)  # migrates the schema once, before the replicas start
        who = _facilitator(store)
        loaded = load_module([rc.FIXTURE], "mini")
        key = tmp / "signing-key.pem"
        write_private_key(Ed25519PrivateKey.generate(), key)

        def cluster(label: str, script: Path) -> tuple[list[App], Proxy]:
            apps = []
            for i in range(k):
                (tmp / f"{label}{i}").mkdir()
                apps.append(App(app_env(tmp / f"{label}{i}", url, key, CPD_TRUSTED_PROXY_HOPS="1"),
                                tmp / f"{label}{i}.log", script=script))
            for app in apps:
                app.start(wait=False)
                started.append(app)
            for app in apps:
                app.wait_ready()
            proxy = Proxy(tmp / f"nginx-{label}", [app.port for app in apps])  # deploy/nginx.conf's limits
            proxies.append(proxy)
            return apps, proxy

        def servers(apps: list[App], proxy: Proxy) -> Servers:
            pids = [app.proc.pid for app in apps]
            return Servers(proxy.port, pids, lambda: "\n".join(app.log() for app in apps),
                           lambda: [_proc_cpu_s(pid) for pid in pids], proxied=True)

        print(f"[bench] {k} replicas on PostgreSQL (schema {schema}) behind nginx; {n} phones…", file=sys.stderr)
        apps, proxy = cluster("app", ROOT / "app.py")
        live = await run_room(servers(apps, proxy), n, join_s, bare=False, store=store, loaded=loaded, who=who)
        sessions = Counter(up for req, _route, up in proxy.served() if req.startswith("GET /_stcore/stream"))
        per = {"sessions": [sessions.get(f"127.0.0.1:{app.port}", 0) for app in apps]}
        for app in apps:
            app.stop()
        print("[bench] workshop done; bare page replicas…", file=sys.stderr)
        bare_apps, bare_proxy = cluster("bare", ROOT / "bench" / "bare_workshop_app.py")
        floor = await run_room(servers(bare_apps, bare_proxy), n, join_s, bare=True)
        bare_sessions = Counter(up for req, _r, up in bare_proxy.served() if req.startswith("GET /_stcore/stream"))
        per["bare_sessions"] = [bare_sessions.get(f"127.0.0.1:{app.port}", 0) for app in bare_apps]
    finally:
        for proxy in proxies:
            proxy.stop()
        for app in started:
            app.stop()
        if store is not None:
            store.kw["bind"].dispose()
        with admin.begin() as conn:
            conn.execute(text(f'drop schema "{schema}" cascade'))
        admin.dispose()
        if keep_logs:
            print(f"[bench] replica and nginx logs kept in {tmp}", file=sys.stderr)
        else:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
    return live, floor, f"{k} replicas behind nginx (deploy/nginx.conf.template), PostgreSQL; mini (test fixture)", per


def _per_process(values: list[float], unit: str, fmt: str = "{:.1f}") -> str:
    if len(values) == 1:
        return f"{fmt.format(values[0])} {unit}"
    return " + ".join(fmt.format(v) for v in values) + f" {unit} (per replica)"


async def main_async(n: int, join_s: float, keep_logs: bool, k: int, pg_url: str) -> int:
    if k:
        live, floor, where, per = await replicas(n, k, join_s, keep_logs, pg_url)
    else:
        live, floor, where, per = await one_process(n, join_s, keep_logs)
    p50, p95, p99 = (pct(live.answer_ms, p) for p in (50, 95, 99))
    reveal95 = pct(live.reveal_ms, 95)
    floor95 = pct(floor.answer_ms, 95)
    errors = len(live.errors)
    lost = live.sent - (live.stored or 0)
    print(f"workshop page: {n} phones joining over {join_s:g} s, polling every {POLL_S:g} s, answering within "
          f"{ANSWER_WINDOW_S:g} s; {where}")
    print(f"  answer click -> page updated: p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms "
          f"({len(live.answer_ms)} answers)")
    print(f"  reveal -> phone shows it: p50 {pct(live.reveal_ms, 50):.0f} ms, p95 {reveal95:.0f} ms, "
          f"p99 {pct(live.reveal_ms, 99):.0f} ms ({len(live.reveal_ms)} phones)")
    print(f"  answers sent {live.sent}, rows in the database {live.stored}, lost {lost}")
    print(f"  polls {live.polls}; server CPU {_per_process(live.cpu_s, 's')} over {live.wall_s:.0f} s; "
          f"peak RSS {_per_process(live.rss_mb, 'MB', '{:.0f}')}; errors {errors}")
    if per:
        print(f"  websocket sessions per replica (nginx access log): {per['sessions']}")
    other = live.machine_busy_s - sum(live.cpu_s) - live.driver_cpu_s
    print(f"  load generator's own CPU (same machine): {live.driver_cpu_s:.1f} s; everything else on the machine "
          f"(other processes, nginx, PostgreSQL): {other:.1f} CPU s over the same {live.wall_s:.0f} s "
          f"({os.cpu_count()} cores)")
    for e in live.errors[:10]:
        print(f"    {e}")
    print(f"bare page (bench/bare_workshop_app.py), same phones and profile: answer p50 {pct(floor.answer_ms, 50):.0f} ms, "
          f"p95 {floor95:.0f} ms, p99 {pct(floor.answer_ms, 99):.0f} ms ({len(floor.answer_ms)} answers); "
          f"server CPU {_per_process(floor.cpu_s, 's')}; peak RSS {_per_process(floor.rss_mb, 'MB', '{:.0f}')}; "
          f"errors {len(floor.errors)}" + (f"; sessions per replica {per['bare_sessions']}" if per else ""))
    for e in floor.errors[:5]:
        print(f"    {e}")
    ratio = p95 / floor95 if floor95 else float("nan")
    tail = f" replicas={k} lost={lost}" if k else ""
    print(f"participants={n} p50_ms={p50:.0f} p95_ms={p95:.0f} reveal_p95_ms={reveal95:.0f} errors={errors} "
          f"floor_p95_ms={floor95:.0f} ratio={ratio:.2f}{tail}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--participants", "-n", type=int, required=True)
    ap.add_argument("--replicas", "-k", type=int, default=0,
                    help="run K app replicas on PostgreSQL behind nginx (default: one process on SQLite, no proxy)")
    ap.add_argument("--postgres", default=PG_URL, help="PostgreSQL server for --replicas (a schema of its own)")
    ap.add_argument("--join-seconds", type=float, default=60.0)
    ap.add_argument("--keep-logs", action="store_true")
    args = ap.parse_args()
    return asyncio.run(main_async(args.participants, args.join_seconds, args.keep_logs, args.replicas, args.postgres))


if __name__ == "__main__":
    sys.exit(main())
