"""Server CPU per submitted answer: the case page beside a bare Streamlit form page.

Method: each page runs in a real ``streamlit run`` server (headless, own free port,
throw-away CPD_DATA_DIR) and is driven over the real websocket ``/_stcore/stream``
with the protobuf BackMsg/ForwardMsg frames a browser tab sends and receives: one
``rerun_script`` per click carrying the widget states (strings for radios, inputs
and selects, booleans for checkboxes, ``trigger_value`` for buttons), then
ForwardMsgs are read until the run (and any ``st.rerun`` it asked for) has
finished. Cacheable messages are remembered and their hashes sent back, the query
string and page hash are echoed as the browser does.

CPU is the server process's own CPU time (all threads, user + system), read with
``time.process_time_ns()`` by a tiny probe thread inside the server process (it
answers one 8-byte request per sample over a socketpair, nothing else), so the
figures are nanosecond-resolution rather than the 10 ms ticks of /proc/<pid>/stat;
the /proc total is printed beside it as a cross-check. The driver runs in this
process, so its CPU is not counted.

One *answer* on the case page is what a learner clicks to answer one question:
"Submit answer" (scored and stored; the feedback replaces the form in the same run) plus
"Continue" (or "See your results" after the last one) back to the next question.
On the bare page one answer is one form submit. The first answers of each page
are a warm-up and not counted; "session creation" is the CPU of a new tab's first
script run, cold (first tab of the process: imports, cached resources, migrations)
and warm (later tabs).

Usage: .venv/bin/python bench/rerun_cost.py [--answers N] [--warmup W] [--fixture] [--keep-logs]

Content: the real module exosome-safety when `python -m cpd validate` passes and it exists,
else the test fixture module `mini` (tests/fixtures/content); the output says which.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
FIXTURE = ROOT / "tests" / "fixtures" / "content"
REAL_MODULE = "exosome-safety"
SETTLE_S = 0.03  # after a run finishes, let the server finish sending/cleaning up before sampling CPU
RUN_TIMEOUT_S = 60.0

# Runs inside the server process: a probe thread answering CPU-time requests, then `streamlit run`.
BOOT = r"""
import socket, sys, threading, time
_probe = socket.socket(fileno=int(sys.argv.pop(1)))
def _serve():
    while True:
        try:
            if not _probe.recv(8):
                return
            _probe.sendall(b"%d\n" % time.process_time_ns())
        except OSError:
            return
