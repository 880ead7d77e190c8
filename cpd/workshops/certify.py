"""Certificates for everyone entitled after a workshop: queued in bulk through the outbox, issued once each.

Who is entitled: in an assessed workshop, everyone whose attempt passed; in an
attendance workshop, everyone who took a seat. The facilitator asks once
(``request_all``); that writes one outbox effect per entitled participant
(kind ``workshop.certificate``, de-duplicated per attempt) in one transaction.
A worker issues each through the certificate service's public
``issue_certificate`` (so the newest record version is used), and in the same
transaction queues the e-mail with the PDF attached where an address was given.

Exactly once: an effect is delivered at least once (a worker killed mid-batch
leaves its lease to expire and another takes the effect over), and issuing is
idempotent per attempt (the service returns the current certificate; the unique
(attempt, version) key refuses a second insert from a racing worker), so a
repeat finds the certificate and does nothing more. The e-mail's own effect is
keyed by the certificate id, so it is queued once too.

The record states "live workshop", the venue, the workshop's date, its CPD
hours and the basis of the award: an assessed workshop's certificate is awarded
for assessment (the score against the module's pass mark); an attendance
workshop's is awarded for participation and states no score or pass mark.
"""

from __future__ import annotations

import io
import re
import threading
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from cpd import attempts, audit
from cpd.accounts.directory import Principal
from cpd.certificates.design import Design
from cpd.certificates.fonts import MissingGlyphsError
from cpd.certificates.request import verification_url
from cpd.certificates.service import IssueRequest, current_certificate_for_attempt, issue_certificate
from cpd.content.loader import LoadedModule
from cpd.outbox import enqueue
from cpd.outbox.handlers import Effect, Handler, PermanentFailure, register
from cpd.settings import Settings
from cpd.storage.db import transaction
from cpd.storage.tables import (
    Attempt,
    Certificate,
    Learner,
    OutboxEffect,
    Workshop,
    WorkshopCertificateRun,
    WorkshopParticipant,
)
from cpd.timeutil import as_utc
from cpd.workshops import room
from cpd.workshops.room import WorkshopError

KIND = "workshop.certificate"
MAIL_KIND = "workshop.certificate_mail"


def _key(attempt_id: str) -> str:
    return f"wcert:{attempt_id}"


@dataclass(frozen=True)
class Progress:
    requested: bool
    entitled: int
    issued: int
    failed: int  # effects that failed for good (their error is in the outbox)
    mailed: int
    to_mail: int

    @property
    def done(self) -> bool:
        return self.requested and self.issued + self.failed >= self.entitled


def _entitled(session: Session, w: Workshop) -> list[str]:
    """Attempt ids of everyone entitled, in joining order."""
    q = (select(WorkshopParticipant.attempt_id).join(Attempt, Attempt.id == WorkshopParticipant.attempt_id)
         .where(WorkshopParticipant.workshop_id == w.id).order_by(WorkshopParticipant.joined_at, WorkshopParticipant.id))
    if w.assessed:
        q = q.where(Attempt.passed.is_(True))
    return list(session.scalars(q))


def request_all(factory: sessionmaker[Session], workshop_id: str, who: Principal, *,
                now: datetime | None = None) -> int:
    """Queue a certificate for everyone entitled (the workshop must be finished); returns how many are queued.

    Asking again queues only those not queued before (a late pass after a correction, say).
    """
    room.get_for(factory, workshop_id, who)  # only the workshop's facilitator or an administrator
    now = now or datetime.now(UTC)
    with transaction(factory) as session:
        w = session.get_one(Workshop, workshop_id)
        if w.status != "finished":
            raise WorkshopError("Finish the workshop first: certificates are issued once everyone's answers are final.")
        ids = _entitled(session, w)
        for attempt_id in ids:
            enqueue(session, KIND, _key(attempt_id), {"workshop": w.id, "attempt": attempt_id}, now=now)
        run = session.get(WorkshopCertificateRun, w.id)
        if run is None:
            session.add(WorkshopCertificateRun(workshop_id=w.id, requested_by=who.account_id, requested_at=now,
                                               entitled=len(ids)))
        else:
            run.entitled, run.requested_at = len(ids), now
        audit.append(session, "workshop.certificates", organisation_id=w.organisation_id, actor_id=who.account_id,
                     targets={"workshop": w.id}, details={"entitled": len(ids)})
    return len(ids)


