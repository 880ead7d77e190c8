"""Reports for accreditors: completions with the fields CPD bodies ask for, and the evaluation summary
(counts and comments, never the private reflective note), per module and date range, spreadsheet-safe."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from mini_answers import LEARNER, RIGHT, WRONG, answer_phase

from cpd import attempts, reports
from cpd.certificates.design import load_default_design
from cpd.completion import certificate_for
from cpd.storage.db import make_engine, migrate

ROOT = Path(__file__).resolve().parent.parent
NOTE = "PRIVATE-NOTE: I felt unsure with my last patient"
TODAY = datetime.now(UTC).date()


def _finish(store, mini, answers, learner, *, note=NOTE, change="Ask for the certificate of analysis."):
    _, state = attempts.start_attempt(store, mini, learner, pretest=False)
    state = answer_phase(store, mini, state, answers)
    return attempts.submit_evaluation(store, state.attempt_id, relevance=4, balance=5, intended_change=change,
                                      reflection=note)


def _rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_completions_list_each_learner_with_hours_outcome_and_certificate(store, mini):
    passed = _finish(store, mini, RIGHT, LEARNER)
    cert = certificate_for(store, mini, passed, design=load_default_design(ROOT / "certificates"),
                           private_key=Ed25519PrivateKey.generate(), public_url="https://cpd.example.org")
    _finish(store, mini, WRONG, {**LEARNER, "name": "=HYPERLINK(\"http://evil\")", "email": "b@example.org",
                                 "registration_number": ""})
    rows = _rows(reports.completions_csv(reports.completions(store, mini.module.id, TODAY, TODAY)))
    assert rows[0] == list(reports.COMPLETION_HEADER)
    activity = f"{mini.module.title} (version {mini.module.version})"
    assert rows[1] == [LEARNER["name"], LEARNER["registration_number"], LEARNER["profession"], activity,
                       TODAY.isoformat(), f"{mini.module.cpd_hours}", "passed", cert.id]
    assert rows[2][0] == "'=HYPERLINK(\"http://evil\")"  # a formula stays text in a spreadsheet
    assert rows[2][5:] == ["0.0", "not passed", ""]
    assert len(rows) == 3


def test_the_date_range_is_inclusive_and_other_modules_and_days_stay_out(store, mini):
    _finish(store, mini, RIGHT, LEARNER)
    assert len(reports.completions(store, mini.module.id, TODAY, TODAY)) == 1
    assert reports.completions(store, mini.module.id, TODAY + timedelta(days=1), TODAY + timedelta(days=30)) == []
    assert reports.completions(store, mini.module.id, TODAY - timedelta(days=30), TODAY - timedelta(days=1)) == []
    assert reports.completions(store, "another-module", TODAY, TODAY) == []
    with pytest.raises(ValueError, match="ends"):
        reports.completions(store, mini.module.id, TODAY, TODAY - timedelta(days=1))


def test_the_evaluation_summary_counts_ratings_and_quotes_comments_but_never_the_reflective_note(store, mini):
    _finish(store, mini, RIGHT, LEARNER)
    _finish(store, mini, WRONG, {**LEARNER, "email": "c@example.org"}, change="-1 step: check the lot number")
    summary = reports.evaluations(store, mini.module.id, TODAY, TODAY)
    assert summary.count == 2 and summary.relevance == {4: 2} and summary.balance == {5: 2}
    data = reports.evaluations_csv(summary)
    assert NOTE.encode() not in data and b"PRIVATE-NOTE" not in data
    rows = _rows(data)
    assert ["Evaluations", "", "2"] in rows
    assert ["Relevance to practice (1-5)", "mean", "4.0"] in rows
    assert ["Relevance to practice (1-5)", "rated 4", "2"] in rows
    comments = [r[2] for r in rows if r[0].startswith("Comment")]
    assert comments == ["Ask for the certificate of analysis.", "'-1 step: check the lot number"]


def test_the_cli_writes_both_reports_and_never_the_note(tmp_path, mini):
    engine = make_engine(f"sqlite:///{tmp_path / 'cpd.sqlite3'}")
    migrate(engine)
    from sqlalchemy.orm import sessionmaker

    store = sessionmaker(engine, expire_on_commit=False)
    # The CLI reads the shipped content's module id from the database rows only: the mini module will do.
    _finish(store, mini, RIGHT, LEARNER)
    engine.dispose()
    env = {"PATH": "/usr/bin:/bin", "CPD_DATA_DIR": str(tmp_path), "HOME": str(tmp_path)}
    day = TODAY.isoformat()
    for report in ("completions", "evaluations"):
        out = tmp_path / f"{report}.csv"
        run = subprocess.run([sys.executable, "-m", "cpd", "report", report, "--module", mini.module.id,
                              "--from", day, "--to", day, "--out", str(out)],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        assert f"1 {report} for {mini.module.id}" in run.stderr
        assert LEARNER["name"].encode() in out.read_bytes() if report == "completions" else b"PRIVATE" not in out.read_bytes()
    run = subprocess.run([sys.executable, "-m", "cpd", "report", "completions", "--module", "m", "--from", "2026-13-01",
                          "--to", day], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "is not a date (use YYYY-MM-DD)" in run.stderr


def test_no_date_crosses_midnight_wrongly():
    start, end = reports._bounds(date(2026, 3, 1), date(2026, 3, 1))
    assert (start, end) == (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC))