threading.Thread(target=_serve, name="bench-cpu-probe", daemon=True).start()
sys.argv[0] = "streamlit"
from streamlit.web.cli import main
main()
"""

WIDGETS = ("radio", "selectbox", "checkbox", "text_input", "button")


# ---------------------------------------------------------------- server process

class Server:
    """One ``streamlit run`` process with a CPU probe."""

    def __init__(self, script: Path, env: dict[str, str], label: str, extra: tuple[str, ...] = ()):
        self.label = label
        self.port = _free_port()
        self.log = tempfile.NamedTemporaryFile("w+", prefix=f"bench-{label}-", suffix=".log", delete=False)
        parent, child = socket.socketpair()
        self._probe = parent
        args = [
            PY, "-c", BOOT, str(child.fileno()), "run", str(script),
            "--server.headless", "true",
            "--server.port", str(self.port),
            "--server.address", "127.0.0.1",
            "--server.fileWatcherType", "none",
            "--server.runOnSave", "false",
            "--browser.gatherUsageStats", "false",
            "--global.developmentMode", "false",
            *extra,
        ]
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     pass_fds=(child.fileno(),))
        child.close()
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        url = f"http://127.0.0.1:{self.port}/_stcore/health"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.label} server exited early:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(url, timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.label} server not ready after 60 s:\n{self.log_tail()}")

    def cpu_ns(self) -> int:
        """Server process CPU time (all threads, user + system), in ns."""
        self._probe.sendall(b"?")
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = self._probe.recv(64)
            if not chunk:
                raise RuntimeError(f"{self.label} server probe closed:\n{self.log_tail()}")
            buf += chunk
        return int(buf)

    def proc_stat_s(self) -> float:
        """utime + stime from /proc (10 ms ticks), as a cross-check of the probe."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_tail(self, n: int = 40) -> str:
        self.log.flush()
        return "".join(Path(self.log.name).read_text(errors="replace").splitlines(True)[-n:])

    def stop(self, keep_log: bool = False) -> None:
        self._probe.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        if keep_log:
            print(f"[bench] {self.label} server log kept: {self.log.name}", file=sys.stderr)
        else:
            os.unlink(self.log.name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- websocket client (one browser tab)

@dataclass
class Widget:
    kind: str
    proto: object
    fragment_id: str

    @property
    def label(self) -> str:
        return self.proto.label

    @property
    def form_id(self) -> str:
        return self.proto.form_id


@dataclass
class Render:
    widgets: list[Widget] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    runs: int = 0  # script runs it took (st.rerun makes two)

    def button(self, *labels: str) -> Widget | None:
        return next((w for w in self.widgets if w.kind == "button" and w.label in labels), None)


class Tab:
    """A browser tab: one websocket session, echoing what the frontend echoes."""

    def __init__(self, server: Server):
        self.server = server
        self.query_string = ""
        self.page_script_hash = ""
        self.cache: dict[str, ForwardMsg] = {}
        self.values: dict[str, tuple[str, object]] = {}  # widget id -> (WidgetState field, value)
        self.last = Render()

    async def __aenter__(self) -> Tab:
        host = f"127.0.0.1:{self.server.port}"
        self.ws = await websockets.connect(f"ws://{host}/_stcore/stream", subprotocols=["streamlit"],
                                           origin=f"http://{host}", max_size=None)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.ws.close()

    async def run(self, set_values: dict[str, tuple[str, object]] | None = None, trigger: Widget | None = None,
                  fragment_id: str = "") -> Render:
        """Send one rerun_script (what a click sends) and read until the app is idle again.

        ``fragment_id``: a value change of a widget inside an ``st.fragment`` (the browser then
        asks for that fragment's rerun only, as it does for a click on a button inside one).
        """
        self.values.update(set_values or {})
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query_string
        cs.page_script_hash = self.page_script_hash
        cs.cached_message_hashes.extend(self.cache)
        cs.context_info.timezone = "Europe/London"
        cs.context_info.locale = "en-GB"
        cs.context_info.url = f"http://127.0.0.1:{self.server.port}/" + (f"?{self.query_string}" if self.query_string else "")
        if trigger is not None and trigger.fragment_id:
            cs.fragment_id = trigger.fragment_id
        elif fragment_id:
            cs.fragment_id = fragment_id
        live = {w.proto.id for w in self.last.widgets}
        for wid, (fld, val) in self.values.items():
            if wid in live or not self.last.widgets:
                ws = cs.widget_states.widgets.add()
                ws.id = wid
                setattr(ws, fld, val)
        if trigger is not None:
            ws = cs.widget_states.widgets.add()
            ws.id = trigger.proto.id
            ws.trigger_value = True
        await self.ws.send(msg.SerializeToString())
        render = await self._read_until_idle()
        self.last = render
        # Like the frontend: forget state of widgets no longer shown, register defaults of new ones.
        ids = {w.proto.id for w in render.widgets}
        self.values = {k: v for k, v in self.values.items() if k in ids}
        for w in render.widgets:
            if w.proto.id not in self.values and (d := _default_state(w)) is not None:
                self.values[w.proto.id] = d
        return render

    async def _read_until_idle(self) -> Render:
        render = Render()
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), RUN_TIMEOUT_S)
            fm = ForwardMsg()
            fm.ParseFromString(raw)
            kind = fm.WhichOneof("type")
            if kind == "ref_hash":
                fm = self.cache[fm.ref_hash]
                kind = fm.WhichOneof("type")
            elif fm.metadata.cacheable:
                self.cache[fm.hash] = fm
            if kind == "new_session":
                self.page_script_hash = fm.new_session.page_script_hash or self.page_script_hash
                render = Render(runs=render.runs)
            elif kind == "navigation":
                self.page_script_hash = fm.navigation.page_script_hash or self.page_script_hash
            elif kind == "page_info_changed":
                self.query_string = fm.page_info_changed.query_string
            elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                _collect(render, fm.delta.new_element, fm.delta.fragment_id)
            elif kind == "script_finished":
                render.runs += 1
                status = fm.script_finished
                if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    render = Render(runs=render.runs)  # st.rerun: the next run replaces this one
                    continue
                if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    raise RuntimeError(f"script failed to compile:\n{self.server.log_tail()}")
                if render.errors and any(e.startswith("exception:") for e in render.errors):
                    raise RuntimeError(f"app raised: {render.errors}\n{self.server.log_tail()}")
                return render


