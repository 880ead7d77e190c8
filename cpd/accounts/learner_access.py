"""Find my attempts and certificates: a one-time link by e-mail, then the learner's list.

A learner types their e-mail address; if any learner record has it, a one-time
sign-in link (token service, 30 minutes, single use) goes to that address
through the outbox; the reply is the same whether or not the address is known,
so the form tells nobody who has taken the module. Requests are throttled per
address and per client in the database (every replica counts the same rows,
the keys are hashed); a throttled request is refused the same way for known
and unknown addresses.

Redeeming the link proves the address (``learner_links.prove_address``, the
same proof as "confirm your e-mail") for every learner record with it, then
swaps the one-time link for a short-lived view token (``Purpose.LEARNER_VIEW``)
that lists the attempts and certificates of those records. Opening an attempt
from the list issues a fresh resume link (the original ones are stored hashed
and cannot be shown again); a finished attempt then opens read-only.

An administrator may re-send the link for an address (audited).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from cpd import attempts, audit, tokens
from cpd.accounts.directory import Principal
from cpd.accounts.learner_links import history, prove_address
from cpd.accounts.links import expires_text
from cpd.learners import LearnerInput
from cpd.outbox.mail import enqueue_mail
from cpd.storage.db import transaction
from cpd.storage.tables import Attempt, Certificate, Learner, LearnerLinkRequest
from cpd.timeutil import as_utc

PAGE_PATH = "/my-attempts"  # the learner page (cpd.ui.my_attempts); the link carries ?access=<token>
KIND = "learner_access"
WINDOW = timedelta(hours=1)
PER_ADDRESS = 3  # links per address per hour: enough for "it did not arrive", too few to flood an inbox
PER_CLIENT = 10  # requests per client per hour, whatever the addresses

SENT = ("If this address has attempts or certificates with us, a sign-in link is on its way to it. "
        "The link works once, for 30 minutes. Check your spam folder if it does not arrive.")
THROTTLED = "Too many requests for a link just now. Please wait an hour and ask again."


class AccessError(ValueError):
    """A problem the learner or administrator can act on; the message is shown as is."""


class Throttled(AccessError):
    pass


@dataclass(frozen=True)
class AttemptLine:
    attempt_id: str
    module_title: str
    attempt_number: int
    started_at: datetime
    phase: str
    finished: bool
    percent: float | None
    passed: bool | None


@dataclass(frozen=True)
class CertificateLine:
    certificate_id: str
    attempt_id: str
    module_title: str
    version: int
    issued_at: datetime
    revoked: bool
    superseded: bool


@dataclass(frozen=True)
class Overview:
    email: str
    attempts: tuple[AttemptLine, ...]
    certificates: tuple[CertificateLine, ...]


def normalise_email(value: object) -> str:
    """The address as learners' records hold it (lower case), or AccessError with the form's message."""
    try:
        return LearnerInput.model_validate({"name": "x", "email": value, "profession": "x"}).email
    except ValueError:
        raise AccessError("E-mail: enter the address you used when you started the module (name@example.org)") from None


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def access_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}{PAGE_PATH}?access={token}"


def request_link(factory: sessionmaker[Session], email: object, *, client: str, public_url: str,
                 now: datetime | None = None) -> str:
    """Queue a one-time link to ``email`` if it belongs to a learner; returns the reply to show (always ``SENT``).

    Raises ``Throttled`` (same for known and unknown addresses) or ``AccessError`` for a malformed address.
    """
    address = normalise_email(email)
    now = as_utc(now) or datetime.now(UTC)
    keys = (_key("email", address), _key("client", client or "unknown"))
    with transaction(factory) as session:
        session.execute(delete(LearnerLinkRequest).where(LearnerLinkRequest.requested_at < now - WINDOW))
        counted = session.execute(
            select(LearnerLinkRequest.key, func.count()).where(LearnerLinkRequest.key.in_(keys),
                                                               LearnerLinkRequest.requested_at >= now - WINDOW)
            .group_by(LearnerLinkRequest.key)).all()
        recent = {key: int(count) for key, count in counted}
        if recent.get(keys[0], 0) >= PER_ADDRESS or recent.get(keys[1], 0) >= PER_CLIENT:
            raise Throttled(THROTTLED)
        session.add_all([LearnerLinkRequest(key=k, requested_at=now) for k in keys])
        _send(session, address, public_url, now)
    return SENT


def _learners(session: Session, address: str) -> list[Learner]:
    return list(session.scalars(select(Learner).where(func.lower(Learner.email) == address)
                                .order_by(Learner.created_at, Learner.id)))


def _send(session: Session, address: str, public_url: str, now: datetime) -> Learner | None:
    """Issue and queue the link if a learner has the address; nothing (and no difference to the caller) if not."""
    learners = _learners(session, address)
    if not learners:
        return None
    newest = learners[-1]
    issued = tokens.issue(session, tokens.Purpose.SIGN_IN_LINK, newest.id, data={"kind": KIND, "email": address}, now=now)
    enqueue_mail(session, f"{KIND}:{issued.id}", to=address, template="learner_access",
                 context={"name": newest.name, "link": access_url(public_url, issued.token),
                          "expires": expires_text(issued.expires_at)})
    return newest


def resend_link(factory: sessionmaker[Session], email: object, *, actor: Principal, public_url: str,
                now: datetime | None = None) -> int:
    """An administrator re-sends the link to a learner's address (not throttled, audited); returns the records found."""
    if not actor.is_admin:
        raise AccessError("Only an administrator can re-send a learner's link.")
    address = normalise_email(email)
    now = as_utc(now) or datetime.now(UTC)
    with transaction(factory) as session:
        found = _learners(session, address)
        learner = _send(session, address, public_url, now)
        if learner is None:
            raise AccessError("No learner has this e-mail address.")
        audit.append(session, "learner.access_link_resent", actor_id=actor.account_id,
                     targets={"learner": learner.id}, details={"records": len(found)}, now=now)
        return len(found)


