"""What an administrator may do, behind an argon2-hashed password.

The password itself is never stored: the deployment holds only its argon2 hash
(``CPD_ADMIN_PASSWORD_HASH`` or the Streamlit secret of that name), made with
``python -m cpd admin-password``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cpd.certificates.service import revoke
from cpd.storage.db import transaction
from cpd.storage.tables import Attempt, Certificate, Learner
from cpd.text import clean_text

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    if len(password) < 12:
        raise ValueError("use at least 12 characters")
    return _hasher.hash(password)


def check_password(password_hash: str | None, password: str) -> bool:
    """False for a wrong password, and for a missing or malformed hash (admin then stays shut)."""
    if not password_hash or not password:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


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
        rows = session.execute(
            select(Certificate, Learner)
            .join(Attempt, Attempt.id == Certificate.attempt_id)
            .join(Learner, Learner.id == Attempt.learner_id)
            .order_by(Certificate.issued_at.desc())
            .limit(limit)
        ).all()
    return [
        IssuedCertificate(
            c.id, c.version, learner.name, learner.email, c.issued_at,
            "revoked" if c.revoked_at else "superseded" if c.superseded_by_id else "valid",
        )
        for c, learner in rows
    ]


def revoke_certificate(factory: sessionmaker[Session], certificate_id: str, reason: str) -> Certificate:
    """Revoke with a reason in plain text (it is shown publicly on the verification page)."""
    text = clean_text(reason, field="Reason", max_len=1000, multiline=True)
    with transaction(factory) as session:
        return revoke(session, certificate_id.strip(), text)