def _collect(render: Render, el, fragment_id: str) -> None:
    kind = el.WhichOneof("type")
    if kind in WIDGETS:
        render.widgets.append(Widget(kind, getattr(el, kind), fragment_id))
    elif kind == "markdown":
        render.texts.append(el.markdown.body)
    elif kind == "heading":
        render.texts.append(el.heading.body)
    elif kind == "alert":
        render.texts.append(el.alert.body)
        if el.alert.format == 1:  # ERROR
            render.errors.append(el.alert.body)
    elif kind == "exception":
        render.errors.append(f"exception: {el.exception.type}: {el.exception.message}")


def _default_state(w: Widget) -> tuple[str, object] | None:
    p = w.proto
    if w.kind == "checkbox":
        return "bool_value", p.default
    if w.kind == "text_input":
        return "string_value", p.default
    if w.kind in ("radio", "selectbox") and p.HasField("default") and p.options:
        return "string_value", p.options[p.default]
    return None


# ---------------------------------------------------------------- the two scenarios

@dataclass
class Costs:
    cold_first_run_ms: float = 0.0
    session_first_runs_ms: list[float] = field(default_factory=list)  # warm new tabs
    http_shell_ms: list[float] = field(default_factory=list)  # GET / + host-config + health of a new tab
    per_answer_ms: list[float] = field(default_factory=list)
    submit_ms: list[float] = field(default_factory=list)
    continue_ms: list[float] = field(default_factory=list)
    runs_per_answer: list[int] = field(default_factory=list)
    tabs: int = 0
    phase_probe_s: float = 0.0  # probe CPU over the whole phase (warm-up, tab setup, attempt starts included)
    phase_proc_s: float = 0.0  # /proc utime+stime over the same span (10 ms ticks): cross-check of the probe
    wall_s: float = 0.0

    def begin(self, server: Server) -> None:
        self._p0, self._c0, self._t0 = server.proc_stat_s(), server.cpu_ns(), time.monotonic()

    def end(self, server: Server) -> None:
        self.phase_proc_s = server.proc_stat_s() - self._p0
        self.phase_probe_s = (server.cpu_ns() - self._c0) / 1e9
        self.wall_s = time.monotonic() - self._t0


async def _timed(server: Server, coro) -> tuple[Render, float]:
    c0 = server.cpu_ns()
    render = await coro
    await asyncio.sleep(SETTLE_S)
    return render, (server.cpu_ns() - c0) / 1e6


def load_shell(server: Server, costs: Costs) -> None:
    """What a browser fetches before opening the websocket (the JS bundle is assumed cached), timed."""
    c0 = server.cpu_ns()
    for path in ("/", "/_stcore/health", "/_stcore/host-config"):
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}{path}", timeout=30) as r:
            r.read()
    time.sleep(SETTLE_S)
    costs.http_shell_ms.append((server.cpu_ns() - c0) / 1e6)


