"""What an administrator may do, behind an argon2-hashed password.

The password itself is never stored: the deployment holds only its argon2 hash
(``CPD_ADMIN_PASSWORD_HASH`` or the Streamlit secret of that name), made with
``python -m cpd admin-password``.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cpd import audit
from cpd.certificates.service import revoke
from cpd.storage.db import transaction
from cpd.storage.tables import Attempt, Certificate, Learner
from cpd.text import clean_text
from cpd.timeutil import as_utc

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


class LoginThrottle:
    """Process-wide: after ``limit`` wrong passwords within ``window`` seconds, sign-in waits.

    Kept per process rather than per browser session, because a new session is
    free to open; argon2 already makes each guess cost ~50 ms of CPU.
    """

    def __init__(self, limit: int = 5, window: float = 300.0, lockout: float = 60.0) -> None:
        self.limit, self.window, self.lockout = limit, window, lockout
        self._failures: deque[float] = deque()
        self._lock = threading.Lock()

    def wait_seconds(self, now: float | None = None) -> float:
        """How long sign-in is closed from ``now`` (0 when open)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            while self._failures and now - self._failures[0] > self.window:
                self._failures.popleft()
            if len(self._failures) < self.limit:
                return 0.0
            return max(0.0, self._failures[-1] + self.lockout - now)

    def failed(self, now: float | None = None) -> None:
        with self._lock:
            self._failures.append(time.monotonic() if now is None else now)

    def succeeded(self) -> None:
        with self._lock:
            self._failures.clear()


THROTTLE = LoginThrottle()


def sign_in(password_hash: str | None, password: str, throttle: LoginThrottle = THROTTLE) -> str | None:
    """None when signed in, else the message to show."""
    wait = throttle.wait_seconds()
    if wait:
        return f"Too many wrong passwords. Try again in {int(wait) + 1} seconds."
    if check_password(password_hash, password):
        throttle.succeeded()
        return None
    throttle.failed()
    return "Wrong password."


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
