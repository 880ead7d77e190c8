"""The e-mails accounts send (invitations, password resets, learner e-mail proof), queued in the outbox.

Each message is written to the outbox in the caller's transaction, so a link
exists if and only if its e-mail will be sent. The outbox worker and the mail
sender belong to the platform (``cpd.outbox``, ``cpd.mail``); this module only
says what to send.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from cpd.storage.tables import OutboxEffect

EMAIL_KIND = "email"


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    text: str


def queue_email(session: Session, message: Message, *, dedupe_key: str) -> None:
    """Write the e-mail to the outbox in the caller's transaction (sent at least once, de-duplicated by key)."""
    now = datetime.now(UTC)
    session.add(OutboxEffect(
        kind=EMAIL_KIND, dedupe_key=dedupe_key,
        payload_json=json.dumps({"to": message.to, "subject": message.subject, "text": message.text},
                                sort_keys=True, ensure_ascii=False),
        status="pending", tries=0, next_try_at=now, created_at=now,
    ))
    session.flush()


def invitation(to: str, link: str, *, organisation: str | None, role: str, days: int) -> Message:
    where = f" for {organisation}" if organisation else ""
    return Message(to, f"Your invitation to Reality Check CPD{where}", (
        f"You have been invited to Reality Check CPD{where} as {role}.\n\n"
        f"Choose your password here (the link works once, for {days} days):\n{link}\n\n"
        "If you did not expect this, ignore this e-mail; no account opens without the link.\n"))


def password_reset(to: str, link: str, *, minutes: int) -> Message:
    return Message(to, "Reset your Reality Check CPD password", (
        f"Someone asked to reset the password of this address's Reality Check CPD account.\n\n"
        f"Choose a new password here (the link works once, for {minutes} minutes):\n{link}\n\n"
        "If it was not you, ignore this e-mail: your password stays as it is.\n"))


def email_proof(to: str, link: str, *, minutes: int) -> Message:
    return Message(to, "Confirm your e-mail address for Reality Check CPD", (
        "Confirm that this address is yours, so your earlier attempts and certificates are shown together.\n\n"
        f"Open this link (it works once, for {minutes} minutes) and press Confirm:\n{link}\n\n"
        "If it was not you, ignore this e-mail: nothing is linked without it.\n"))
