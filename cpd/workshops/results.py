"""After (or during) a workshop, for its facilitator: results per participant and per item, the attendance
register, the evaluation summary and the item analysis.

Every function starts from ``room.get_for``, so only the workshop's own facilitator
(or an administrator) gets anything; anyone else gets ``NotAllowed``. In an
anonymous workshop the results are per item only: no participant rows are made,
so no page can show a name beside an answer. The register still names who
attended (the accreditor needs it) with how many items each answered, never
which answers. No function here reads the evaluation's reflective note.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from cpd import item_analysis_data, reports
from cpd.accounts.directory import Principal
from cpd.content.loader import LoadedModule
from cpd.exports import csv_bytes
from cpd.item_analysis import TestStats
from cpd.scoring import max_points
from cpd.storage.db import transaction
from cpd.storage.tables import Attempt, Learner, Response, WorkshopFile, WorkshopParticipant
from cpd.timeutil import as_utc
from cpd.workshops import room
from cpd.workshops.room import Room


@dataclass(frozen=True)
class ParticipantResult:
    shown_name: str
    profession: str
    answered: int
    points: float
    percent: float
    passed: bool | None  # None until the workshop is finished (the attempt is totalled then)


@dataclass(frozen=True)
class Results:
    room: Room
    participants: tuple[ParticipantResult, ...]  # empty in an anonymous workshop
    analysis: TestStats
    joined: int


@dataclass(frozen=True)
class Attendee:
    name: str
    profession: str
    registration_number: str | None
    email: str | None
    joined_at: datetime
    last_answer_at: datetime | None
    answered: int
    attempt_id: str


def attendees(factory: sessionmaker[Session], workshop_id: str) -> list[Attendee]:
    """Everyone who joined, in joining order (engine use; callers check who may see it)."""
    with factory() as session:
        rows = session.execute(
            select(WorkshopParticipant.attempt_id, WorkshopParticipant.joined_at, Learner.name, Learner.profession,
                   Learner.registration_number, Learner.email)
            .join(Learner, Learner.id == WorkshopParticipant.learner_id)
            .where(WorkshopParticipant.workshop_id == workshop_id)
            .order_by(WorkshopParticipant.joined_at, WorkshopParticipant.id)).all()
        answers = {a: (int(n), last) for a, n, last in session.execute(
            select(Response.attempt_id, func.count(), func.max(Response.submitted_at))
            .join(WorkshopParticipant, WorkshopParticipant.attempt_id == Response.attempt_id)
            .where(WorkshopParticipant.workshop_id == workshop_id, Response.phase == "cases")
            .group_by(Response.attempt_id))}
    out = []
    for r in rows:
        n, last = answers.get(r.attempt_id, (0, None))
        joined = as_utc(r.joined_at)
        assert joined is not None
        out.append(Attendee(r.name, r.profession, r.registration_number, r.email or None, joined, as_utc(last), n,
                            r.attempt_id))
    return out


def results(factory: sessionmaker[Session], loaded: LoadedModule, workshop_id: str, who: Principal) -> Results:
    """Per item always; per participant only in a named workshop."""
    r = room.get_for(factory, workshop_id, who)
    people = attendees(factory, workshop_id)
    ids = [p.attempt_id for p in people]
    analysis = item_analysis_data.for_attempts(factory, loaded, ids)
    if r.anonymous:
        return Results(r, (), analysis, len(people))
    available = sum(max_points(i) for i in loaded.items()) or 1.0
    with factory() as session:
        totals = {a.id: a for a in session.scalars(select(Attempt).where(Attempt.id.in_(ids)))} if ids else {}
        points = dict(session.execute(
            select(Response.attempt_id, func.sum(Response.points)).where(Response.attempt_id.in_(ids),
                                                                          Response.phase == "cases")
            .group_by(Response.attempt_id)).all()) if ids else {}
        seats = dict(session.execute(select(WorkshopParticipant.attempt_id, WorkshopParticipant.shown_name)
                                     .where(WorkshopParticipant.workshop_id == workshop_id)).all())
    rows = []
    for p in people:
        a = totals.get(p.attempt_id)
        got = float(points.get(p.attempt_id) or 0.0)
        percent = a.percent if a is not None and a.percent is not None else round(100 * got / available, 1)
        rows.append(ParticipantResult(seats[p.attempt_id], p.profession, p.answered, got, percent,
                                      a.passed if a is not None else None))
    return Results(r, tuple(rows), analysis, len(people))


# --- the attendance register ------------------------------------------------------

REGISTER_HEADER = ("Name", "Profession", "Registration number", "Joined (UTC)", "Left: last answer (UTC)",
                   "Items answered")


def _time(t: datetime | None) -> str:
    return t.strftime("%Y-%m-%d %H:%M") if t is not None else ""


def register_rows(people: list[Attendee]) -> list[tuple[str, str, str, str, str, int]]:
    return [(p.name, p.profession, p.registration_number or "", _time(p.joined_at), _time(p.last_answer_at), p.answered)
            for p in people]


def register_csv(factory: sessionmaker[Session], workshop_id: str, who: Principal) -> bytes:
    """The register as spreadsheet-safe CSV (a name typed as a formula stays text); kept with the workshop."""
    room.get_for(factory, workshop_id, who)
    data = csv_bytes(REGISTER_HEADER, register_rows(attendees(factory, workshop_id)))
    keep(factory, workshop_id, "register.csv", data)
    return data


def register_pdf(factory: sessionmaker[Session], loaded: LoadedModule, workshop_id: str, who: Principal, *,
                 provider: str, font_paths: Any = None) -> bytes:
    """The register as a PDF the society files with its accreditor; kept with the workshop."""
    from cpd.workshops.register_pdf import render

    r = room.get_for(factory, workshop_id, who)
    people = attendees(factory, workshop_id)
    data = render(r, loaded.module.title, provider, REGISTER_HEADER, register_rows(people), font_paths=font_paths)
    keep(factory, workshop_id, "register.pdf", data)
    return data


def keep(factory: sessionmaker[Session], workshop_id: str, kind: str, content: bytes) -> None:
    """Store (or replace) a file kept with the workshop."""
    now = datetime.now().astimezone()
    digest = hashlib.sha256(content).hexdigest()
    with transaction(factory) as session:
        row = session.get(WorkshopFile, (workshop_id, kind))
        if row is None:
            session.add(WorkshopFile(workshop_id=workshop_id, kind=kind, content=content, sha256=digest, made_at=now))
        elif row.sha256 != digest:
            row.content, row.sha256, row.made_at = content, digest, now


def kept(factory: sessionmaker[Session], workshop_id: str, kind: str, who: Principal) -> bytes | None:
    """A file as last kept with the workshop, or None."""
    room.get_for(factory, workshop_id, who)
    with factory() as session:
        row = session.get(WorkshopFile, (workshop_id, kind))
        return bytes(row.content) if row is not None else None


# --- the evaluation summary -------------------------------------------------------------

def evaluation_summary(factory: sessionmaker[Session], loaded: LoadedModule, workshop_id: str,
                       who: Principal) -> reports.EvaluationSummary:
    """Ratings, bias noticed, intended changes and comments of the workshop's participants (never a reflective note)."""
    r = room.get_for(factory, workshop_id, who)
    ids = [p.attempt_id for p in attendees(factory, workshop_id)]
    return reports.evaluation_summary(factory, ids, module_id=loaded.module.id, held_on=date.fromisoformat(r.held_on),
                                      title=f"{r.title} ({r.venue}, {r.held_on}, live workshop)")


def evaluation_csv(factory: sessionmaker[Session], loaded: LoadedModule, workshop_id: str, who: Principal) -> bytes:
    data = reports.evaluations_csv(evaluation_summary(factory, loaded, workshop_id, who))
    keep(factory, workshop_id, "evaluation.csv", data)
    return data


def item_analysis_csv(factory: sessionmaker[Session], loaded: LoadedModule, workshop_id: str, who: Principal) -> bytes:
    return item_analysis_data.csv(results(factory, loaded, workshop_id, who).analysis)
