"""Who stands where: one row per person and assigned module, read in a few queries (not one per person).

The row is built from the newest cycle of each chain; the status itself is the
pure ``cpd.onboarding.status.status``. Everything is filtered by organisation.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cpd.onboarding.status import GAPS, Progress, Status, status
from cpd.storage.tables import Assignment, Attempt, Certificate, OutboxEffect, StaffMember


@dataclass(frozen=True)
class Row:
    staff_id: str
    name: str
    email: str
    role: str
    start_date: date
    registration_number: str | None
    module_id: str
    assignment_id: str
    cycle: int
    due: date
    status: Status
    completed: date | None
    score: float | None
    certificate_id: str | None
    valid_until: date | None
    module_version: str | None
    content_hash: str | None
    cycle_passed: bool
    previous_assignment_id: str | None

    @property
    def is_gap(self) -> bool:
        return self.status in GAPS

    @property
    def edition(self) -> str:
        return f"{self.module_version} ({(self.content_hash or '')[:12]})" if self.module_version else ""


def _valid_until(cert: Certificate) -> date:
    return date.fromisoformat(json.loads(cert.record_json)["valid_until"])


def rows(session: Session, organisation_id: str, today: date, *, module_id: str | None = None,
         until: datetime | None = None) -> list[Row]:
    """``until``: count only what existed by then (the evidence pack for a past date)."""
    q = select(Assignment).where(Assignment.organisation_id == organisation_id)
    if until is not None:
        q = q.where(Assignment.created_at <= until)
    if module_id:
        q = q.where(Assignment.module_id == module_id)
    chains: dict[tuple[str, str], list[Assignment]] = defaultdict(list)
    for a in session.scalars(q):
        chains[(a.staff_id, a.module_id)].append(a)
    if not chains:
        return []
    members = {m.id: m for m in session.scalars(select(StaffMember).where(StaffMember.organisation_id == organisation_id))}
    learner_ids = [m.learner_id for m in members.values() if m.learner_id]
    by_learner: dict[tuple[str, str], list[Attempt]] = defaultdict(list)
    certs: dict[str, Certificate] = {}
    if learner_ids:
        for chunk in _chunks(learner_ids, 500):
            aq = select(Attempt).where(Attempt.learner_id.in_(chunk))
            if until is not None:
                aq = aq.where(Attempt.started_at <= until)
            found = list(session.scalars(aq))
            for att in found:
                by_learner[(att.learner_id, att.module_id)].append(att)
            ids = [att.id for att in found if att.passed]
            for cchunk in _chunks(ids, 500):
                cq = select(Certificate).where(Certificate.attempt_id.in_(cchunk),
                                               Certificate.superseded_by_id.is_(None), Certificate.revoked_at.is_(None))
                if until is not None:
                    cq = cq.where(Certificate.issued_at <= until)
                for c in session.scalars(cq):
                    certs[c.attempt_id] = c
    out: list[Row] = []
    for (staff_id, mod), cycles in chains.items():
        member = members[staff_id]
        cycles.sort(key=lambda a: a.cycle)
        own = by_learner.get((member.learner_id or "", mod), [])
        best_cert: tuple[Certificate, Attempt] | None = None  # newest certificate across the chain
        cur = cycles[-1]
        cycle_attempts = [t for t in own if _as_date_time(t.started_at) >= _as_date_time(cur.created_at)]
        cycle_cert = _newest_cert(cycle_attempts, certs)
        best_cert = cycle_cert or _newest_cert(own, certs)
        shown = cycle_cert[1] if cycle_cert else (max(cycle_attempts, key=lambda t: t.started_at)
                                                  if cycle_attempts else None)
        progress = Progress(
            due=cur.due_date,
            started=bool(cycle_attempts),
            finished=any(t.passed is not None for t in cycle_attempts),
            passed=cycle_cert is not None,
            valid_until=_valid_until(best_cert[0]) if best_cert else None,
        )
        if shown is None and best_cert is not None:
            shown = best_cert[1]
        out.append(Row(
            staff_id=staff_id, name=member.name, email=member.email, role=member.job_role,
            start_date=member.start_date, registration_number=member.registration_number, module_id=mod,
            assignment_id=cur.id, cycle=cur.cycle, due=cur.due_date, status=status(progress, today),
            completed=shown.completed_at.date() if shown is not None and shown.completed_at else None,
            score=shown.percent if shown is not None else None,
            certificate_id=best_cert[0].id if best_cert else None,
            valid_until=progress.valid_until,
            module_version=shown.module_version if shown is not None else None,
            content_hash=shown.content_hash if shown is not None else None,
            cycle_passed=cycle_cert is not None,
            previous_assignment_id=cycles[-2].id if len(cycles) > 1 else None,
        ))
    out.sort(key=lambda r: (r.name.lower(), r.module_id))
    return out


def _newest_cert(attempts: list[Attempt], certs: dict[str, Certificate]) -> tuple[Certificate, Attempt] | None:
    found = [(certs[t.id], t) for t in attempts if t.id in certs]
    return max(found, key=lambda ct: ct[0].issued_at) if found else None


def _as_date_time(dt):  # noqa: ANN001, ANN202 - SQLite returns naive UTC datetimes
    from cpd.timeutil import as_utc

    return as_utc(dt)


def _chunks(values: list[str], size: int) -> list[list[str]]:
    return [values[i:i + size] for i in range(0, len(values), size)]


def counts(rows_: list[Row]) -> dict[Status, int]:
    c = dict.fromkeys(Status, 0)
    for r in rows_:
        c[r.status] += 1
    return c


def filtered(rows_: list[Row], *, roles: set[str] | None = None, statuses: set[Status] | None = None) -> list[Row]:
    return [r for r in rows_ if (not roles or r.role in roles) and (not statuses or r.status in statuses)]


def reminder_log(session: Session, organisation_id: str) -> dict[str, list[tuple[str, str]]]:
    """Per person: (reminder, delivery state) of every onboarding mail queued for them, from the outbox."""
    prefix = f"onb:{organisation_id}:"
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key, state in session.execute(select(OutboxEffect.dedupe_key, OutboxEffect.status).where(
            OutboxEffect.kind == "mail", OutboxEffect.dedupe_key.startswith(prefix, autoescape=True))):
        parts = key[len(prefix):].split(":")
        if len(parts) >= 4 and parts[1] in ("due", "expiry"):
            who = "manager" if parts[-1].startswith("manager-") else "person"
            sent = {"done": "sent", "pending": "queued", "dead": "failed"}.get(state, state)
            entry = (f"{parts[3]} to {who}", sent)
            if entry not in out[parts[0]]:
                out[parts[0]].append(entry)
    return out


CSV_HEADER = ("name", "email", "role", "start date", "registration number", "module", "cycle", "due date", "status",
              "completed", "score %", "certificate id", "valid until", "module edition")


def csv_rows(rows_: list[Row]) -> list[tuple[object, ...]]:
    return [(r.name, r.email, r.role, r.start_date, r.registration_number, r.module_id, r.cycle, r.due, r.status.value,
             r.completed, None if r.score is None else round(r.score, 1), r.certificate_id, r.valid_until, r.edition)
            for r in rows_]
