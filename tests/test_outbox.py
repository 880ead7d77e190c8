"""The outbox: effects written with their change, delivered at least once, each recognisable by its key.

The worker-killing test runs ``python -m cpd worker`` as a real process against
a real SMTP server (aiosmtpd), on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cpd.mail.sender import DEDUPE_HEADER
from cpd.outbox import PermanentFailure, enqueue, run_once, run_until_idle, start_background_worker
from cpd.outbox import store as outbox_store
from cpd.outbox.mail import enqueue_mail, mail_handler, message_id
from cpd.outbox.worker import WorkerOptions
from cpd.settings import Settings
from cpd.storage.db import transaction
from cpd.storage.tables import OutboxEffect

ROOT = Path(__file__).resolve().parent.parent
SENDER = "Reality Check CPD <no-reply@cpd.example.org>"


def options(**kw) -> WorkerOptions:
    values = dict(batch_size=20, lease=timedelta(seconds=60), max_tries=5, retry_base=timedelta(seconds=10))
    return WorkerOptions(**{**values, **kw})


def mail_handlers(smtp_server):
    return {"mail": mail_handler(Settings(smtp_url=smtp_server.url, mail_from=SENDER))}


def queue_mails(store, n, prefix="invite"):
    with transaction(store) as s:
        for i in range(n):
            enqueue_mail(s, f"{prefix}:{i}", to=f"learner{i}@example.org", template="sign_in_link",
                         context={"name": f"Learner {i}", "link": f"https://cpd.example.org/in?t={i}", "expires": "soon"})


def effects(store):
    with store() as s:
        return list(s.scalars(select(OutboxEffect).order_by(OutboxEffect.id)))


def test_an_effect_exists_only_if_its_change_committed(store):
    with pytest.raises(RuntimeError), transaction(store) as s:
        enqueue(s, "mail", "invite:1", {"to": "a@example.org"})
        raise RuntimeError("the invitation could not be saved")
    assert effects(store) == []
    with transaction(store) as s:
        enqueue(s, "mail", "invite:1", {"to": "a@example.org"})
    assert [(e.kind, e.dedupe_key, e.status, e.tries) for e in effects(store)] == [("mail", "invite:1", "pending", 0)]


def test_the_same_key_is_queued_once_per_kind(store):
    with transaction(store) as s:
        first = enqueue(s, "mail", "invite:1", {"n": 1})
        assert enqueue(s, "mail", "invite:1", {"n": 2}) == first
    with transaction(store) as s:
        assert enqueue(s, "mail", "invite:1", {"n": 3}) == first  # a retried request
        assert enqueue(s, "statement", "invite:1", {"n": 4}) != first
    assert [(e.kind, e.payload_json) for e in effects(store)] == [("mail", '{"n":1}'), ("statement", '{"n":4}')]


def test_queued_mail_arrives_with_its_key_and_the_payload_is_cleared(store, smtp_server):
    queue_mails(store, 3)
    result = run_until_idle(store, mail_handlers(smtp_server), options())
    assert (result.delivered, result.retrying, result.dead) == (3, 0, 0)
    got = sorted(smtp_server.wait_for(3), key=lambda m: m[DEDUPE_HEADER])
    assert [m[DEDUPE_HEADER] for m in got] == ["invite:0", "invite:1", "invite:2"]
    assert got[0]["Message-ID"] == message_id("invite:0", SENDER) and got[0]["To"] == "learner0@example.org"
    assert "https://cpd.example.org/in?t=0" in got[0].get_body(("plain",)).get_content()
    rows = effects(store)
    assert {(r.status, r.payload_json, r.tries) for r in rows} == {("done", "{}", 1)}  # no address or link kept
    assert run_until_idle(store, mail_handlers(smtp_server), options()).claimed == 0
    assert len(smtp_server.messages()) == 3


def test_a_receiver_that_is_down_gets_everything_once_it_is_back(store, smtp_server):
    queue_mails(store, 5)
    smtp_server.stop()
    down = run_until_idle(store, mail_handlers(smtp_server), options())
    assert (down.delivered, down.retrying) == (0, 5)
    rows = effects(store)
    assert all(r.status == "pending" and r.tries == 1 and "ConnectionRefusedError" in r.last_error for r in rows)
    assert run_until_idle(store, mail_handlers(smtp_server), options()).claimed == 0  # backing off
    smtp_server.start()
    later = datetime.now(UTC) + timedelta(minutes=1)
    back = run_until_idle(store, mail_handlers(smtp_server), options(), now=later)
    assert back.delivered == 5
    seen = smtp_server.by_message_id()
    assert len(seen) == 5 and all(len(copies) == 1 for copies in seen.values())


def test_failures_back_off_and_stop_after_the_last_try(store):
    calls: list[int] = []

    def flaky(effect):
        calls.append(effect.tries)
        raise ConnectionError("receiver unreachable")

    def refused(effect):
        raise PermanentFailure("550 no such mailbox")

    with transaction(store) as s:
        enqueue(s, "flaky", "a", {})
        enqueue(s, "refused", "b", {})
        enqueue(s, "unknown.kind", "c", {})
    now = datetime.now(UTC)
    handlers = {"flaky": flaky, "refused": refused}
    waits = []
    for _ in range(3):
        run_until_idle(store, handlers, options(max_tries=3), now=now)
        with store() as s:
            row = s.scalar(select(OutboxEffect).where(OutboxEffect.kind == "flaky"))
        waits.append((row.next_try_at.replace(tzinfo=UTC) if row.next_try_at.tzinfo is None else row.next_try_at) - now)
        now += timedelta(hours=2)
    assert calls == [1, 2, 3]
    assert waits[0] < waits[1] and waits[2] == timedelta(0)  # doubling, then failed for good
    by_kind = {r.kind: r for r in effects(store)}
    assert (by_kind["flaky"].status, by_kind["flaky"].tries) == ("dead", 3)
    assert "ConnectionError: receiver unreachable" in by_kind["flaky"].last_error
    assert (by_kind["refused"].status, by_kind["refused"].tries) == ("dead", 1)
    assert (by_kind["unknown.kind"].status, by_kind["unknown.kind"].tries) == ("dead", 3)
    assert "no handler for effect kind 'unknown.kind'" in by_kind["unknown.kind"].last_error


def test_a_lease_keeps_an_effect_from_other_workers_until_it_expires(store):
    with transaction(store) as s:
        enqueue(s, "count", "a", {})
    now = datetime.now(UTC)
    with transaction(store) as s:  # a worker claims, then dies without a word
        assert len(outbox_store.claim(s, "dead-worker", batch_size=10, lease=timedelta(seconds=30), max_tries=5,
                                      now=now)) == 1
    delivered: list[str] = []
    handlers = {"count": lambda e: delivered.append(e.dedupe_key)}
    assert run_once(store, handlers, options(), now=now + timedelta(seconds=29)).claimed == 0
    assert run_once(store, handlers, options(), now=now + timedelta(seconds=31)).delivered == 1
    assert delivered == ["a"] and effects(store)[0].tries == 2


def test_workers_running_at_once_never_deliver_the_same_effect_twice(store):
    with transaction(store) as s:
        for i in range(60):
            enqueue(s, "count", f"e{i}", {"i": i})
    seen: list[int] = []
    lock = threading.Lock()

    def handler(effect):
        time.sleep(0.005)
        with lock:
            seen.append(effect.payload["i"])

    def worker():
        run_until_idle(store, {"count": handler}, options(batch_size=5))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seen) == list(range(60))
    with store() as s:
        assert s.scalar(select(func.count()).where(OutboxEffect.status == "done")) == 60


def test_the_background_worker_delivers_and_stops(store, smtp_server):
    worker = start_background_worker(store, mail_handlers(smtp_server), options(), poll_seconds=0.05)
    try:
        queue_mails(store, 2)
        assert len(smtp_server.wait_for(2, timeout=20)) == 2
    finally:
        assert worker.stop(timeout=10)
    assert not worker.running


def _store_url(store) -> str:
    return store.kw["bind"].url.render_as_string(hide_password=False)


def _worker(store, smtp_server, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPD_")}
    env.update(CPD_DATABASE_URL=_store_url(store), CPD_SMTP_URL=smtp_server.url, CPD_MAIL_FROM=SENDER,
               CPD_OUTBOX_RETRY_SECONDS="0.5")
    return subprocess.Popen([sys.executable, "-m", "cpd", "worker", *args], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_worker_killed_mid_batch_is_taken_over_and_each_mail_is_seen_once(store, smtp_server):
    # A slow receiver that keeps each message before it replies: the kill lands mid-batch, right after
    # the third message was kept and before the worker heard so, so that message arrives twice.
    smtp_server.delay, smtp_server.keep_before_reply = 0.4, True
    queue_mails(store, 12)
    first = _worker(store, smtp_server, "--batch", "20", "--lease-seconds", "3", "--poll-seconds", "0.2")
    try:
        smtp_server.wait_for(3, timeout=60)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    arrived_before_kill = len(smtp_server.messages())
    assert arrived_before_kill < 12
    with store() as s:  # the dead worker's claim is still leased to it
        assert s.scalar(select(func.count()).where(OutboxEffect.status == "pending", OutboxEffect.lease_owner.is_not(None))) > 0
    second = _worker(store, smtp_server, "--lease-seconds", "3", "--poll-seconds", "0.2")
    try:
        deadline = time.monotonic() + 90
        while len(smtp_server.by_message_id()) < 12 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        second.send_signal(signal.SIGTERM)
        out, err = second.communicate(timeout=30)
    assert second.returncode == 0, err
    seen = smtp_server.by_message_id()  # what a de-duplicating receiver keeps
    assert sorted(copies[0][DEDUPE_HEADER] for copies in seen.values()) == sorted(f"invite:{i}" for i in range(12))
    assert set(seen) == {message_id(f"invite:{i}", SENDER) for i in range(12)}
    assert len(smtp_server.messages()) > 12  # at least once: the repeat carries the same Message-ID
    assert {r.status for r in effects(store)} == {"done"}


def test_worker_once_delivers_what_is_due_and_says_so(store, smtp_server):
    queue_mails(store, 2)
    done = _worker(store, smtp_server, "--once")
    out, err = done.communicate(timeout=60)
    assert done.returncode == 0, err
    assert out.strip() == "delivered 2, to retry 0, failed for good 0"
    assert len(smtp_server.wait_for(2)) == 2


def test_failed_effects_are_listed_and_can_be_queued_again(store, smtp_server):
    smtp_server.refuse.add("learner1@example.org")
    queue_mails(store, 2)
    run_until_idle(store, mail_handlers(smtp_server), options())
    status = _cli(store, "outbox", "status")
    assert status.returncode == 0, status.stderr
    lines = status.stdout.splitlines()
    assert lines[0] == "pending 0, delivered 1, failed for good 1"
    assert "mail  invite:1  after 1 tries: PermanentFailure: the server refused the recipient (550)" in lines[1]
    assert _cli(store, "outbox", "retry").returncode == 2  # says which, or --all
    smtp_server.refuse.clear()
    again = _cli(store, "outbox", "retry", "--all")
    assert again.stdout.strip() == "queued 1 effect again"
    assert run_until_idle(store, mail_handlers(smtp_server), options()).delivered == 1
    assert sorted(m["To"] for m in smtp_server.messages()) == ["learner0@example.org", "learner1@example.org"]


def test_an_idle_worker_takes_no_write_lock(tmp_path):
    """Nothing due: the pass only reads, so on SQLite a learner's write never queues behind an idle worker."""
    from sqlalchemy import event

    from cpd.storage.db import open_store

    factory = open_store(f"sqlite:///{tmp_path / 'cpd.sqlite3'}")
    begins: list[str] = []
    spy = lambda conn, cursor, statement, *args: begins.append(statement) if statement.startswith("BEGIN") else None  # noqa: E731
    event.listen(factory.kw["bind"], "before_cursor_execute", spy)
    assert run_once(factory, {}, options()).claimed == 0
    assert begins == ["BEGIN"]
    with transaction(factory) as s:
        enqueue(s, "count", "a", {})
    begins.clear()
    assert run_once(factory, {"count": lambda e: None}, options()).delivered == 1
    assert "BEGIN IMMEDIATE" in begins  # work to do: now it claims


def _cli(store, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPD_")}
    env["CPD_DATABASE_URL"] = _store_url(store)
    return subprocess.run([sys.executable, "-m", "cpd", *args], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=60)
