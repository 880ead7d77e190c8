"""Learners' data rights: export what is held, erase on request (certificates keep verifying), retention."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from mini_answers import RIGHT, finish
from onboarding_support import pdf_text
from sqlalchemy import func, select

from cpd import attempts, audit
from cpd.certificates.design import load_default_design
from cpd.certificates.key_registry import published_keys
from cpd.certificates.service import lookup
from cpd.certificates.verify import Status, verify_bundle
from cpd.completion import certificate_for
from cpd.data_cli import cmd_learner_erase, cmd_learner_export, cmd_retention_run
from cpd.outbox.store import enqueue
from cpd.privacy import ERASED_NAME, PrivacyError, delete_abandoned, erase_learner, export_learner
from cpd.storage.db import transaction
from cpd.storage.tables import Attempt, AuditEntry, Certificate, Evaluation, Learner, OutboxEffect, Response, Token

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_URL = "https://cpd.example.org"
ZOE = {"name": "Zoë Ångström", "email": "zoe@example.org", "profession": "Physician",
       "registration_number": "GMC 1234567"}


@pytest.fixture(scope="module")
def design():
    return load_default_design(ROOT / "certificates")


@pytest.fixture(scope="module")
def key():
    return Ed25519PrivateKey.generate()


def _learner_of(store, attempt_id: str) -> str:
    with store() as s:
        return s.get(Attempt, attempt_id).learner_id


def _dump(store) -> str:
    """Every text column of every learner-bearing table, to search for what should be gone."""
    with store() as s:
        parts = []
        for model in (Learner, Attempt, Response, Evaluation, Token, OutboxEffect, AuditEntry):
            for row in s.scalars(select(model)):
                parts.append(json.dumps({c.name: str(getattr(row, c.key)) for c in model.__table__.columns}))
        for row in s.scalars(select(Certificate)):
            parts.append(row.badge_json)
    return "\n".join(parts)


def test_export_holds_the_learners_answers_evaluation_and_certificate(store, mini, design, key):
    state = finish(store, mini, RIGHT, learner=ZOE)
    cert = certificate_for(store, mini, state, design=design, private_key=key, public_url=PUBLIC_URL)
    data = export_learner(store, _learner_of(store, state.attempt_id))
    json.dumps(data)  # JSON as it stands
    assert data["learner_records"][0]["name"] == "Zoë Ångström"
    assert data["learner_records"][0]["registration_number"] == "GMC 1234567"
    (attempt,) = data["attempts"]
    assert attempt["passed"] is True and len(attempt["answers"]) == len(RIGHT)
    assert {a["item_id"] for a in attempt["answers"]} == set(RIGHT)
    assert attempt["evaluation"]["intended_change"] == "Ask for a CoA."
    assert data["certificates"][0]["id"] == cert.id and data["certificates"][0]["record"]["learner_name"] == "Zoë Ångström"
    assert "token_hash" not in json.dumps(data)


def test_erasure_keeps_only_the_signed_record_and_its_status_and_the_audit_chain_verifies(store, mini, design, key):
    passed = finish(store, mini, RIGHT, learner=ZOE)
    cert = certificate_for(store, mini, passed, design=design, private_key=key, public_url=PUBLIC_URL)
    learner_id = _learner_of(store, passed.attempt_id)
    # The same learner row also has an unfinished attempt (a retry started, left), and a pending e-mail to them.
    with transaction(store) as s:
        attempt_row = attempts._new_attempt(s, learner_id, mini, datetime.now(UTC), number=2, pretest=False,
                                            delivery_format="online", venue=None)[0]
        unfinished = attempt_row.id
        enqueue(s, "mail", "test:zoe", {"to": "zoe@example.org", "subject": "Your link", "text": "Dear Zoë Ångström"})
        audit.append(s, "certificate.issue", targets={"certificate": cert.id})
    other = finish(store, mini, RIGHT, learner={**ZOE, "name": "Other Person", "email": "other@example.org", "registration_number": "NMC 99"})

    done = erase_learner(store, learner_id, actor_id="admin-1")

    assert done.attempts_deleted == 1 and done.attempts_kept == 1 and done.certificates_kept == 1
    text = _dump(store)
    for gone in ("Zoë", "zoe@example.org", "GMC 1234567"):
        assert gone not in text
    with store() as s:
        learner = s.get(Learner, learner_id)
        assert learner.name == ERASED_NAME and learner.email == "" and learner.registration_number is None
        assert s.get(Attempt, unfinished) is None and s.get(Evaluation, passed.attempt_id) is None
        assert s.scalar(select(func.count()).select_from(Response).where(Response.attempt_id == passed.attempt_id)) == 0
        # The other learner is untouched.
        assert s.scalar(select(func.count()).select_from(Response).where(Response.attempt_id == other.attempt_id)) == len(RIGHT)
        row = s.get(Certificate, cert.id)
        # The renderings go (the PDF read back as text, not its compressed bytes); the signed record stays.
        assert "Zo" not in pdf_text(row.pdf) and cert.id in pdf_text(row.pdf) and row.badge_json == ""
        bundle = {"record": json.loads(row.record_json), "signature": row.signature, "key_id": row.key_id}
        assert verify_bundle(bundle, published_keys(s)).status is Status.VALID
        assert lookup(s, cert.id).status == "valid"
        assert all(r.ok for r in audit.verify(s, all_chains=True))
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "learner.erase")).one()
        assert json.loads(entry.targets_json) == {"learner": learner_id} and entry.actor_id == "admin-1"
    with pytest.raises(attempts.InvalidToken):
        attempts.resume(store, "x" * 43)


def test_erasing_a_learner_without_a_certificate_leaves_no_row(store, mini):
    _, state = attempts.start_attempt(store, mini, ZOE, pretest=False)
    learner_id = _learner_of(store, state.attempt_id)
    erase_learner(store, learner_id, actor_id=None)
    with store() as s:
        assert s.get(Learner, learner_id) is None and s.get(Attempt, state.attempt_id) is None
    with pytest.raises(PrivacyError, match="No such learner"):
        erase_learner(store, learner_id, actor_id=None)


def test_retention_deletes_only_attempts_abandoned_longer_than_the_setting(store, mini, design, key):
    long_ago = datetime.now(UTC) - timedelta(days=40)
    token_old, old = attempts.start_attempt(store, mini, ZOE, pretest=False, now=long_ago)
    _, recent = attempts.start_attempt(store, mini, {**ZOE, "email": "r@example.org"}, pretest=False)
    _, touched = attempts.start_attempt(store, mini, {**ZOE, "email": "t@example.org"}, pretest=False, now=long_ago)
    attempts.submit_answer(store, mini, touched.attempt_id, "q-source", *RIGHT["q-source"])  # answered today
    done = finish(store, mini, RIGHT, learner={**ZOE, "email": "d@example.org"})
    with transaction(store) as s:
        s.get(Attempt, done.attempt_id).started_at = long_ago

    run = delete_abandoned(store, 30)

    assert (run.attempts_deleted, run.learners_deleted) == (1, 1)
    with store() as s:
        assert s.get(Attempt, old.attempt_id) is None
        assert {a for a in s.scalars(select(Attempt.id))} == {recent.attempt_id, touched.attempt_id, done.attempt_id}
        assert all(r.ok for r in audit.verify(s, all_chains=True))
    with pytest.raises(attempts.InvalidToken):
        attempts.resume(store, token_old)
    assert delete_abandoned(store, 30).attempts_deleted == 0


def test_cli_export_erase_and_retention(store, mini, capsys, tmp_path):
    _, state = attempts.start_attempt(store, mini, ZOE, pretest=False)
    learner_id = _learner_of(store, state.attempt_id)
    out = tmp_path / "zoe.json"
    assert cmd_learner_export(argparse.Namespace(session_factory=store, learner_id=learner_id, out=str(out))) == 0
    assert json.loads(out.read_text())["learner_records"][0]["email"] == "zoe@example.org"
    assert out.stat().st_mode & 0o777 == 0o600
    erase = argparse.Namespace(session_factory=store, learner_id=learner_id, actor=None, yes=False)
    assert cmd_learner_erase(erase) == 2 and "--yes" in capsys.readouterr().err
    erase.yes = True
    assert cmd_learner_erase(erase) == 0 and "erased learner" in capsys.readouterr().out
    assert cmd_learner_export(argparse.Namespace(session_factory=store, learner_id=learner_id, out=None)) == 1
    assert cmd_retention_run(argparse.Namespace(session_factory=store, days=30)) == 0
    assert "deleted 0 attempt(s)" in capsys.readouterr().out


def test_the_worker_loop_deletes_abandoned_attempts_until_stopped(store, mini):
    import threading

    from cpd.privacy import retention_loop

    _, old = attempts.start_attempt(store, mini, ZOE, pretest=False, now=datetime.now(UTC) - timedelta(days=10))
    stop = threading.Event()
    thread = threading.Thread(target=retention_loop, args=(store, 7, stop), kwargs={"every": 0.05})
    thread.start()
    try:
        for _ in range(200):
            with store() as s:
                if s.get(Attempt, old.attempt_id) is None:
                    break
            threading.Event().wait(0.05)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    with store() as s:
        assert s.get(Attempt, old.attempt_id) is None


def _every_stored_value(store) -> dict[str, str]:
    """Every column of every row of every table, as text ('table.column' -> values), binary columns decoded loosely."""
    from cpd.storage.tables import Base

    out: dict[str, list[str]] = {}
    with store() as s:
        for table in Base.metadata.sorted_tables:
            for row in s.execute(select(table)).mappings():
                for column, value in row.items():
                    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
                    out.setdefault(f"{table.name}.{column}", []).append(text)
    return {k: "\n".join(v) for k, v in out.items()}


def test_erasing_a_clinic_learner_leaves_no_stored_artefact_with_her_name(store, mini):
    """The PDF (read back with pypdf), the badge, reminders to her manager (sent and unsent), her roster entry and
    its links: none keeps her name, e-mail or registration number; only the signed record does, and it verifies."""
    from onboarding_support import clinics, complete_through_link, link_from_mail, pdf_text

    from cpd.onboarding import assignments, reminders
    from cpd.onboarding.assignments import Due

    org, manager = clinics(store)["clinic-a"]
    assignments.assign(store, org.id, mini, Due(within_days_of_start=14), role="Nurse", public_url=PUBLIC_URL,
                       actor_id=manager.id)
    state, cert = complete_through_link(store, mini, link_from_mail(store, "zoe@clinic-a.example"))
    with store() as s:
        assert "Zoë Ångström" in pdf_text(s.get(Certificate, cert.id).pdf)  # the issued PDF names her
    valid_until = lookup(store(), cert.id).record.valid_until
    assert reminders.run(store, valid_until - timedelta(days=90), lambda m: mini,
                         public_url=PUBLIC_URL).reminders_queued == 2  # to her and to her manager
    with transaction(store) as s:  # the manager's copy went out already; hers is still waiting
        sent = s.scalars(select(OutboxEffect).where(OutboxEffect.dedupe_key.contains(":manager-"))).one()
        sent.status = "done"
        assert "Zoë Ångström" in sent.payload_json
    other_mail = json.dumps({"to": "ahmed@clinic-a.example", "text": "Dear Ahmed, Zoëtrope night is on Friday"})
    with transaction(store) as s:
        enqueue(s, "mail", "test:unrelated", json.loads(other_mail))
    learner_id = _learner_of(store, state.attempt_id)

    erase_learner(store, learner_id, actor_id="admin-1")

    stored = _every_stored_value(store)
    for gone in ("Zoë Ångström", "Ångström", "zoe@clinic-a.example", "NMC 12A3456B"):
        holders = [k for k, v in stored.items() if gone in v and k != "certificates.record_json"]
        assert holders == [], f"{gone!r} is still stored in {holders}"
    with store() as s:
        row = s.get(Certificate, cert.id)
        text = " ".join(pdf_text(row.pdf).split())
        assert cert.id in text and "erased at the learner’s request" in text and "Zoë" not in text
        assert row.badge_json == ""
        bundle = {"record": json.loads(row.record_json), "signature": row.signature, "key_id": row.key_id}
        assert verify_bundle(bundle, published_keys(s)).status is Status.VALID  # the signed record still verifies
        assert lookup(s, cert.id).status == "valid"
        assert s.scalars(select(OutboxEffect).where(OutboxEffect.dedupe_key == "test:unrelated")).one()  # not hers
        assert all(r.ok for r in audit.verify(s, all_chains=True))
        actions = [e.action for e in s.scalars(select(AuditEntry).where(AuditEntry.organisation_id == org.id))]
        assert "roster.erase" in actions
    # the next reminders pass has nobody left to remind about her, and re-sends nothing already sent
    assert reminders.run(store, valid_until - timedelta(days=60), lambda m: mini,
                         public_url=PUBLIC_URL).reminders_queued == 0
