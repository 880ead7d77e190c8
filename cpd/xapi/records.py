"""An attempt's rows as xAPI statements: the one translation used by live delivery and by the export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cpd.storage.tables import Attempt, ContentSnapshot, Evaluation, Learner, Response
from cpd.timeutil import as_utc
from cpd.xapi import statements
from cpd.xapi.statements import AttemptContext


def context_for(session: Session, attempt: Attempt, base_url: str, *, module_title: str | None = None) -> AttemptContext:
    learner = session.get_one(Learner, attempt.learner_id)
    if module_title is None:
        module_title = _title(session, attempt.content_hash)
    return AttemptContext(
        base_url=base_url, attempt_id=attempt.id,
        learner=statements.Learner(id=learner.id, name=learner.name, email=learner.email or None),
        module_id=attempt.module_id, module_version=attempt.module_version, content_hash=attempt.content_hash,
        attempt_number=attempt.attempt_number, delivery_format=attempt.delivery_format, module_title=module_title,
    )


def _title(session: Session, content_hash: str) -> str | None:
    snap = session.get(ContentSnapshot, content_hash)
    if snap is None:
        return None
    title = json.loads(snap.content_json).get("module", {}).get("title")
    return title if isinstance(title, str) else None


def answered_statement(ctx: AttemptContext, row: Response) -> dict[str, Any]:
    return statements.answered(ctx, phase=row.phase, item_id=row.item_id, response=json.loads(row.answer_json),
                               points=row.points, max_points=row.max_points, correct=row.correct,
                               at=_at(row.submitted_at))


def graded_statement(ctx: AttemptContext, attempt: Attempt) -> dict[str, Any]:
    assert attempt.completed_at is not None and attempt.percent is not None
    return statements.graded(ctx, points=attempt.points or 0.0, max_points=attempt.max_points or 0.0,
                             percent=attempt.percent, passed=bool(attempt.passed), at=_at(attempt.completed_at))


def completed_statement(ctx: AttemptContext, attempt: Attempt, evaluated_at: datetime) -> dict[str, Any]:
    return statements.completed(ctx, percent=attempt.percent, passed=attempt.passed, at=_at(evaluated_at))


def statements_for_attempt(session: Session, attempt: Attempt, base_url: str) -> Iterator[dict[str, Any]]:
    """Every statement the attempt has earned so far, in the order they happened."""
    ctx = context_for(session, attempt, base_url)
    yield statements.attempted(ctx, _at(attempt.started_at))
    rows = session.scalars(select(Response).where(Response.attempt_id == attempt.id).order_by(Response.id))
    for row in rows:
        yield answered_statement(ctx, row)
    if attempt.completed_at is not None and attempt.percent is not None:
        yield graded_statement(ctx, attempt)
    evaluation = session.get(Evaluation, attempt.id)
    if evaluation is not None:
        yield completed_statement(ctx, attempt, evaluation.submitted_at)


def export(session: Session, base_url: str, *, module_id: str | None = None,
           since: datetime | None = None) -> list[dict[str, Any]]:
    """Statements of every attempt (of one module, started on or after ``since``), oldest attempt first."""
    query = select(Attempt).order_by(Attempt.started_at, Attempt.id)
    if module_id is not None:
        query = query.where(Attempt.module_id == module_id)
    if since is not None:
        query = query.where(Attempt.started_at >= since)
    return [s for attempt in session.scalars(query) for s in statements_for_attempt(session, attempt, base_url)]


def _at(value: datetime) -> datetime:
    at = as_utc(value)
    assert at is not None
    return at