async def top_up_new_tabs(server: Server, costs: Costs, want: int = 5) -> None:
    """Open extra tabs (first run only) until there are `want` warm session-creation samples."""
    while len(costs.session_first_runs_ms) < want:
        load_shell(server, costs)
        async with Tab(server) as tab:
            _, ms = await _timed(server, tab.run())
        costs.session_first_runs_ms.append(ms)


async def bench_bare(server: Server, n: int, warmup: int, per_tab: int = 10) -> Costs:
    costs, rng, answered = Costs(), random.Random(1), 0
    costs.begin(server)
    first = True
    while answered < warmup + n:
        costs.tabs += 1
        load_shell(server, costs)
        async with Tab(server) as tab:
            render, ms = await _timed(server, tab.run())
            if first:
                costs.cold_first_run_ms, first = ms, False
            else:
                costs.session_first_runs_ms.append(ms)
            for _ in range(per_tab):
                if answered >= warmup + n:
                    break
                radio = next(w for w in render.widgets if w.kind == "radio")
                submit = render.button("Submit answer")
                render, ms = await _timed(server, tab.run({radio.proto.id: ("string_value", rng.choice(radio.proto.options))}, submit))
                if not any(t.startswith("You chose") for t in render.texts):
                    raise RuntimeError(f"bare page did not take the answer: {render.texts}")
                answered += 1
                if answered > warmup:
                    costs.per_answer_ms.append(ms)
                    costs.submit_ms.append(ms)
                    costs.runs_per_answer.append(render.runs)
    costs.end(server)
    return costs


def _start_values(render: Render, i: int) -> dict[str, tuple[str, object]]:
    out: dict[str, tuple[str, object]] = {}
    for w in render.widgets:
        lab = w.label.lower()
        if w.kind == "text_input":
            if "name" in lab:
                out[w.proto.id] = ("string_value", f"Bench Learner {i}")
            elif "mail" in lab:
                out[w.proto.id] = ("string_value", f"bench{i}@example.org")
            else:
                out[w.proto.id] = ("string_value", "")
        elif w.kind == "selectbox":
            out[w.proto.id] = ("string_value", w.proto.options[0])
        elif w.kind == "checkbox" and "pre-test" in lab:
            out[w.proto.id] = ("bool_value", False)  # straight to the cases
    return out


def _answer_values(render: Render, submit: Widget, rng: random.Random) -> dict[str, tuple[str, object]]:
    out: dict[str, tuple[str, object]] = {}
    in_form = [w for w in render.widgets if w.form_id == submit.form_id]
    boxes = [w for w in in_form if w.kind == "checkbox"]
    ticked = set(rng.sample(range(len(boxes)), k=rng.randint(1, len(boxes)))) if boxes else set()
    for w in in_form:
        if w.kind == "radio":
            out[w.proto.id] = ("string_value", rng.choice(w.proto.options))
        elif w.kind == "checkbox":
            out[w.proto.id] = ("bool_value", boxes.index(w) in ticked)
    return out


async def bench_case(server: Server, n: int, warmup: int) -> Costs:
    costs, rng, answered, learner = Costs(), random.Random(2), 0, 0
    costs.begin(server)
    first = True
    while answered < warmup + n:
        learner += 1
        costs.tabs += 1
        load_shell(server, costs)
        async with Tab(server) as tab:
            render, ms = await _timed(server, tab.run())
            if first:
                costs.cold_first_run_ms, first = ms, False
            else:
                costs.session_first_runs_ms.append(ms)
            start = render.button("Start the module")
            if start is None:
                raise RuntimeError(f"no start form on the case page: {render.texts[:5]} {render.errors}")
            render = await tab.run(_start_values(render, learner), start)
            if render.errors:
                raise RuntimeError(f"could not start an attempt: {render.errors}")
            while answered < warmup + n:
                if (skip := render.button("Skip the pre-test")) is not None:
                    render = await tab.run(trigger=skip)
                    continue
                submit = render.button("Submit answer")
                if submit is None:
                    break  # results page: this attempt is done, next learner in a new tab
                render, submit_ms = await _timed(server, tab.run(_answer_values(render, submit, rng), submit))
                runs = render.runs
                nxt = render.button("Continue", "See your results")
                if nxt is None:
                    raise RuntimeError(f"no feedback after submitting: {render.errors or render.texts[:5]}")
                render, cont_ms = await _timed(server, tab.run(trigger=nxt))
                runs += render.runs
                answered += 1
                if answered > warmup:
                    costs.submit_ms.append(submit_ms)
                    costs.continue_ms.append(cont_ms)
                    costs.per_answer_ms.append(submit_ms + cont_ms)
                    costs.runs_per_answer.append(runs)
    costs.end(server)
    return costs


