"""The audit log: one hash chain per organisation, tamper-evident, ids only, written with the change."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from mini_answers import LEARNER, RIGHT, finish
from sqlalchemy import delete, select, update

from cpd import admin, audit
from cpd.certificates.design import load_default_design
from cpd.certificates.service import CertificateStateError
from cpd.completion import certificate_for, correct_name
from cpd.storage.db import transaction
from cpd.storage.tables import AuditEntry

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _append(store, action="account.role_change", org=None, n=1, **kw):
    for i in range(n):
        with transaction(store) as s:
            audit.append(s, action, organisation_id=org, actor_id="user-admin", targets={"user": f"user-{i}"},
                         details={"role": "manager"}, now=T0 + timedelta(seconds=i), **kw)


def _verify(store, org=None, all_chains=False):
    with store() as s:
        return audit.verify(s, org, all_chains=all_chains)


def _entries(store, chain):
    with store() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.chain == chain).order_by(AuditEntry.seq)))


def test_each_organisation_and_the_deployment_have_their_own_intact_chain(store):
    _append(store, n=3)
    _append(store, org="org-a", n=2)
    _append(store, org="org-b", n=1)
    reports = _verify(store, all_chains=True)
    assert [(r.chain, r.entries, r.ok) for r in reports] == [("-", 3, True), ("org-a", 2, True), ("org-b", 1, True)]
    rows = _entries(store, "org-a")
    assert [r.seq for r in rows] == [1, 2]
    assert rows[0].prev_hash == audit.GENESIS and rows[1].prev_hash == rows[0].hash
    assert reports[1].head_hash == rows[1].hash


@pytest.mark.parametrize(
    ("tamper", "seq", "reason"),
    [
        (lambda s, rows: s.execute(update(AuditEntry).where(AuditEntry.id == rows[1].id)
                                   .values(details_json='{"role":"admin"}')), 2, "altered"),
        (lambda s, rows: s.execute(update(AuditEntry).where(AuditEntry.id == rows[2].id)
                                   .values(at=T0 - timedelta(days=1))), 3, "altered"),
        (lambda s, rows: s.execute(update(AuditEntry).where(AuditEntry.id == rows[0].id)
                                   .values(actor_id="user-someone-else")), 1, "altered"),
        (lambda s, rows: s.execute(delete(AuditEntry).where(AuditEntry.id == rows[1].id)), 2, "missing"),
        (lambda s, rows: s.execute(delete(AuditEntry).where(AuditEntry.id == rows[3].id)), 4, "removed from the end"),
    ],
    ids=["details-changed", "time-changed", "actor-changed", "entry-deleted", "last-entry-deleted"],
)
def test_any_change_is_found_and_the_first_broken_entry_named(store, tamper, seq, reason):
    _append(store, org="org-a", n=4)
    _append(store, n=2)
    rows = _entries(store, "org-a")
    with transaction(store) as s:
        tamper(s, rows)
    (report,) = _verify(store, "org-a")
    assert not report.ok
    assert report.problem.seq == seq and reason in report.problem.reason
    assert f"entry {seq}" in str(report.problem)
    assert _verify(store)[0].ok  # the deployment chain is untouched


def test_a_rewritten_entry_with_a_fresh_hash_still_breaks_the_next_link(store):
    _append(store, n=3)
    rows = _entries(store, "-")
    with transaction(store) as s:
        row = s.get(AuditEntry, rows[1].id)
        row.details_json = '{"role":"admin"}'
        row.hash = audit.entry_hash(row)
    (report,) = _verify(store)
    assert report.problem.seq == 3 and "does not follow entry 2" in report.problem.reason


@pytest.mark.parametrize(
    ("targets", "details", "message"),
    [
        ({"user": "zoe@example.org"}, {}, "e-mail"),
        ({}, {"name": "Zoë Ångström"}, "free text"),
        ({}, {"reason": "x" * 201}, "free text"),
        ({}, {"score": 0.5}, "only ids"),
        ({"User Id": "u1"}, {}, "short lower-case name"),
    ],
)
def test_only_ids_go_into_the_log(store, targets, details, message):
    with transaction(store) as s, pytest.raises(audit.AuditError, match=message):
        audit.append(s, "account.create", targets=targets, details=details)
    with pytest.raises(audit.AuditError, match="dotted"), transaction(store) as s:
        audit.append(s, "Account created for Zoë")


def test_an_entry_is_written_only_if_its_change_is(store):
    with pytest.raises(RuntimeError), transaction(store) as s:
        audit.append(s, "account.create", targets={"user": "user-1"})
        raise RuntimeError("the account could not be saved")
    assert _entries(store, "-") == []
    _append(store)
    assert _verify(store)[0].ok and _verify(store)[0].entries == 1


def test_replicas_appending_at_once_do_not_fork_a_chain(store):
    barrier = threading.Barrier(10)
    errors: list[BaseException] = []

    def replica(i: int) -> None:
        barrier.wait()
        try:
            for j in range(4):
                with transaction(store) as s:
                    audit.append(s, "sign_in.failure", organisation_id="org-a", targets={"user": f"user-{i}-{j}"})
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=replica, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    (report,) = _verify(store, "org-a")
    assert report.ok and report.entries == 40
    assert [r.seq for r in _entries(store, "org-a")] == list(range(1, 41))


def _certificate(store, mini):
    state = finish(store, mini, RIGHT, learner={**LEARNER, "name": "Zoë Ångström", "email": "zoe@example.org"})
    return certificate_for(store, mini, state, design=load_default_design(ROOT / "certificates"),
                           private_key=Ed25519PrivateKey.generate(), public_url="https://cpd.example.org")


def test_revocation_and_name_correction_are_logged_with_ids_only(store, mini):
    cert = _certificate(store, mini)
    new = correct_name(store, cert.id, "Zoë Ångström-Müller", design=load_default_design(ROOT / "certificates"),
                       private_key=Ed25519PrivateKey.generate(), public_url="https://cpd.example.org",
                       actor_id="user-admin")
    admin.revoke_certificate(store, new.id, "Issued to the wrong person", actor_id="user-admin")
    with pytest.raises(CertificateStateError):
        admin.revoke_certificate(store, "no-such-certificate", "Typo")
    rows = _entries(store, "-")
    assert [(r.action, r.actor_id, json.loads(r.targets_json).get("certificate")) for r in rows] == [
        ("certificate.correct_name", "user-admin", new.id),
        ("certificate.revoke", "user-admin", new.id),
    ]
    assert json.loads(rows[0].targets_json)["supersedes"] == cert.id
    hashed = " ".join(f"{r.targets_json} {r.details_json} {r.action}" for r in rows)
    for personal in ("Zoë", "Ångström", "zoe@example.org", "wrong person"):
        assert personal not in hashed
    assert _verify(store)[0].ok


def _cli(store, *args):
    url = store.kw["bind"].url.render_as_string(hide_password=False)
    env = {**os.environ, "CPD_DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "cpd", "audit", "verify", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)


def test_the_command_line_says_ok_or_names_the_first_broken_entry(store):
    _append(store, n=2)
    _append(store, org="org-a", n=3)
    ok = _cli(store)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines()[0].startswith("OK: deployment: 2 entries, head ")
    assert ok.stdout.splitlines()[1].startswith("OK: organisation org-a: 3 entries")
    with transaction(store) as s:
        s.execute(update(AuditEntry).where(AuditEntry.chain == "org-a", AuditEntry.seq == 2).values(action="account.delete"))
    broken = _cli(store, "--org", "org-a")
    assert broken.returncode == 1
    assert "BROKEN: chain org-a: entry 2 (row id" in broken.stdout and "altered" in broken.stdout
    assert _cli(store, "--deployment").returncode == 0


def test_an_organisation_reads_only_its_own_chain_newest_first(store):
    _append(store, org="org-a", n=3)
    _append(store, org="org-b", n=2)
    with store() as s:
        mine = audit.recent(s, "org-a", limit=2)
        deployment = audit.recent(s)
    assert [(e.chain, e.seq) for e in mine] == [("org-a", 3), ("org-a", 2)]
    assert deployment == []