def progress(factory: sessionmaker[Session], workshop_id: str, who: Principal) -> Progress:
    room.get_for(factory, workshop_id, who)
    with factory() as session:
        run = session.get(WorkshopCertificateRun, workshop_id)
        if run is None:
            return Progress(False, 0, 0, 0, 0, 0)
        ids = list(session.scalars(select(WorkshopParticipant.attempt_id)
                                   .where(WorkshopParticipant.workshop_id == workshop_id)))
        issued = list(session.scalars(select(Certificate.id).where(Certificate.attempt_id.in_(ids),
                                                                   Certificate.superseded_by_id.is_(None)))) if ids else []
        failed = int(session.scalar(select(func.count()).select_from(OutboxEffect).where(
            OutboxEffect.kind == KIND, OutboxEffect.status == "dead",
            OutboxEffect.dedupe_key.in_([_key(a) for a in ids]))) or 0) if ids else 0
        mail_keys = [f"wcertmail:{c}" for c in issued]
        mails = dict(session.execute(select(OutboxEffect.status, func.count()).where(
            OutboxEffect.kind == MAIL_KIND, OutboxEffect.dedupe_key.in_(mail_keys)).group_by(OutboxEffect.status))
            .all()) if mail_keys else {}
    return Progress(True, run.entitled, len(issued), failed, int(mails.get("done", 0)), int(sum(mails.values())))


# --- issuing one ----------------------------------------------------------------------

def issue_request(w: Workshop, loaded: LoadedModule, attempt: Attempt, learner: Learner) -> IssueRequest:
    """What the certificate states: the workshop's date, venue and hours, "live workshop", and the basis:
    the attempt's score against the pass mark (assessed), or participation with no score (attendance)."""
    held = date.fromisoformat(w.held_on)
    finished = as_utc(w.finished_at)
    at = datetime.combine(held, finished.time() if finished is not None and finished.date() == held else time(12),
                          UTC)
    m = loaded.module
    return IssueRequest(
        attempt_id=attempt.id, learner_name=learner.name, registration_number=learner.registration_number,
        module_title=m.title, module_id=m.id, module_version=attempt.module_version, content_hash=attempt.content_hash,
        learning_objectives=[o.text for o in m.objectives], cpd_hours=w.cpd_hours,
        awarded_for="assessment" if w.assessed else "participation",
        score_percent=(attempt.percent or 0.0) if w.assessed else None,
        pass_mark_percent=m.pass_mark if w.assessed else None,
        recertification_months=m.recertification_months, completed_at=at, delivery_format="workshop", venue=w.venue)


@dataclass(frozen=True)
class Issuer:
    """What issuing needs: the store, the design, the key and the public address."""

    factory: sessionmaker[Session]
    design: Design
    private_key: Ed25519PrivateKey
    public_url: str


def issue_one(issuer: Issuer, workshop_id: str, attempt_id: str) -> Certificate | None:
    """Issue (or find) one participant's certificate; None if they are not entitled. Idempotent."""
    f = issuer.factory
    with f() as session:
        existing = current_certificate_for_attempt(session, attempt_id)
        if existing is not None:
            return existing
        w = session.get(Workshop, workshop_id)
        seat = session.scalar(select(WorkshopParticipant).where(WorkshopParticipant.workshop_id == workshop_id,
                                                                WorkshopParticipant.attempt_id == attempt_id))
        if w is None or seat is None or w.status != "finished" or attempt_id not in _entitled(session, w):
            return None
        attempt = session.get_one(Attempt, attempt_id)
        learner = session.get_one(Learner, seat.learner_id)
        request = issue_request(w, attempts.module_for(f, attempt.content_hash), attempt, learner)
        mail = _mail_context(w, learner)
    try:
        with transaction(f) as session:
            row = issue_certificate(session, request, design=issuer.design, private_key=issuer.private_key,
                                    public_url=issuer.public_url)
            if mail is not None:
                _queue_mail(session, row, mail, issuer.public_url)
    except IntegrityError:  # another worker issued it a moment ago: that one stands (and queued the mail)
        pass
    with f() as session:
        return current_certificate_for_attempt(session, attempt_id)


def _mail_context(w: Workshop, learner: Learner) -> dict[str, Any] | None:
    if not learner.email:
        return None
    return {"to": learner.email, "name": learner.name, "workshop": w.title, "venue": w.venue, "held_on": w.held_on,
            "hours": f"{w.cpd_hours:g}"}


def _queue_mail(session: Session, row: Certificate, mail: dict[str, Any], public_url: str) -> None:
    from cpd.mail import render
    from cpd.mail.sender import plain_address

    context = {**{k: v for k, v in mail.items() if k != "to"}, "certificate_id": row.id,
               "link": verification_url(public_url, row.id), "activity": mail["workshop"]}
    rendered = render("workshop_certificate", context)
    plain_address(mail["to"])
    enqueue(session, MAIL_KIND, f"wcertmail:{row.id}", {"to": mail["to"], "certificate": row.id,
                                                        "subject": rendered.subject, "text": rendered.text,
                                                        "html": rendered.html})


