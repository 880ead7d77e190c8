"""What an administrator may do with certificates: list what was issued, revoke with a reason.

Who may do it is decided by accounts and roles (``cpd.accounts``): the
Administration page offers these to deployment administrators only, because
certificates are not yet tied to an organisation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cpd import audit
from cpd.accounts.directory import Principal, list_accounts
from cpd.certificates.service import revoke
from cpd.storage.db import transaction
from cpd.storage.tables import Attempt, Certificate, Learner
from cpd.text import clean_text
from cpd.timeutil import as_utc


@dataclass(frozen=True)
class IssuedCertificate:
    id: str
    version: int
    learner_name: str
    learner_email: str
    issued_at: datetime
    status: str  # valid | revoked | superseded


def recent_certificates(factory: sessionmaker[Session], limit: int = 50) -> list[IssuedCertificate]:
    with factory() as session:
        rows = session.execute(  # columns only: not the stored PDFs
            select(Certificate.id, Certificate.version, Learner.name, Learner.email, Certificate.issued_at,
                   Certificate.revoked_at, Certificate.superseded_by_id)
            .join(Attempt, Attempt.id == Certificate.attempt_id)
            .join(Learner, Learner.id == Attempt.learner_id)
            .order_by(Certificate.issued_at.desc())
            .limit(limit)
        ).all()
    return [
        IssuedCertificate(
            r.id, r.version, r.name, r.email, as_utc(r.issued_at),
            "revoked" if r.revoked_at else "superseded" if r.superseded_by_id else "valid",
        )
        for r in rows
    ]


def revoke_certificate(
    factory: sessionmaker[Session], certificate_id: str, reason: str, *, actor_id: str | None = None
) -> Certificate:
    """Revoke with a reason in plain text (it is shown publicly on the verification page).

    The audit entry (ids only: the reason stays on the certificate) is written in the same transaction.
    """
    text = clean_text(reason, field="Reason", max_len=1000, multiline=True)
    with transaction(factory) as session:
        row = revoke(session, certificate_id.strip(), text)
        audit.append(session, "certificate.revoke", actor_id=actor_id, targets={"certificate": row.id})
        return row


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    action: str
    actor: str  # the actor's e-mail when the viewer may see that account, else its id
    targets: str
    details: str


def audit_rows(factory: sessionmaker[Session], viewer: Principal, organisation_id: str | None,
               limit: int = 100) -> list[AuditRow]:
    """The newest entries of one chain, for someone allowed to read it: admins any, a manager their organisation's."""
    if not viewer.may_manage(organisation_id) or (organisation_id is None and not viewer.is_admin):
        raise PermissionError("You may not read that audit log")
    emails = {a.id: a.email for a in list_accounts(factory, viewer=viewer)}
    with factory() as session:
        entries = audit.recent(session, organisation_id, limit=limit)
    return [AuditRow(as_utc(e.at), e.action, emails.get(e.actor_id or "", e.actor_id or "-"),
                     _compact(e.targets_json, emails), _compact(e.details_json, emails)) for e in entries]


def _compact(raw: str, emails: dict[str, str]) -> str:
    values = json.loads(raw or "{}")
    return ", ".join(f"{k}={emails.get(v, v) if isinstance(v, str) else v}" for k, v in sorted(values.items()) if v is not None)
