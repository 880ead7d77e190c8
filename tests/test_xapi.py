"""xAPI statements: built by pure functions, queued with the change, delivered to a real LRS (Ralph) exactly once."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta

import pytest
from lrs_server import LRS_PYTHON, PASSWORD, USER, RalphLrs
from mini_answers import LEARNER, RIGHT, WRONG, answer_phase
from pydantic import SecretStr
from sqlalchemy import select

from cpd import attempts
from cpd.cli import main as cli_main
from cpd.outbox.worker import WorkerOptions, run_until_idle
from cpd.settings import Settings, get_settings
from cpd.storage.tables import OutboxEffect
from cpd.xapi import records, statements
from cpd.xapi.delivery import xapi_handler

BASE = "https://cpd.example.org"
EVALUATION = dict(relevance=5, balance=4, intended_change="Ask for the certificate of analysis.",
                  reflection="I will check the source before use.")


@pytest.fixture(scope="module")
def lrs(tmp_path_factory):
    if not LRS_PYTHON.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the test LRS is not installed at {LRS_PYTHON}: run `make lrs`")
        pytest.skip(f"the test LRS is not installed at {LRS_PYTHON}: run `make lrs`")
    server = RalphLrs(tmp_path_factory.mktemp("lrs")).start()
    yield server
    server.stop()


@pytest.fixture
def xapi_on(monkeypatch, lrs):
    monkeypatch.setenv("CPD_XAPI_ENDPOINT", lrs.endpoint)
    monkeypatch.setenv("CPD_PUBLIC_URL", BASE)
    get_settings.cache_clear()
    yield Settings(xapi_endpoint=lrs.endpoint, xapi_username=USER, xapi_password=PASSWORD, public_url=BASE)
    get_settings.cache_clear()


@pytest.fixture
def xapi_off(monkeypatch):
    monkeypatch.delenv("CPD_XAPI_ENDPOINT", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def options() -> WorkerOptions:
    return WorkerOptions(batch_size=50, lease=timedelta(seconds=60), max_tries=5, retry_base=timedelta(seconds=10))


def whole_attempt(store, mini, answers=RIGHT):
    _, state = attempts.start_attempt(store, mini, LEARNER)
    state = answer_phase(store, mini, state, answers)  # pre-test
    state = answer_phase(store, mini, state, answers)  # cases
    attempts.submit_evaluation(store, state.attempt_id, **EVALUATION)
    return state.attempt_id


def queued(store) -> list[OutboxEffect]:
    with store() as s:
        return list(s.scalars(select(OutboxEffect).where(OutboxEffect.kind == "xapi.statement").order_by(OutboxEffect.id)))


def exported(store, attempt_id):
    with store() as s:
        return [st for st in records.export(s, BASE) if st["context"]["registration"] == attempt_id]


# --- pure builders -----------------------------------------------------------

CTX = statements.AttemptContext(base_url=BASE, attempt_id="0b7f0f3e-8a53-4a35-9d2c-3c1e2b8f6a11",
                                learner=statements.Learner(id="l-1", name="Zoë Ångström", email="zoe@example.org"),
                                module_id="mini", module_version="2026.1", content_hash="ab" * 32, attempt_number=1,
                                delivery_format="online", module_title="Mini")
AT = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def test_a_statement_has_adl_verbs_activity_iris_under_the_public_url_and_the_attempt_as_registration():
    s = statements.answered(CTX, phase="cases", item_id="q 1", response={"option": "a"}, points=1, max_points=2,
                            correct=False, at=AT)
    assert s["verb"]["id"] == "http://adlnet.gov/expapi/verbs/answered"
    assert s["object"]["id"] == f"{BASE}/xapi/activities/modules/mini/items/q%201"
    assert s["actor"]["mbox"] == "mailto:zoe@example.org"
    assert s["context"]["registration"] == CTX.attempt_id
    assert s["context"]["extensions"][f"{BASE}/xapi/extensions/module-edition"]["version"] == "2026.1"
    assert s["result"] == {"score": {"raw": 1, "min": 0.0, "max": 2, "scaled": 0.5}, "success": False, "completion": True,
                           "response": '{"option": "a"}'}
    assert s["timestamp"] == "2026-12-02T10:00:00.000Z"
    again = statements.answered(CTX, phase="cases", item_id="q 1", response={"option": "a"}, points=1, max_points=2,
                                correct=False, at=AT)
    assert again["id"] == s["id"]  # the same event always gets the same id: re-sending cannot duplicate it
    later = statements.answered(CTX, phase="cases", item_id="q 1", response={"option": "b"}, points=0, max_points=2,
                                correct=False, at=AT + timedelta(seconds=5))
    assert later["id"] != s["id"]  # a changed answer (facilitator-paced) is a new statement


def test_a_negative_certainty_mark_stays_inside_the_score_bounds_xapi_requires():
    result = statements.score(-6, 3)
    assert result["min"] <= result["raw"] <= result["max"] and -1 <= result["scaled"] <= 1


def test_passed_or_failed_follows_the_pass_and_a_learner_without_email_is_an_account_here():
    ctx = statements.AttemptContext(**{**CTX.__dict__, "learner": statements.Learner(id="l-2", name="A", email=None)})
    s = statements.graded(ctx, points=3, max_points=10, percent=30.0, passed=False, at=AT)
    assert s["verb"]["id"].endswith("/failed") and s["result"]["success"] is False and s["result"]["score"]["scaled"] == 0.3
    assert s["actor"]["account"] == {"homePage": BASE, "name": "l-2"} and "mbox" not in s["actor"]
    assert statements.graded(ctx, points=9, max_points=10, percent=90.0, passed=True, at=AT)["verb"]["id"].endswith("/passed")


# --- queued with the change ----------------------------------------------------

def test_nothing_is_queued_when_xapi_is_off(store, mini, xapi_off):
    whole_attempt(store, mini)
    assert queued(store) == []


def test_each_attempt_answer_grade_and_completion_is_queued_once_with_its_statement_id_as_key(store, mini, xapi_on):
    attempt_id = whole_attempt(store, mini)
    rows = queued(store)
    verbs = [json.loads(r.payload_json)["statement"]["verb"]["id"].rsplit("/", 1)[1] for r in rows]
    answers = len(mini.module.pretest) + len(list(mini.items()))
    assert verbs == ["attempted"] + ["answered"] * answers + ["passed", "completed"]
    assert all(r.dedupe_key == json.loads(r.payload_json)["statement"]["id"] for r in rows)
    # The export rebuilds the very same statements from the rows.
    assert [json.loads(r.payload_json)["statement"] for r in rows] == exported(store, attempt_id)


# --- a real LRS ----------------------------------------------------------------------

@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_the_lrs_accepts_every_statement_of_an_attempt_under_each_version_header(store, mini, xapi_on, lrs, version):
    settings = xapi_on.model_copy(update={"xapi_version": version})
    attempt_id = whole_attempt(store, mini, WRONG)
    result = run_until_idle(store, {"xapi.statement": xapi_handler(settings)}, options())
    assert result.delivered == len(queued(store)) and result.retrying == 0
    held = lrs.statements(registration=attempt_id)
    assert sorted(s["id"] for s in held) == sorted(s["id"] for s in exported(store, attempt_id))
    assert {s["verb"]["id"].rsplit("/", 1)[1] for s in held} == {"attempted", "answered", "failed", "completed"}


def test_every_statement_arrives_exactly_once_across_an_lrs_outage(store, mini, xapi_on, lrs):
    handlers = {"xapi.statement": xapi_handler(xapi_on)}
    _, state = attempts.start_attempt(store, mini, LEARNER)
    assert run_until_idle(store, handlers, options()).delivered == 1
    lrs.stop()
    try:
        state = answer_phase(store, mini, state, RIGHT)  # the learner goes on while the LRS is down
        state = answer_phase(store, mini, state, RIGHT)
        attempts.submit_evaluation(store, state.attempt_id, **EVALUATION)
        down = run_until_idle(store, handlers, options())
        assert down.delivered == 0 and down.retrying > 0
        assert all("cannot be reached" in (r.last_error or "") for r in queued(store) if r.status == "pending")
    finally:
        lrs.start()
    back = run_until_idle(store, handlers, options(), now=datetime.now(UTC) + timedelta(minutes=5))
    assert back.delivered == down.retrying
    assert {r.status for r in queued(store)} == {"done"}
    held = lrs.statements(registration=state.attempt_id)
    ids = [s["id"] for s in held]
    assert len(ids) == len(set(ids)) == len(exported(store, state.attempt_id))
    # A worker that died after the LRS stored a statement, before recording it, sends it again: still one copy.
    statement = exported(store, state.attempt_id)[0]
    from cpd.outbox.handlers import Effect

    xapi_handler(xapi_on)(Effect(0, "xapi.statement", statement["id"], {"statement": statement}, 2))
    assert [s["id"] for s in lrs.statements(registration=state.attempt_id)].count(statement["id"]) == 1


def test_wrong_credentials_are_retried_not_dropped(store, mini, xapi_on, lrs):
    bad = xapi_on.model_copy(update={"xapi_password": SecretStr("wrong")})
    whole_attempt(store, mini)
    result = run_until_idle(store, {"xapi.statement": xapi_handler(bad)}, options())
    assert result.delivered == 0 and {r.status for r in queued(store)} == {"pending"}
    assert "401" in (queued(store)[0].last_error or "")


# --- export -------------------------------------------------------------------------

def test_export_writes_the_statements_to_a_file_filtered_by_module_and_date(store, mini, xapi_off, tmp_path, monkeypatch):
    monkeypatch.setenv("CPD_PUBLIC_URL", BASE)
    get_settings.cache_clear()
    attempt_id = whole_attempt(store, mini)
    out = tmp_path / "statements.json"

    def run(*extra):
        import argparse

        from cpd.lms_cli import cmd_xapi_export

        ns = argparse.Namespace(session_factory=store, module=None, since=None, out=str(out))
        for key, value in extra:
            setattr(ns, key, value)
        assert cmd_xapi_export(ns) == 0
        return json.loads(out.read_text(encoding="utf-8"))

    everything = run()
    assert [s["id"] for s in everything] == [s["id"] for s in exported(store, attempt_id)]
    assert run(("module", "other")) == []
    assert run(("since", datetime.now(UTC) + timedelta(days=1))) == []
    assert len(run(("since", datetime.now(UTC) - timedelta(days=1)))) == len(everything)


def test_export_from_the_command_line_says_when_there_is_no_database(tmp_path, monkeypatch, xapi_off, capsys):
    monkeypatch.setenv("CPD_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CPD_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    out = tmp_path / "x.json"
    assert cli_main(["xapi", "export", "--out", str(out), "--from", "2026-01-01"]) == 2
    assert "no database found" in capsys.readouterr().err and not out.exists()
    with pytest.raises(SystemExit):
        cli_main(["xapi", "export", "--out", str(out), "--from", "last tuesday"])
