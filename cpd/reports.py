"""Reports for accreditors: completions and the evaluation summary of one module over a date range.

Both are CSV written by the project's spreadsheet-safe writer (``cpd.exports``),
so a learner's name typed as a formula stays text. The evaluation summary gives
counts (relevance, balance, commercial bias noticed), what learners will change
in practice and their comments on the activity; the private reflective note is
never read here: the queries do not select that column. ``evaluation_summary``
does the same for any set of attempts (one workshop's, for its accreditation file).

Dates are inclusive and in UTC: an attempt completed on ``date_to`` counts.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cpd.exports import csv_bytes
from cpd.storage.tables import Attempt, Certificate, ContentSnapshot, Evaluation, Learner
from cpd.timeutil import as_utc

COMPLETION_HEADER = ("Name", "Registration number", "Profession", "Activity", "Date completed (UTC)",
                     "CPD hours claimed", "Outcome", "Certificate ID")


@dataclass(frozen=True)
class Completion:
    name: str
    registration_number: str | None
    profession: str
    activity: str
    completed_on: date
    hours_claimed: float
    outcome: str
    certificate_id: str | None

    def row(self) -> tuple[object, ...]:
        return (self.name, self.registration_number, self.profession, self.activity, self.completed_on,
                self.hours_claimed, self.outcome, self.certificate_id)


def _bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    if date_to < date_from:
        raise ValueError(f"the range ends ({date_to}) before it starts ({date_from})")
    return datetime.combine(date_from, time.min, UTC), datetime.combine(date_to + timedelta(days=1), time.min, UTC)


def _activities(session: Session, hashes: set[str]) -> dict[str, tuple[str, float]]:
    """Title (with version) and CPD hours of the exact content each attempt ran on."""
    out: dict[str, tuple[str, float]] = {}
    for snap in session.scalars(select(ContentSnapshot).where(ContentSnapshot.content_hash.in_(hashes))):
        module = json.loads(snap.content_json)["module"]
        out[snap.content_hash] = (f"{module['title']} (version {module['version']})", float(module["cpd_hours"]))
    return out


def completions(factory: sessionmaker[Session], module_id: str, date_from: date, date_to: date) -> list[Completion]:
    """Every attempt of the module completed in the range, oldest first, with its current certificate."""
    start, end = _bounds(date_from, date_to)
    with factory() as session:
        rows = session.execute(
            select(Attempt.id, Attempt.content_hash, Attempt.completed_at, Attempt.passed,
                   Learner.name, Learner.registration_number, Learner.profession)
            .join(Learner, Learner.id == Attempt.learner_id)
            .where(Attempt.module_id == module_id, Attempt.completed_at.is_not(None),
                   Attempt.completed_at >= start, Attempt.completed_at < end)
            .order_by(Attempt.completed_at, Attempt.id)
        ).all()
        certs = {c.attempt_id: c for c in session.execute(
            select(Certificate.attempt_id, Certificate.id, Certificate.revoked_at)
            .where(Certificate.attempt_id.in_([r.id for r in rows]), Certificate.superseded_by_id.is_(None)))}
        activities = _activities(session, {r.content_hash for r in rows})
    out = []
    for r in rows:
        title, hours = activities.get(r.content_hash, (module_id, 0.0))
        cert = certs.get(r.id)
        if not r.passed:
            outcome, hours = "not passed", 0.0
        elif cert is not None and cert.revoked_at is not None:
            outcome, hours = "passed; certificate revoked", 0.0
        elif cert is None:
            outcome = "passed; certificate not yet issued (evaluation outstanding)"
        else:
            outcome = "passed"
        completed = as_utc(r.completed_at)
        assert completed is not None  # selected on it
        out.append(Completion(r.name, r.registration_number, r.profession, title, completed.date(), hours, outcome,
                              cert.id if cert is not None else None))
    return out


def completions_csv(rows: Sequence[Completion]) -> bytes:
    return csv_bytes(COMPLETION_HEADER, [r.row() for r in rows])


@dataclass(frozen=True)
class EvaluationSummary:
    module_id: str
    date_from: date
    date_to: date
    count: int
    relevance: Counter[int]
    balance: Counter[int]
    comments: tuple[tuple[date, str], ...]  # (date submitted, what the learner will change in practice)
    bias_noticed: int = 0  # said yes to "did you notice commercial bias?"
    bias_not_noticed: int = 0
    activity_comments: tuple[tuple[date, str], ...] = ()  # (date submitted, comment on the activity)
    title: str = ""  # what the summary covers, when not a module over a date range (a workshop)

    @staticmethod
    def mean(counts: Counter[int]) -> float | None:
        n = sum(counts.values())
        return round(sum(k * v for k, v in counts.items()) / n, 2) if n else None


def evaluations(factory: sessionmaker[Session], module_id: str, date_from: date, date_to: date) -> EvaluationSummary:
    """Ratings counted and the learners' comments, for evaluations submitted in the range."""
    start, end = _bounds(date_from, date_to)
    with factory() as session:
        rows = session.execute(
            _SHAREABLE.join(Attempt, Attempt.id == Evaluation.attempt_id)
            .where(Attempt.module_id == module_id, Evaluation.submitted_at >= start, Evaluation.submitted_at < end)
            .order_by(Evaluation.submitted_at)
        ).all()
    return _summary(rows, module_id, date_from, date_to)


