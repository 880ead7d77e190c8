"""Learners' data rights: see what is held (export), erase on request, and delete abandoned attempts.

What erasure keeps, and why: a certificate already issued is a signed record
that a regulator or employer may check for years, and its status (valid,
revoked, superseded) is what they check. So the certificate row keeps its signed
record, signature, key and status, and the attempt row it hangs on keeps its
ids and totals; everything else (the learner's name, e-mail, profession and
registration number on the learner row, every answer, evaluation, link, name
change and pending e-mail) goes. Every stored artefact that carries the name goes
too: the PDF as issued is replaced by a one-page notice that names only the
certificate id (it is a rendering of the signed record, which stays), the Open
Badge copy is emptied (it is derived from the record), e-mail about them to
anyone (a manager's reminder) is deleted if unsent and blanked if sent (its
de-duplication key, ids only, stays so nothing is sent again), their workshop
seats lose the name, and a clinic roster entry that is theirs is removed with its
assignments and personal links (written to that organisation's audit chain). The
erasure is written to the audit log with ids only, so the audit chain still
verifies.

Retention: an attempt never finished and untouched for N days is abandoned; it
is deleted with its answers and links, and its learner row too when nothing
else of theirs is left.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from cpd import audit
from cpd.accounts.learner_links import history
from cpd.storage.db import transaction
from cpd.storage.tables import (
    Assignment,
    Attempt,
    Certificate,
    Evaluation,
    Learner,
    LearnerNameChange,
    OutboxEffect,
    Response,
    StaffMember,
    Token,
    WorkshopParticipant,
)
from cpd.timeutil import as_utc

ERASED_NAME = "[erased]"
ERASED_PAYLOAD = json.dumps({"erased": True})
# Erased names shorter than this are not searched for in stored e-mail (too likely to match someone else's words).
MIN_NAME_TO_SEARCH = 3
EXPORT_FORMAT = "reality-check-cpd-learner-data"


class PrivacyError(ValueError):
    """A request that cannot be done; the message says why."""


def _iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


def _learner_ids(factory: sessionmaker[Session], learner_id: str) -> tuple[str, ...]:
    ids = history(factory, learner_id).learner_ids
    if not ids:
        raise PrivacyError("No such learner")
    return ids


def export_learner(factory: sessionmaker[Session], learner_id: str) -> dict[str, Any]:
    """Everything held about a learner (and the rows their proven e-mail links), as plain JSON-ready data.

    Certificates come as their signed record and status, not the PDF bytes (the
    learner downloads those from the certificate page); tokens come as what they
    open and when they expire, never their hash.
    """
    ids = _learner_ids(factory, learner_id)
    with factory() as session:
        learners = session.scalars(select(Learner).where(Learner.id.in_(ids)).order_by(Learner.created_at)).all()
        attempts = session.scalars(select(Attempt).where(Attempt.learner_id.in_(ids)).order_by(Attempt.started_at)).all()
        attempt_ids = [a.id for a in attempts]
        responses = session.scalars(select(Response).where(Response.attempt_id.in_(attempt_ids))
                                    .order_by(Response.submitted_at, Response.id)).all()
        evaluations = {e.attempt_id: e for e in session.scalars(select(Evaluation).where(Evaluation.attempt_id.in_(attempt_ids)))}
        certificates = session.scalars(select(Certificate).where(Certificate.attempt_id.in_(attempt_ids))
                                       .order_by(Certificate.issued_at)).all()
        changes = session.scalars(select(LearnerNameChange).where(LearnerNameChange.learner_id.in_(ids))
                                  .order_by(LearnerNameChange.id)).all()
        links = session.scalars(select(Token).where(Token.subject_id.in_([*ids, *attempt_ids]))
                                .order_by(Token.created_at)).all()
    by_attempt: dict[str, list[Response]] = {}
    for r in responses:
        by_attempt.setdefault(r.attempt_id, []).append(r)
    return {
        "format": EXPORT_FORMAT,
        "version": 1,
        "exported_at": datetime.now(UTC).isoformat(),
        "learner_records": [
            {"id": lr.id, "name": lr.name, "email": lr.email, "profession": lr.profession,
             "registration_number": lr.registration_number, "created_at": _iso(lr.created_at),
             "email_verified_at": _iso(lr.email_verified_at), "linked_to_id": lr.linked_to_id}
            for lr in learners
        ],
        "name_changes": [
            {"learner_id": c.learner_id, "old_name": c.old_name, "new_name": c.new_name,
             "changed_at": _iso(c.changed_at), "certificate_id": c.certificate_id}
            for c in changes
        ],
        "attempts": [
            {"id": a.id, "learner_id": a.learner_id, "module_id": a.module_id, "module_version": a.module_version,
             "attempt_number": a.attempt_number, "phase": a.phase, "delivery_format": a.delivery_format,
             "venue": a.venue, "started_at": _iso(a.started_at), "completed_at": _iso(a.completed_at),
             "points": a.points, "max_points": a.max_points, "percent": a.percent, "passed": a.passed,
             "answers": [
                 {"phase": r.phase, "item_id": r.item_id, "answer": json.loads(r.answer_json), "certainty": r.certainty,
                  "points": r.points, "max_points": r.max_points, "correct": r.correct,
                  "submitted_at": _iso(r.submitted_at)}
                 for r in by_attempt.get(a.id, [])
             ],
             "evaluation": ({"relevance": ev.relevance, "balance": ev.balance, "intended_change": ev.intended_change,
                             "reflection": ev.reflection, "commercial_bias": ev.commercial_bias,
                             "comments": ev.comments, "submitted_at": _iso(ev.submitted_at)}
                            if (ev := evaluations.get(a.id)) is not None else None)}
            for a in attempts
        ],
        "certificates": [
            {"id": c.id, "attempt_id": c.attempt_id, "version": c.version, "issued_at": _iso(c.issued_at),
             "record": json.loads(c.record_json), "signature": c.signature, "key_id": c.key_id,
             "revoked_at": _iso(c.revoked_at), "superseded_by_id": c.superseded_by_id}
            for c in certificates
        ],
        "links": [
            {"purpose": t.purpose, "created_at": _iso(t.created_at), "expires_at": _iso(t.expires_at),
             "revoked_at": _iso(t.revoked_at), "uses": t.uses}
            for t in links
        ],
    }


def export_json(factory: sessionmaker[Session], learner_id: str) -> bytes:
    return json.dumps(export_learner(factory, learner_id), ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


@dataclass(frozen=True)
class Erasure:
    learner_ids: tuple[str, ...]
    attempts_deleted: int
    attempts_kept: int  # they hold an issued certificate
    certificates_kept: int


def _delete_attempt_data(session: Session, attempt_ids: list[str]) -> None:
    """Answers, evaluations and links of these attempts (the attempt rows themselves are the caller's choice)."""
    if not attempt_ids:
        return
    session.execute(delete(Response).where(Response.attempt_id.in_(attempt_ids)))
    session.execute(delete(Evaluation).where(Evaluation.attempt_id.in_(attempt_ids)))
    session.execute(delete(Token).where(Token.subject_id.in_(attempt_ids)))


def erase_learner(factory: sessionmaker[Session], learner_id: str, *, actor_id: str | None,
                  now: datetime | None = None) -> Erasure:
    """Erase a learner on request (an admin's action): see the module docstring for what stays."""
    ids = list(_learner_ids(factory, learner_id))
    with transaction(factory) as session:
        learners = session.scalars(select(Learner).where(Learner.id.in_(ids))).all()
        emails = {lr.email for lr in learners if lr.email}
        attempts = session.scalars(select(Attempt).where(Attempt.learner_id.in_(ids))).all()
        attempt_ids = [a.id for a in attempts]
        certified = set(session.scalars(select(Certificate.attempt_id).where(Certificate.attempt_id.in_(attempt_ids))))
        certificates_kept = session.scalar(select(func.count()).select_from(Certificate)
                                           .where(Certificate.attempt_id.in_(attempt_ids))) or 0
        _delete_attempt_data(session, attempt_ids)
        gone = [a for a in attempt_ids if a not in certified]
        if gone:
            session.execute(delete(WorkshopParticipant).where(WorkshopParticipant.attempt_id.in_(gone)))
            session.execute(delete(Attempt).where(Attempt.id.in_(gone)))
        for attempt in attempts:
            if attempt.id in certified:
                attempt.venue = None
        names = {lr.name for lr in learners if lr.name and lr.name != ERASED_NAME}
        names |= set(session.scalars(select(LearnerNameChange.old_name).where(LearnerNameChange.learner_id.in_(ids))))
        session.execute(delete(LearnerNameChange).where(LearnerNameChange.learner_id.in_(ids)))
        session.execute(delete(Token).where(Token.subject_id.in_(ids)))
        names |= _erase_roster_entries(session, ids, emails, actor_id=actor_id, now=now)
        _erase_workshop_seats(session, ids, gone)
        _erase_mail(session, emails, names)
        for cert in session.scalars(select(Certificate).where(Certificate.attempt_id.in_(certified))):
            cert.pdf = erased_certificate_pdf(cert.id)
            cert.badge_json = ""
        keep = set(session.scalars(select(Attempt.learner_id).where(Attempt.id.in_(certified)))) if certified else set()
        for learner in learners:
            if learner.id in keep:
                learner.name, learner.email, learner.profession = ERASED_NAME, "", ""
                learner.registration_number = None
                learner.email_verified_at = None
                learner.linked_to_id = None
            else:
                session.delete(learner)
        session.execute(update(Learner).where(Learner.linked_to_id.in_(ids)).values(linked_to_id=None))
        audit.append(session, "learner.erase", actor_id=actor_id, now=now,
                     targets={"learner": learner_id},
                     details={"learner_rows": len(ids), "attempts_deleted": len(gone),
                              "attempts_kept": len(certified), "certificates_kept": int(certificates_kept)})
    return Erasure(tuple(ids), len(gone), len(certified), int(certificates_kept))


def erased_certificate_pdf(certificate_id: str) -> bytes:
    """The stand-in for an erased learner's certificate PDF: a notice naming only the certificate id.

    A verifier who downloads the PDF "as issued" gets a readable explanation, not an empty or broken file.
    """
    import typst

    source = (
        '#set page(paper: "a4", margin: 2.5cm)\n#set text(size: 12pt)\n'
        f'= Certificate {certificate_id}\n\n'
        "The copy of this certificate that showed the learner's details was erased at the learner's request. "
        "Its signed record and its status (valid, revoked, replaced) are kept and can still be checked on the "
        "verify page with this certificate id.\n"
    )
    return bytes(typst.compile(source.encode("utf-8")))


def _erase_roster_entries(session: Session, learner_ids: list[str], emails: set[str], *, actor_id: str | None,
                          now: datetime | None) -> set[str]:
    """Remove clinic roster entries that are this person's, with their assignments and links; returns their names.

    Each removal goes into that organisation's audit chain with ids only, so the manager sees why the person left
    the training matrix.
    """
    lowered = {e.lower() for e in emails}
    query = select(StaffMember).where(StaffMember.learner_id.in_(learner_ids))
    if lowered:
        query = select(StaffMember).where(or_(StaffMember.learner_id.in_(learner_ids),
                                              func.lower(StaffMember.email).in_(lowered)))
    names: set[str] = set()
    for member in session.scalars(query).all():
        names.add(member.name)
        assignment_ids = list(session.scalars(select(Assignment.id).where(Assignment.staff_id == member.id)))
        if assignment_ids:
            session.execute(delete(Token).where(Token.subject_id.in_(assignment_ids)))
            session.execute(delete(Assignment).where(Assignment.id.in_(assignment_ids)))
        session.delete(member)
        session.flush()
        audit.append(session, "roster.erase", organisation_id=member.organisation_id, actor_id=actor_id, now=now,
                     targets={"staff": member.id}, details={"assignments_deleted": len(assignment_ids)})
    return names


def _erase_workshop_seats(session: Session, learner_ids: list[str], deleted_attempts: list[str]) -> None:
    """Seats of attempts that stay (they hold a certificate) keep their place in the room's counts, without the name."""
    for seat in session.scalars(select(WorkshopParticipant).where(WorkshopParticipant.learner_id.in_(learner_ids))):
        if seat.attempt_id not in deleted_attempts:
            seat.name = ERASED_NAME
            seat.shown_name = f"{ERASED_NAME} {seat.id[:8]}"  # unique in its workshop, as the shown name must be


def _mentions(text: str, needles: set[str]) -> bool:
    return any(re.search(rf"(?<!\w){re.escape(n)}(?!\w)", text, flags=re.IGNORECASE) for n in needles)


def _erase_mail(session: Session, emails: set[str], names: set[str]) -> None:
    """E-mail to them, or about them to anyone: deleted if unsent, its stored copy blanked if sent.

    A sent message's row stays (with ids only in its key) so a reminder pass never queues it again.
    """
    needles = {e for e in emails if e} | {n for n in names if len(n.strip()) >= MIN_NAME_TO_SEARCH}
    if not needles:
        return
    forms = {json.dumps(n, ensure_ascii=ascii)[1:-1] for n in needles for ascii in (True, False)}
    candidates = session.scalars(select(OutboxEffect).where(
        or_(*[OutboxEffect.payload_json.contains(f) for f in forms]))).all()
    for effect in candidates:
        if not _mentions(json.dumps(json.loads(effect.payload_json), ensure_ascii=False), needles):
            continue  # the name only as part of a longer word
        if effect.status == "pending":
            session.delete(effect)
        else:
            effect.payload_json = ERASED_PAYLOAD
            effect.last_error = None


@dataclass(frozen=True)
class RetentionRun:
    attempts_deleted: int
    learners_deleted: int


def delete_abandoned(factory: sessionmaker[Session], days: int, *, now: datetime | None = None) -> RetentionRun:
    """Delete attempts not finished and untouched for ``days`` days (never one with a certificate)."""
    if days < 1:
        raise PrivacyError("the retention period must be at least 1 day")
    now = as_utc(now) if now is not None else datetime.now(UTC)
    cutoff = now - timedelta(days=days)
    with transaction(factory) as session:
        last_answer = (select(Response.attempt_id, func.max(Response.submitted_at).label("at"))
                       .group_by(Response.attempt_id).subquery())
        rows = session.execute(
            select(Attempt.id, Attempt.learner_id)
            .outerjoin(last_answer, last_answer.c.attempt_id == Attempt.id)
            .where(Attempt.completed_at.is_(None), Attempt.started_at < cutoff,
                   or_(last_answer.c.at.is_(None), last_answer.c.at < cutoff),
                   ~select(Certificate.id).where(Certificate.attempt_id == Attempt.id).exists())
        ).all()
        attempt_ids = [r[0] for r in rows]
        learner_ids = {r[1] for r in rows}
        _delete_attempt_data(session, attempt_ids)
        if attempt_ids:
            # An attempt that retried one of these points at it by id only (no foreign key): clear the pointer.
            session.execute(update(Attempt).where(Attempt.retry_of.in_(attempt_ids)).values(retry_of=None))
            session.execute(delete(Attempt).where(Attempt.id.in_(attempt_ids)))
        orphans = [lid for lid in learner_ids
                   if not session.scalar(select(func.count()).select_from(Attempt).where(Attempt.learner_id == lid))
                   and not session.scalar(select(func.count()).select_from(LearnerNameChange)
                                          .where(LearnerNameChange.learner_id == lid))]
        if orphans:
            session.execute(delete(Token).where(Token.subject_id.in_(orphans)))
            session.execute(update(Learner).where(Learner.linked_to_id.in_(orphans)).values(linked_to_id=None))
            session.execute(delete(Learner).where(Learner.id.in_(orphans)))
        if attempt_ids:
            audit.append(session, "retention.delete_abandoned", now=now,
                         details={"days": days, "attempts_deleted": len(attempt_ids), "learners_deleted": len(orphans)})
    return RetentionRun(len(attempt_ids), len(orphans))


@dataclass(frozen=True)
class LearnerMatch:
    id: str
    name: str
    created_at: datetime
    attempts: int


def find_learners(factory: sessionmaker[Session], email: str) -> list[LearnerMatch]:
    """Learner records with this e-mail address (each start of the module may have made one), newest first."""
    needle = (email or "").strip().lower()
    if not needle:
        return []
    with factory() as session:
        rows = session.execute(
            select(Learner.id, Learner.name, Learner.created_at, func.count(Attempt.id))
            .outerjoin(Attempt, Attempt.learner_id == Learner.id)
            .where(func.lower(Learner.email) == needle)
            .group_by(Learner.id, Learner.name, Learner.created_at)
            .order_by(Learner.created_at.desc())
        ).all()
    return [LearnerMatch(r[0], r[1], r[2], int(r[3])) for r in rows]


def learner_of_attempt(factory: sessionmaker[Session], attempt_id: str) -> str | None:
    with factory() as session:
        return session.scalar(select(Attempt.learner_id).where(Attempt.id == attempt_id))


RETENTION_EVERY_SECONDS = 3600.0


def retention_loop(factory: sessionmaker[Session], days: int, stop: Any, *,
                   every: float = RETENTION_EVERY_SECONDS) -> None:
    """For ``python -m cpd worker``: delete abandoned attempts now and then every ``every`` seconds until ``stop``.

    Several workers may run it at once: a second pass finds nothing left to delete.
    """
    import logging

    log = logging.getLogger("cpd.retention")
    while not stop.is_set():
        try:
            run = delete_abandoned(factory, days)
            if run.attempts_deleted:
                log.info("retention: deleted %d abandoned attempt(s), %d learner record(s)", run.attempts_deleted,
                         run.learners_deleted)
        except Exception:  # noqa: BLE001 - the database was away: try again next time, never stop the worker
            log.exception("retention: a pass failed; trying again in %.0f s", every)
        stop.wait(every)