def find_learners(factory: sessionmaker[Session], email: object, *, actor: Principal) -> list[tuple[str, int, datetime]]:
    """For the administrator's page: (name, attempts, first seen) of each learner record with the address."""
    if not actor.is_admin:
        raise AccessError("Only an administrator can look up learners.")
    address = normalise_email(email)
    with factory() as session:
        return [(lr.name, session.scalar(select(func.count()).select_from(Attempt).where(Attempt.learner_id == lr.id)) or 0,
                 as_utc(lr.created_at)) for lr in _learners(session, address)]


def link_status(factory: sessionmaker[Session], token: object) -> tokens.Status:
    """Whether the e-mailed link still works, without using it up (the page asks before redeeming it)."""
    with factory() as session:
        checked = tokens.check(session, tokens.Purpose.SIGN_IN_LINK, token)
        if checked.ok and checked.record is not None and checked.record.data.get("kind") != KIND:
            return tokens.Status.UNKNOWN
        return checked.status


def open_link(factory: sessionmaker[Session], token: object, *, now: datetime | None = None) -> str:
    """Redeem the one-time link: the address is proven; returns a view token for the learner's list."""
    now = as_utc(now) or datetime.now(UTC)
    with transaction(factory) as session:
        record = tokens.redeem(session, tokens.Purpose.SIGN_IN_LINK, token, now=now)
        if record is None or record.data.get("kind") != KIND:
            raise AccessError("This link does not work any more: it was used or has expired. Ask for a new one below.")
        address = str(record.data.get("email", ""))
        learners = _learners(session, address)
        if not learners:  # erased since the link was sent
            raise AccessError("There is nothing to show for this address any more.")
        root = None
        for learner in learners:
            root = prove_address(session, learner, now)
        assert root is not None
        return tokens.issue(session, tokens.Purpose.LEARNER_VIEW, root, data={"email": address}, now=now).token


def overview(factory: sessionmaker[Session], view_token: object, *, now: datetime | None = None) -> Overview | None:
    """The learner's attempts and certificates, or None when the view has expired (ask for a new link)."""
    with transaction(factory) as session:
        record = tokens.redeem(session, tokens.Purpose.LEARNER_VIEW, view_token, now=now)  # moves the idle clock
    if record is None:
        return None
    found = history(factory, record.subject_id)
    with factory() as session:
        rows = session.scalars(select(Attempt).where(Attempt.id.in_(found.attempt_ids))
                               .order_by(Attempt.started_at.desc())).all() if found.attempt_ids else []
    titles = _titles(factory, {a.content_hash for a in rows})
    with factory() as session:
        lines = tuple(AttemptLine(a.id, titles.get(a.content_hash, a.module_id), a.attempt_number, as_utc(a.started_at),
                                  a.phase, a.phase == "done", a.percent, a.passed) for a in rows)
        by_attempt = {a.id: titles.get(a.content_hash, a.module_id) for a in rows}
        certs = session.scalars(select(Certificate).where(Certificate.id.in_(found.certificate_ids))
                                .order_by(Certificate.issued_at.desc())).all() if found.certificate_ids else []
        cert_lines = tuple(CertificateLine(c.id, c.attempt_id, by_attempt.get(c.attempt_id, ""), c.version,
                                           as_utc(c.issued_at), c.revoked_at is not None, c.superseded_by_id is not None)
                           for c in certs)
    return Overview(str(record.data.get("email", "")), lines, cert_lines)


def _titles(factory: sessionmaker[Session], hashes: set[str]) -> dict[str, str]:
    """Each attempt's module title, from the content snapshot it ran on (parsed once per process)."""
    out: dict[str, str] = {}
    for content_hash in hashes:
        try:
            out[content_hash] = attempts.module_for(factory, content_hash).module.title
        except attempts.AttemptError:  # no snapshot (very old attempt): the module id is shown instead
            continue
    return out


def open_attempt(factory: sessionmaker[Session], view_token: object, attempt_id: str, *,
                 now: datetime | None = None) -> str:
    """A fresh resume link for one of the viewer's attempts (never another learner's)."""
    with transaction(factory) as session:
        record = tokens.lookup(session, tokens.Purpose.LEARNER_VIEW, view_token, now=now)
    if record is None:
        raise AccessError("This list has expired. Ask for a new link below.")
    if attempt_id not in history(factory, record.subject_id).attempt_ids:
        raise AccessError("This attempt is not one of yours.")
    with transaction(factory) as session:
        return attempts.issue_resume_link(session, attempt_id, now).token


def certificate_pdf(factory: sessionmaker[Session], view_token: object, certificate_id: str) -> bytes:
    """The stored PDF of one of the viewer's certificates, unless it was revoked."""
    with factory() as session:
        record = tokens.lookup(session, tokens.Purpose.LEARNER_VIEW, view_token)
    if record is None or certificate_id not in history(factory, record.subject_id).certificate_ids:
        raise AccessError("This certificate is not one of yours, or the list has expired.")
    with factory() as session:
        cert = session.get_one(Certificate, certificate_id)
        if cert.revoked_at is not None:
            raise AccessError("This certificate was revoked.")
        return bytes(cert.pdf)


def close_view(factory: sessionmaker[Session], view_token: object) -> None:
    """The learner closes the list (a shared computer): the view token stops working at once."""
    with transaction(factory) as session:
        tokens.revoke(session, tokens.Purpose.LEARNER_VIEW, view_token)
