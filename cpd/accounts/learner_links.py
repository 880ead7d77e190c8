"""A learner's history comes together only after they prove their e-mail address by a one-time link.

Every start of the module makes a new learner row with whatever address was
typed; typing someone else's address must not show or join their attempts.
So: ``send_email_proof`` e-mails a one-time link to the row's own address;
``confirm_email_proof`` (the link, redeemed once) marks the row verified and
links it to the first verified learner with the same address. ``history``
gathers the attempts and certificates of one learner and of the verified rows
linked with it, never of an unverified row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from cpd import audit, tokens
from cpd.accounts.links import expires_text
from cpd.outbox.mail import enqueue_mail
from cpd.storage.db import transaction
from cpd.storage.tables import Attempt, Certificate, Learner

CONFIRM_PATH = "/auth/confirm-email"
KIND = "learner_email"


class ProofError(ValueError):
    pass


@dataclass(frozen=True)
class History:
    learner_ids: tuple[str, ...]
    attempt_ids: tuple[str, ...]
    certificate_ids: tuple[str, ...]


def send_email_proof(factory: sessionmaker[Session], learner_id: str, *, public_url: str) -> None:
    """E-mail the learner row's own address a one-time link (30 minutes)."""
    with transaction(factory) as session:
        learner = session.get(Learner, learner_id)
        if learner is None:
            raise ProofError("No such learner")
        issued = tokens.issue(session, tokens.Purpose.SIGN_IN_LINK, learner.id, data={"kind": KIND, "email": learner.email})
        url = f"{public_url.rstrip('/')}{CONFIRM_PATH}?token={issued.token}"
        enqueue_mail(session, f"{KIND}:{issued.id}", to=learner.email, template="sign_in_link",
                     context={"name": learner.name, "link": url, "expires": expires_text(issued.expires_at),
                              "purpose": "confirm your e-mail address, so your earlier attempts and certificates are "
                                         "shown together"})


def is_email_proof(factory: sessionmaker[Session], token: str) -> bool:
    """The link is live (for the confirmation page), without using it up."""
    with factory() as session:
        record = tokens.lookup(session, tokens.Purpose.SIGN_IN_LINK, token)
        return record is not None and record.data.get("kind") == KIND


def confirm_email_proof(factory: sessionmaker[Session], token: str) -> str:
    """Redeem the link: the learner row is verified and linked; returns the id of the learner it is linked to."""
    with transaction(factory) as session:
        record = tokens.redeem(session, tokens.Purpose.SIGN_IN_LINK, token)
        learner = session.get(Learner, record.subject_id) if record and record.data.get("kind") == KIND else None
        # The address may have been corrected since the link was sent: the proof is for the one it went to.
        if learner is None or record is None or learner.email.lower() != str(record.data.get("email", "")).lower():
            raise ProofError("This link does not work any more: it was used or has expired. Ask for a new one.")
        return prove_address(session, learner)


def prove_address(session: Session, learner: Learner, now: datetime | None = None) -> str:
    """The learner row's address is proven (a one-time link sent to it was redeemed): mark it and link it.

    In the caller's transaction; returns the id of the learner it is linked to (itself if it is the first).
    """
    if learner.email_verified_at is None:
        learner.email_verified_at = now or datetime.now(UTC)
    first = session.scalar(
        select(Learner).where(func.lower(Learner.email) == learner.email.lower(), Learner.email_verified_at.is_not(None),
                              Learner.linked_to_id.is_(None), Learner.id != learner.id)
        .order_by(Learner.email_verified_at, Learner.created_at).limit(1))
    if first is not None and learner.linked_to_id is None:
        learner.linked_to_id = first.id
        # Rows already linked to this one follow it to the first.
        for other in session.scalars(select(Learner).where(Learner.linked_to_id == learner.id)):
            other.linked_to_id = first.id
    session.flush()
    audit.append(session, "learner.email_proven", targets={"learner": learner.id, "linked_to": learner.linked_to_id})
    return learner.linked_to_id or learner.id


def history(factory: sessionmaker[Session], learner_id: str) -> History:
    """Attempts and certificates of this learner and, if verified, of every verified row linked with it."""
    with factory() as session:
        learner = session.get(Learner, learner_id)
        if learner is None:
            return History((), (), ())
        ids = {learner.id}
        if learner.email_verified_at is not None:
            root = learner.linked_to_id or learner.id
            ids |= {root, *session.scalars(select(Learner.id).where(Learner.linked_to_id == root,
                                                                    Learner.email_verified_at.is_not(None)))}
        attempts = tuple(session.scalars(select(Attempt.id).where(Attempt.learner_id.in_(ids)).order_by(Attempt.started_at)))
        certs = tuple(session.scalars(select(Certificate.id).where(Certificate.attempt_id.in_(attempts))
                                      .order_by(Certificate.issued_at))) if attempts else ()
    return History(tuple(sorted(ids)), attempts, certs)
