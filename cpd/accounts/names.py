"""The history of a learner's names: a correction adds a row, nothing is overwritten without a trace."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cpd.storage.tables import LearnerNameChange
from cpd.timeutil import as_utc


@dataclass(frozen=True)
class NameChange:
    old_name: str
    new_name: str
    changed_at: datetime
    changed_by: str | None
    certificate_id: str | None


def record_name_change(session: Session, learner_id: str, old_name: str, new_name: str, *,
                       changed_by: str | None = None, certificate_id: str | None = None) -> None:
    """In the caller's transaction (the one that corrects the name)."""
    if old_name == new_name:
        return
    session.add(LearnerNameChange(learner_id=learner_id, old_name=old_name, new_name=new_name,
                                  changed_at=datetime.now(UTC), changed_by=changed_by, certificate_id=certificate_id))


def name_history(factory: sessionmaker[Session], learner_id: str) -> list[NameChange]:
    with factory() as session:
        rows = session.scalars(select(LearnerNameChange).where(LearnerNameChange.learner_id == learner_id)
                               .order_by(LearnerNameChange.changed_at, LearnerNameChange.id))
        return [NameChange(r.old_name, r.new_name, as_utc(r.changed_at), r.changed_by, r.certificate_id) for r in rows]