# ---------------------------------------------------------------- content choice, report

def choose_content(data_dir: Path, force_fixture: bool = False) -> tuple[dict[str, str], str]:
    base = {**os.environ, "CPD_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
    for k in ("CPD_MODULES_DIR", "CPD_QUESTIONS_DIR", "CPD_MODULE_ID", "CPD_DATABASE_URL"):
        base.pop(k, None)
    check = ("import sys\nfrom cpd.settings import get_settings\nfrom cpd.content.loader import load_content\n"
             "s = get_settings()\nc = load_content([s.modules_dir, s.questions_dir])\n"
             f"sys.exit(0 if c.ok and {REAL_MODULE!r} in c.modules else 1)")
    valid = not force_fixture and subprocess.run([PY, "-m", "cpd", "validate"], cwd=ROOT, env=base,
                                                 capture_output=True).returncode == 0
    if valid and subprocess.run([PY, "-c", check], cwd=ROOT, env=base, capture_output=True).returncode == 0:
        return base, f"{REAL_MODULE} (modules/ validates)"
    env = {**base, "CPD_MODULES_DIR": str(FIXTURE / "modules"), "CPD_QUESTIONS_DIR": str(FIXTURE / "questions"),
           "CPD_MODULE_ID": "mini"}
    why = "--fixture given" if force_fixture else "modules/ does not validate" if not valid else f"no module {REAL_MODULE!r} in modules/"
    return env, f"mini (test fixture tests/fixtures/content; {why})"


def _stats(xs: list[float]) -> str:
    if not xs:
        return "n/a"
    return f"median {statistics.median(xs):7.1f} ms   mean {statistics.fmean(xs):7.1f} ms   (min {min(xs):.1f}, max {max(xs):.1f})"


def _phase_line(c: Costs, what: str) -> str:
    return (f"  whole phase ({c.tabs} tabs, {what}): {c.wall_s:.1f} s wall, server CPU {c.phase_probe_s:.2f} s by the probe, "
            f"{c.phase_proc_s:.2f} s by /proc/<pid>/stat (cross-check)")


def report(case: Costs, bare: Costs, module: str, n: int, warmup: int, idle_ms_per_s: float,
           extra: tuple[str, ...] = ()) -> None:
    runs_case = statistics.fmean(case.runs_per_answer)
    runs_bare = statistics.fmean(bare.runs_per_answer)
    print("Server CPU per submitted answer: case page vs bare Streamlit form page")
    print("method : (a) real `streamlit run` servers driven over the /_stcore/stream websocket with protobuf "
          "BackMsg/ForwardMsg frames, as a browser tab; CPU = server process CPU time (all threads, user+sys)")
    print(f"module : {module}")
    if extra:
        print(f"options: {' '.join(extra)} (both servers)")
    print(f"answers: N = {n} measured per page, after {warmup} warm-up answers; python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs; idle server CPU {idle_ms_per_s:.1f} ms/s (included, not subtracted)")
    print()
    print("case page (app.py, learn page), one answer = 'Submit answer' + 'Continue' clicks:")
    print(f"  per answer       {_stats(case.per_answer_ms)}")
    print(f"    submit click   {_stats(case.submit_ms)}")
    print(f"    continue click {_stats(case.continue_ms)}")
    print(f"  script runs per answer {runs_case:.1f} -> {statistics.fmean(case.per_answer_ms) / runs_case:.1f} ms CPU per run")
    print(_phase_line(case, "incl. warm-up, tab setup, attempt starts"))
    print("bare form page (bench/bare_form_page.py), one answer = one form submit:")
    print(f"  per answer       {_stats(bare.per_answer_ms)}")
    print(f"  script runs per answer {runs_bare:.1f} -> {statistics.fmean(bare.per_answer_ms) / runs_bare:.1f} ms CPU per run")
    print(_phase_line(bare, "incl. warm-up, tab setup"))
    print()
    print("first run of a tab (session creation: websocket connect + first script run):")
    print(f"  case page  cold (first tab of the process) {case.cold_first_run_ms:7.1f} ms;  "
          f"new tab, warm: {_stats(case.session_first_runs_ms)}")
    print(f"  bare page  cold (first tab of the process) {bare.cold_first_run_ms:7.1f} ms;  "
          f"new tab, warm: {_stats(bare.session_first_runs_ms)}")
    print(f"  before it, the tab's HTTP GETs (/, /_stcore/health, /_stcore/host-config; JS bundle assumed cached): "
          f"case median {statistics.median(case.http_shell_ms):.1f} ms, bare median {statistics.median(bare.http_shell_ms):.1f} ms")
    print()
    rm = statistics.median(case.per_answer_ms) / statistics.median(bare.per_answer_ms)
    ra = statistics.fmean(case.per_answer_ms) / statistics.fmean(bare.per_answer_ms)
    rs = statistics.median(case.submit_ms) / statistics.median(bare.submit_ms)
    print(f"RATIO case/bare, server CPU per submitted answer: {rm:.1f}x (medians), {ra:.1f}x (means); "
          f"the submit click alone: {rs:.1f}x (medians)")


async def _idle_rate(server: Server, seconds: float = 1.0) -> float:
    c0 = server.cpu_ns()
    await asyncio.sleep(seconds)
    return (server.cpu_ns() - c0) / 1e6 / seconds


async def main_async(n: int, warmup: int, keep_logs: bool, fixture: bool, opts: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-rerun-") as tmp:
        env, module = choose_content(Path(tmp), fixture)
        print(f"[bench] module: {module}; starting servers…", file=sys.stderr)
        extra = tuple(a for o in opts for a in (f"--{o.split('=', 1)[0]}", o.split("=", 1)[1]))
        if opts:
            print(f"[bench] extra streamlit options for both servers: {' '.join(extra)}", file=sys.stderr)
        case_srv = Server(ROOT / "app.py", env, "case", extra)
        bare_srv = Server(ROOT / "bench" / "bare_form_page.py", env, "bare", extra)
        try:
            idle = (await _idle_rate(case_srv) + await _idle_rate(bare_srv)) / 2
            case = await bench_case(case_srv, n, warmup)
            bare = await bench_bare(bare_srv, n, warmup)
            await top_up_new_tabs(case_srv, case)
            await top_up_new_tabs(bare_srv, bare)
        finally:
            case_srv.stop(keep_logs)
            bare_srv.stop(keep_logs)
    report(case, bare, module, n, warmup, idle, extra)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--answers", "-n", type=int, default=40, help="measured answers per page (default 40)")
    ap.add_argument("--warmup", type=int, default=4, help="answers per page not counted (default 4)")
    ap.add_argument("--keep-logs", action="store_true", help="keep the two servers' logs and print their paths")
    ap.add_argument("--fixture", action="store_true", help="use the test fixture module 'mini' even if modules/ validates")
    ap.add_argument("--opt", action="append", default=[], metavar="SECTION.KEY=VALUE",
                    help="extra `streamlit run` option for both servers, e.g. runner.postScriptGC=false (repeatable)")
    args = ap.parse_args()
    return asyncio.run(main_async(args.answers, args.warmup, args.keep_logs, args.fixture, args.opt))


if __name__ == "__main__":
    sys.exit(main())
