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

Usage: .venv/bin/python bench/workshop_load.py --participants N [--join-seconds 60] [--keep-logs]
Last line: participants=N p50_ms=.. p95_ms=.. reveal_p95_ms=.. errors=.. floor_p95_ms=.. ratio=..
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rerun_cost as rc  # noqa: E402 - the protocol lives there

ROOT = rc.ROOT
POLL_S = 1.5
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
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self) -> int | None:
        for _ in range(2):
            try:
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
                assert self.reader is not None
                self.writer.write(f"GET {self.path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                                  "Connection: keep-alive\r\n\r\n".encode())
                await self.writer.drain()
                head = await self.reader.readuntil(b"\r\n\r\n")
                length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length"))
                body = await self.reader.readexactly(length)
                return int(json.loads(body)["v"])
            except (OSError, asyncio.IncompleteReadError, StopIteration, ValueError):
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
    cpu_s: float = 0.0
    rss_mb: float = 0.0
    wall_s: float = 0.0


def _rss_mb(server: rc.Server) -> float:
    for line in Path(f"/proc/{server.proc.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _radio(render: rc.Render, suffix_label: str) -> rc.Widget | None:
    return next((w for w in render.widgets if w.kind == "radio" and w.label.startswith(suffix_label)), None)


class Clock:
    def __init__(self) -> None:
        self.opened: float | None = None
        self.revealed: float | None = None
        self.stop = False


async def phone(i: int, server: rc.Server, code: str | None, version_path: str, join_at: float, clock: Clock,
                res: Results, rng: random.Random, bare: bool) -> None:
    await asyncio.sleep(max(0.0, join_at - time.monotonic()))
    poller = Poller(server.port, version_path)
    try:
        async with rc.Tab(server) as tab:
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


async def run_room(server: rc.Server, n: int, join_s: float, *, bare: bool, store=None, loaded=None,  # noqa: ANN001
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
    c0, t0 = server.cpu_ns(), time.monotonic()
    tasks = [asyncio.create_task(phone(i, server, code, version_path, t0 + join_s * i / n, clock, res,
                                       random.Random(rng.random()), bare)) for i in range(n)]
    rss = 0.0
    await asyncio.sleep(join_s + 5)
    rss = max(rss, _rss_mb(server))
    if not bare:
        assert r is not None
        room.open_item(store, loaded, r.id, "q-source", who)
    clock.opened = time.monotonic()
    await asyncio.sleep(ANSWER_WINDOW_S + 3)
    rss = max(rss, _rss_mb(server))
    if not bare:
        assert r is not None
        room.reveal(store, r.id, who)
        clock.revealed = time.monotonic()
        await asyncio.sleep(8)
    else:
        await asyncio.sleep(2)
    clock.stop = True
    await asyncio.gather(*tasks)
    res.cpu_s = (server.cpu_ns() - c0) / 1e9
    res.rss_mb = max(rss, _rss_mb(server))
    res.wall_s = time.monotonic() - t0
    return res


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, int(round(p / 100 * len(xs) + 0.5)) - 1))]


async def main_async(n: int, join_s: float, keep_logs: bool) -> int:
    from sqlalchemy import select

    from cpd.accounts import directory
    from cpd.content.loader import load_module
    from cpd.storage.db import open_store
    from cpd.storage.tables import Account

    with tempfile.TemporaryDirectory(prefix="bench-workshop-") as tmp:
        env, module = rc.choose_content(Path(tmp), True)
        store = open_store(f"sqlite:///{Path(tmp) / 'cpd.sqlite3'}")
        directory.create_organisation(store, "Bench Society", "bench")
        directory.create_account(store, "fac@bench.example", role="facilitator", org_slug="bench",
                                 password="bench password 1")
        with store() as s:
            who = directory.principal(s, s.scalars(select(Account.id)).one())
        loaded = load_module([rc.FIXTURE], "mini")
        env = {**env, "CPD_OUTBOX_WORKER_IN_APP": "false"}
        print(f"[bench] module: {module}; {n} phones; starting the servers…", file=sys.stderr)
        srv = rc.Server(ROOT / "app.py", env, "workshop")
        bare_srv = rc.Server(ROOT / "bench" / "bare_workshop_app.py", env, "bare")
        try:
            live = await run_room(srv, n, join_s, bare=False, store=store, loaded=loaded, who=who)
            print("[bench] workshop done; bare page…", file=sys.stderr)
            floor = await run_room(bare_srv, n, join_s, bare=True)
        finally:
            srv.stop(keep_logs)
            bare_srv.stop(keep_logs)
    p50, p95, p99 = (pct(live.answer_ms, p) for p in (50, 95, 99))
    reveal95 = pct(live.reveal_ms, 95)
    floor95 = pct(floor.answer_ms, 95)
    errors = len(live.errors)
    print(f"workshop page: {n} phones joining over {join_s:g} s, polling every {POLL_S:g} s, answering within "
          f"{ANSWER_WINDOW_S:g} s; {module}")
    print(f"  answer click -> page updated: p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms "
          f"({len(live.answer_ms)} answers)")
    print(f"  reveal -> phone shows it: p50 {pct(live.reveal_ms, 50):.0f} ms, p95 {reveal95:.0f} ms "
          f"({len(live.reveal_ms)} phones)")
    print(f"  polls {live.polls}; server CPU {live.cpu_s:.1f} s over {live.wall_s:.0f} s; peak RSS {live.rss_mb:.0f} MB; "
          f"errors {errors}")
    for e in live.errors[:10]:
        print(f"    {e}")
    print(f"bare page (bench/bare_workshop_app.py), same phones and profile: answer p50 {pct(floor.answer_ms, 50):.0f} ms, "
          f"p95 {floor95:.0f} ms ({len(floor.answer_ms)} answers); server CPU {floor.cpu_s:.1f} s; peak RSS "
          f"{floor.rss_mb:.0f} MB; errors {len(floor.errors)}")
    for e in floor.errors[:5]:
        print(f"    {e}")
    ratio = p95 / floor95 if floor95 else float("nan")
    print(f"participants={n} p50_ms={p50:.0f} p95_ms={p95:.0f} reveal_p95_ms={reveal95:.0f} errors={errors} "
          f"floor_p95_ms={floor95:.0f} ratio={ratio:.2f}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--participants", "-n", type=int, required=True)
    ap.add_argument("--join-seconds", type=float, default=60.0)
    ap.add_argument("--keep-logs", action="store_true")
    args = ap.parse_args()
    return asyncio.run(main_async(args.participants, args.join_seconds, args.keep_logs))


if __name__ == "__main__":
    sys.exit(main())
