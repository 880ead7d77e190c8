"""Shared set-up for the onboarding tests: two clinics with a manager each, a roster, and an engine-run attempt."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from mini_answers import RIGHT, answer_phase
from pypdf import PdfReader

from cpd import attempts
from cpd.accounts import directory
from cpd.certificates.design import load_default_design
from cpd.completion import certificate_for
from cpd.onboarding import assignments, roster

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_URL = "https://cpd.example.org"
ROSTER_A = ("name,email,role,start date,registration number\r\n"
            "Zoë Ångström,zoe@clinic-a.example,Nurse,2026-01-05,NMC 12A3456B\r\n"
            "Ahmed Khan,ahmed@clinic-a.example,Receptionist,2026-02-01,\r\n").encode()
ROSTER_B = (b"name,email,role,start date\r\n"
            b"Bartholomew Secret,bart@clinic-b.example,Nurse,2026-01-10\r\n")
_key = Ed25519PrivateKey.generate()


def clinics(store):
    """Two clinics, each with a manager account and a roster."""
    a = directory.create_organisation(store, "Clinic A", "clinic-a")
    b = directory.create_organisation(store, "Clinic B", "clinic-b")
    out = {}
    for org, data in ((a, ROSTER_A), (b, ROSTER_B)):
        manager = directory.create_account(store, f"manager@{org.slug}.example", role="manager",
                                           org_slug=org.slug, password="correct horse battery")
        roster.import_roster(store, org.id, roster.check_file(store, org.id, data), actor_id=manager.id)
        out[org.slug] = (org, manager)
    return out


def member(store, org_id, email):
    return next(m for m in roster.list_members(store, org_id) if m.email == email)


def complete_through_link(store, mini, token, *, passed=True):
    """What the learner page does: open the personal link, answer everything, evaluate, get the certificate."""
    state, _ = assignments.open_link(store, token, lambda mid: mini)
    if state.phase == "pretest":
        state = attempts.skip_pretest(store, state.attempt_id)
    answers = RIGHT if passed else __import__("mini_answers").WRONG
    state = answer_phase(store, mini, state, answers)
    if state.passed:
        state = attempts.submit_evaluation(store, state.attempt_id, relevance=5, balance=5,
                                           intended_change="Check the CoA.", reflection="Useful.")
        return state, certificate_for(store, mini, state, design=load_default_design(ROOT / "certificates"),
                                      private_key=_key, public_url=PUBLIC_URL)
    return state, None


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def now() -> datetime:
    return datetime.now(UTC)


def link_from_mail(store, to):
    """The personal link as the person receives it: from the newest queued e-mail to them."""
    import json
    import re

    from sqlalchemy import select

    from cpd.storage.tables import OutboxEffect

    with store() as s:
        payloads = [json.loads(p) for p in s.scalars(select(OutboxEffect.payload_json).where(
            OutboxEffect.dedupe_key.contains(":link:")).order_by(OutboxEffect.id))]
    texts = [p["text"] for p in payloads if p["to"] == to]
    assert texts, f"no personal link was mailed to {to}"
    return re.search(r"\?assignment=([A-Za-z0-9_-]+)", texts[-1]).group(1)