# --- the outbox handlers (the worker's side) --------------------------------------------

_stores: dict[str, sessionmaker[Session]] = {}
_stores_lock = threading.Lock()


def _store_for(settings: Settings) -> sessionmaker[Session]:
    from cpd.storage.db import open_store

    url = settings.effective_database_url
    with _stores_lock:
        if url not in _stores:
            _stores[url] = open_store(url)
        return _stores[url]


def issuer_from(settings: Settings, factory: sessionmaker[Session] | None = None) -> Issuer:
    from cpd.certificates.design import load_default_design
    from cpd.certificates.keys import configured_signing_key

    return Issuer(factory or _store_for(settings), load_default_design(settings.certificates_dir),
                  configured_signing_key(settings), settings.public_url)


def certificate_handler(settings: Settings, factory: sessionmaker[Session] | None = None) -> Handler:
    issuer: list[Issuer] = []

    def deliver(effect: Effect) -> None:
        if not issuer:
            issuer.append(issuer_from(settings, factory))
        try:
            issue_one(issuer[0], str(effect.payload["workshop"]), str(effect.payload["attempt"]))
        except (MissingGlyphsError, ValueError) as exc:  # a name no font prints, a record the model refuses
            raise PermanentFailure(f"{type(exc).__name__}: {exc}") from None

    return deliver


def certificate_mail_handler(settings: Settings, factory: sessionmaker[Session] | None = None) -> Handler:
    """Send the certificate e-mail with the frozen PDF bytes attached (read at send time, never copied to the queue)."""
    from cpd.mail import MailConfigError, compose, parse_smtp_url, send
    from cpd.mail.sender import MailRejected
    from cpd.mail.templates import RenderedMail
    from cpd.outbox.mail import message_id

    def deliver(effect: Effect) -> None:
        if settings.smtp_url is None:
            raise RuntimeError("CPD_SMTP_URL is not set; mail waits in the outbox until it is")
        try:
            config = parse_smtp_url(settings.smtp_url.get_secret_value())
        except MailConfigError as exc:
            raise RuntimeError(str(exc)) from None
        p = effect.payload
        with (factory or _store_for(settings))() as session:
            cert = session.get(Certificate, p.get("certificate"))
            pdf = bytes(cert.pdf) if cert is not None else None
        if pdf is None:
            raise PermanentFailure("the certificate no longer exists")
        try:
            msg = compose(RenderedMail(p["subject"], p["text"], p["html"]), to=p["to"], sender=settings.mail_from,
                          message_id=message_id(effect.dedupe_key, settings.mail_from), dedupe_key=effect.dedupe_key)
        except (KeyError, ValueError) as exc:
            raise PermanentFailure(f"the queued message cannot be sent: {exc}") from None
        msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"certificate-{p['certificate']}.pdf")
        try:
            send(msg, config)
        except MailRejected as exc:
            raise PermanentFailure(str(exc)) from None

    return deliver


register(KIND, certificate_handler)
register(MAIL_KIND, certificate_mail_handler)


# --- downloads -------------------------------------------------------------------------------

def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "-", name, flags=re.UNICODE).strip("-")[:60] or "participant"


def zip_all(factory: sessionmaker[Session], workshop_id: str, who: Principal) -> tuple[bytes, int]:
    """Every issued certificate of the workshop as one ZIP (the frozen PDF bytes), and how many it holds."""
    room.get_for(factory, workshop_id, who)
    out = io.BytesIO()
    n = 0
    with factory() as session, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        rows = session.execute(
            select(Certificate.id, Certificate.pdf, Learner.name)
            .join(WorkshopParticipant, WorkshopParticipant.attempt_id == Certificate.attempt_id)
            .join(Learner, Learner.id == WorkshopParticipant.learner_id)
            .where(WorkshopParticipant.workshop_id == workshop_id, Certificate.superseded_by_id.is_(None))
            .order_by(WorkshopParticipant.joined_at, WorkshopParticipant.id))
        for cert_id, pdf, name in rows:
            n += 1
            z.writestr(f"{n:03d}-{_safe(name)}-{cert_id}.pdf", bytes(pdf))
    return out.getvalue(), n


def for_seat(factory: sessionmaker[Session], seat: room.Seat, issuer: Issuer | None = None) -> Certificate | None:
    """A participant's own certificate for their phone; issued now if the facilitator has asked and it is due."""
    with factory() as session:
        row = current_certificate_for_attempt(session, seat.attempt_id)
        if row is not None or issuer is None:
            return row
        requested = session.get(WorkshopCertificateRun, seat.workshop_id) is not None
    if not requested:
        return None
    return issue_one(issuer, seat.workshop_id, seat.attempt_id)
