"""What ``cpd.attempts`` calls inside its transactions: queue a statement beside the change that caused it.

Nothing is queued unless ``CPD_XAPI_ENDPOINT`` is set (read from the process's
settings, since the attempt functions take none); without one, the same
statements come out of ``python -m cpd xapi export``, rebuilt from the rows.
Queuing in the caller's transaction means a statement exists exactly when its
change committed; the statement id is the outbox de-duplication key, so a
repeated call queues nothing more.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cpd.outbox.store import enqueue
from cpd.settings import get_settings
from cpd.storage.tables import Attempt, Evaluation, Response
from cpd.xapi import records, statements

KIND = "xapi.statement"


def enabled() -> bool:
    return bool(get_settings().xapi_endpoint)


def _queue(session: Session, statement: dict[str, Any]) -> None:
    enqueue(session, KIND, statement["id"], {"statement": statement})


def attempt_started(session: Session, attempt: Attempt, *, module_title: str | None = None) -> None:
    if not enabled():
        return
    ctx = records.context_for(session, attempt, get_settings().public_url, module_title=module_title)
    _queue(session, statements.attempted(ctx, records._at(attempt.started_at)))


def answer_saved(session: Session, attempt: Attempt, phase: str, item_id: str) -> None:
    if not enabled():
        return
    row = session.scalars(select(Response).where(Response.attempt_id == attempt.id, Response.phase == phase,
                                                 Response.item_id == item_id)).one()
    ctx = records.context_for(session, attempt, get_settings().public_url)
    _queue(session, records.answered_statement(ctx, row))


def attempt_graded(session: Session, attempt: Attempt) -> None:
    if not enabled() or attempt.completed_at is None or attempt.percent is None:
        return
    ctx = records.context_for(session, attempt, get_settings().public_url)
    _queue(session, records.graded_statement(ctx, attempt))


def attempt_completed(session: Session, attempt: Attempt) -> None:
    if not enabled():
        return
    evaluation = session.get(Evaluation, attempt.id)
    if evaluation is None:
        return
    ctx = records.context_for(session, attempt, get_settings().public_url)
    _queue(session, records.completed_statement(ctx, attempt, evaluation.submitted_at))