# Never Evaluation.reflection: the reflective note is the learner's own.
_SHAREABLE = select(Evaluation.relevance, Evaluation.balance, Evaluation.intended_change, Evaluation.submitted_at,
                    Evaluation.commercial_bias, Evaluation.comments)


def _summary(rows: Sequence[Any], module_id: str, date_from: date, date_to: date, title: str = "") -> EvaluationSummary:
    comments, notes = [], []
    for r in rows:
        submitted = as_utc(r.submitted_at)
        if submitted is None:
            continue
        if r.intended_change.strip():
            comments.append((submitted.date(), r.intended_change.strip()))
        if r.comments and r.comments.strip():
            notes.append((submitted.date(), r.comments.strip()))
    return EvaluationSummary(module_id, date_from, date_to, len(rows), Counter(r.relevance for r in rows),
                             Counter(r.balance for r in rows), tuple(comments),
                             sum(1 for r in rows if r.commercial_bias is True),
                             sum(1 for r in rows if r.commercial_bias is False), tuple(notes), title)


def evaluation_summary(factory: sessionmaker[Session], attempt_ids: Sequence[str], *, module_id: str, held_on: date,
                       title: str) -> EvaluationSummary:
    """The evaluation summary of these attempts (a workshop's participants), whenever they were submitted."""
    with factory() as session:
        rows = session.execute(_SHAREABLE.where(Evaluation.attempt_id.in_(list(attempt_ids)))
                               .order_by(Evaluation.submitted_at)).all() if attempt_ids else []
    return _summary(rows, module_id, held_on, held_on, title)


def evaluations_csv(summary: EvaluationSummary) -> bytes:
    rows: list[tuple[object, ...]] = [("Activity", "", summary.title)] if summary.title else []
    rows += [
        ("Module", "", summary.module_id),
        ("From (UTC)", "", summary.date_from),
        ("To (UTC, inclusive)", "", summary.date_to),
        ("Evaluations", "", summary.count),
    ]
    for label, counts in (("Relevance to practice (1-5)", summary.relevance), ("Balanced, free of commercial bias (1-5)",
                                                                              summary.balance)):
        rows.append((label, "mean", summary.mean(counts)))
        rows += [(label, f"rated {k}", counts.get(k, 0)) for k in range(1, 6)]
    rows += [("Commercial bias noticed", "yes", summary.bias_noticed),
             ("Commercial bias noticed", "no", summary.bias_not_noticed),
             ("Commercial bias noticed", "not asked", summary.count - summary.bias_noticed - summary.bias_not_noticed)]
    rows += [("Comment: what I will change in practice", day, text) for day, text in summary.comments]
    rows += [("Comment on the activity", day, text) for day, text in summary.activity_comments]
    return csv_bytes(("Measure", "Detail", "Value"), rows)
