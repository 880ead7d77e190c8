"""Issue, correct, revoke and look up certificates in the database.

Functions take the caller's ``Session`` and only ``flush``: the caller owns the
transaction and commits, so issuing can share a transaction with marking the
attempt as passed. Stored PDF bytes are never regenerated: a download years
later returns exactly what was issued, whatever the design or code became.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cpd.certificates.bundle import SignedRecord, sign_record
from cpd.certificates.design import Design
from cpd.certificates.fonts import FontSet
from cpd.certificates.key_registry import register_key
from cpd.certificates.openbadge import StatusEntry, build_badge
from cpd.certificates.pdf import render_certificate_pdf
from cpd.certificates.record import (
    CERTIFICATE_ID_RE,
    AnyRecord,
    canonical_bytes,
    canonical_json,
    new_certificate_id,
    parse_record,
    record_to_data,
    reject_control_characters,
)
from cpd.certificates.request import IssueRequest, build_record, verification_url
from cpd.certificates.status_list import allocate_index
from cpd.storage.tables import Attempt, Certificate, Learner, StatusListEntry
from cpd.text import InvalidText, clean_text

__all__ = [
    "IssueRequest",
    "CertificateStateError",
    "LookupResult",
    "issue_certificate",
    "reissue_corrected",
    "revoke",
    "lookup",
    "current_certificate_for_attempt",
]

LookupStatus = Literal["valid", "revoked", "superseded", "unknown"]


class CertificateStateError(ValueError):
    """The certificate does not exist or is in a state that forbids the action."""


@dataclass(frozen=True)
class LookupResult:
    status: LookupStatus
    certificate_id: str
    record: AnyRecord | None = None
    revoked_at: datetime | None = None
    revoked_reason: str | None = None
    superseded_by: str | None = None
    pdf_sha256: str | None = None  # of the PDF as issued; None when the database has no such certificate
    profession: str | None = None  # as the learner gave it; shown to employers beside the name
    status_list_index: int | None = None

    def pdf_matches(self, data: bytes) -> bool | None:
        """Whether ``data`` is byte for byte the PDF issued; None if there is no stored PDF to compare."""
        if self.pdf_sha256 is None:
            return None
        return hmac.compare_digest(hashlib.sha256(data).hexdigest(), self.pdf_sha256)


def _utc(dt: datetime | None) -> datetime | None:
    # SQLite returns naive datetimes even for timezone-aware columns; we store UTC.
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)


def stored_record(row: Certificate) -> AnyRecord:
    """The record of whichever version the row was issued with (see the rule in record.py)."""
    return parse_record(json.loads(row.record_json))


def current_certificate_for_attempt(session: Session, attempt_id: str) -> Certificate | None:
    """The latest (not superseded) certificate of an attempt, revoked or not."""
    return session.scalars(
        select(Certificate)
        .where(Certificate.attempt_id == attempt_id, Certificate.superseded_by_id.is_(None))
        .order_by(Certificate.version.desc())
        .limit(1)
    ).first()


def render_certificate(
    signed: SignedRecord,
    *,
    attempt_id: str,
    design: Design,
    private_key: Ed25519PrivateKey,
    public_url: str,
    fonts: FontSet | None = None,
    status: StatusEntry | None = None,
) -> Certificate:
    """The certificate row, rendered and signed but not yet stored.

    Rendering takes milliseconds warm and over 100 ms cold; doing it before the
    write transaction keeps SQLite's write lock short for everyone else.
    """
    pdf = render_certificate_pdf(signed, design, fonts)
    badge = build_badge(signed.record, private_key, public_url, status)
    return Certificate(
        id=signed.record.id,
        attempt_id=attempt_id,
        version=signed.record.version,
        supersedes_id=signed.record.supersedes,
        superseded_by_id=None,
        record_json=canonical_json(signed.record).decode("utf-8"),
        signature=signed.signature,
        key_id=signed.key_id,
        pdf=pdf,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        badge_json=canonical_bytes(badge).decode("utf-8"),
        issued_at=signed.record.issued_at,
        status_list_id=status.list_id if status else None,
        status_list_index=status.index if status else None,
    )


def prepare_certificate(
    request: IssueRequest,
    *,
    design: Design,
    private_key: Ed25519PrivateKey,
    public_url: str,
    now: datetime | None = None,
    fonts: FontSet | None = None,
    status: StatusEntry | None = None,
) -> Certificate:
    """Version 1 for a passed attempt, ready to ``session.add``; no database needed.

    ``status`` is the revocation bit allocated for it (``status_list.allocate_index``).
    """
    record = build_record(request, design=design, public_url=public_url, issued_at=_now(now))
    return render_certificate(sign_record(record, private_key), attempt_id=request.attempt_id, design=design,
                              private_key=private_key, public_url=public_url, fonts=fonts, status=status)


def store_certificate(session: Session, row: Certificate, private_key: Ed25519PrivateKey) -> Certificate:
    """Add a rendered row, registering the signing key and claiming its status list entry (flushes)."""
    register_key(session, private_key, row.issued_at)
    if row.status_list_id is not None:
        entry = session.get(StatusListEntry, (row.status_list_id, row.status_list_index))
        if entry is not None:
            entry.certificate_id = row.id
    session.add(row)
    session.flush()
    return row


def issue_certificate(
    session: Session,
    request: IssueRequest,
    *,
    design: Design,
    private_key: Ed25519PrivateKey,
    public_url: str,
    now: datetime | None = None,
    fonts: FontSet | None = None,
) -> Certificate:
    """Issue version 1 for a passed attempt (flushes; the caller commits).

    Idempotent per attempt: if the attempt already has a current certificate it
    is returned unchanged, so a rerun of the results page cannot mint a second
    certificate. Raises ``MissingGlyphsError`` if the name cannot be printed.
    """
    existing = current_certificate_for_attempt(session, request.attempt_id)
    if existing is not None:
        return existing
    status = allocate_index(session, public_url, now)
    row = prepare_certificate(request, design=design, private_key=private_key, public_url=public_url,
                              now=now, fonts=fonts, status=status)
    return store_certificate(session, row, private_key)


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED = _Unchanged()


def reissue_corrected(
    session: Session,
    old_id: str,
    *,
    design: Design,
    private_key: Ed25519PrivateKey,
    public_url: str,
    new_name: str | None = None,
    new_registration_number: str | None | _Unchanged = UNCHANGED,
    now: datetime | None = None,
    fonts: FontSet | None = None,
) -> Certificate:
    """Issue a corrected new version and mark the old one superseded.

    The old row (and its PDF bytes) stay as they were, so anyone holding the old
    PDF learns from the verification page that it was replaced. Provider,
    accreditation and signatory are kept from the original record: a name
    correction must not silently restate other facts. Flushes; the caller commits.
    """
    old = find_certificate(session, old_id)
    if old is None:
        raise CertificateStateError(f"no certificate {old_id!r}")
    if old.revoked_at is not None:
        raise CertificateStateError(f"certificate {old_id} is revoked; a revoked certificate is not corrected")
    if old.superseded_by_id is not None:
        raise CertificateStateError(f"certificate {old_id} was already replaced by {old.superseded_by_id}; correct that one")
    data = record_to_data(stored_record(old))
    if new_name is not None:
        data["learner_name"] = new_name.strip()
    if not isinstance(new_registration_number, _Unchanged):
        data["registration_number"] = (new_registration_number or "").strip() or None
    cert_id = new_certificate_id()
    data.update(
        id=cert_id,
        version=old.version + 1,
        supersedes=old.id,
        verification_url=verification_url(public_url, cert_id),
        issued_at=_now(now).isoformat(),
    )
    # The correction keeps the record version of what it corrects: a v1 record has no recorded time or
    # maximum to restate, and a correction must not invent facts.
    signed = sign_record(parse_record(data), private_key)
    status = allocate_index(session, public_url, now)
    row = render_certificate(signed, attempt_id=old.attempt_id, design=design,
                             private_key=private_key, public_url=public_url, fonts=fonts, status=status)
    store_certificate(session, row, private_key)  # the new row first: the old one then points at it
    old.superseded_by_id = row.id
    session.flush()
    return row


def revoke(session: Session, cert_id: str, reason: str, now: datetime | None = None) -> Certificate:
    """Revoke a certificate (flushes; the caller commits). A second revoke keeps the first date and reason.

    The reason is shown to anyone verifying the certificate, so it gets the same
    rule as the admin page: plain text (``cpd.text.clean_text``: no HTML or
    script, no bidi overrides, at most 1000 characters, line breaks allowed) and
    no control characters other than line breaks and tabs. Raises ``InvalidText``
    (a ``ValueError``) otherwise.
    """
    reason = clean_text(reason, field="Reason", max_len=1000, multiline=True)
    try:  # clean_text already refuses these; kept so the record's rule holds even if that changes
        reject_control_characters(reason.replace("\n", "").replace("\t", ""))
    except ValueError as exc:
        raise InvalidText(f"Reason: {exc}") from exc
    row = find_certificate(session, cert_id)
    if row is None:
        raise CertificateStateError(f"no certificate {cert_id!r}")
    if row.revoked_at is None:
        row.revoked_at = _now(now)
        row.revoked_reason = reason
        session.flush()
    return row


def find_certificate(session: Session, cert_id: str) -> Certificate | None:
    """The certificate with this id, read case-insensitively (ids are read out over the phone or retyped)."""
    if not isinstance(cert_id, str) or not CERTIFICATE_ID_RE.match(cert_id.strip()):
        return None
    cert_id = cert_id.strip()
    row = session.get(Certificate, cert_id) or session.get(Certificate, cert_id.lower())
    if row is not None:
        return row
    matches = session.scalars(select(Certificate).where(func.lower(Certificate.id) == cert_id.lower()).limit(2)).all()
    return matches[0] if len(matches) == 1 else None


def _profession(session: Session, row: Certificate) -> str | None:
    attempt = session.get(Attempt, row.attempt_id)
    learner = session.get(Learner, attempt.learner_id) if attempt is not None else None
    return learner.profession if learner is not None and learner.profession else None


def lookup(session: Session, cert_id: str) -> LookupResult:
    """Status for the verification page: revoked wins over superseded. Ids are read case-insensitively."""
    row = find_certificate(session, cert_id)
    if row is None:
        return LookupResult("unknown", str(cert_id).strip()[:64])
    record = stored_record(row)
    common = dict(pdf_sha256=row.pdf_sha256, profession=_profession(session, row),
                  status_list_index=row.status_list_index)
    if row.revoked_at is not None:
        return LookupResult(
            "revoked", row.id, record, revoked_at=_utc(row.revoked_at),
            revoked_reason=row.revoked_reason, superseded_by=row.superseded_by_id, **common,  # type: ignore[arg-type]
        )
    if row.superseded_by_id is not None:
        return LookupResult("superseded", row.id, record, superseded_by=row.superseded_by_id, **common)  # type: ignore[arg-type]
    return LookupResult("valid", row.id, record, **common)  # type: ignore[arg-type]


def badge_of(row: Certificate) -> dict:
    """The stored Open Badges 3.0 credential of a certificate row."""
    return json.loads(row.badge_json)


def upgrade_badges(session: Session, private_key: Ed25519PrivateKey, public_url: str) -> list[str]:
    """Re-sign the Open Badges of certificates issued before the Recommendation proof form (flushes).

    Only the badge changes: it gains the array proof, the did:web issuer and a status list
    entry (so wallets can see a revocation). The record, its signature and the frozen PDF
    bytes are untouched, and the old badge a learner already downloaded keeps verifying
    (the verifier accepts the earlier form and labels it). Returns the ids upgraded.
    """
    register_key(session, private_key)
    done = []
    for row in session.scalars(select(Certificate).order_by(Certificate.issued_at)):
        if not row.badge_json or isinstance(json.loads(row.badge_json).get("proof"), list):
            continue  # emptied when the learner was erased (cpd.privacy), or already in the newest form
        status = allocate_index(session, public_url)
        badge = build_badge(stored_record(row), private_key, public_url, status)
        entry = session.get(StatusListEntry, (status.list_id, status.index))
        if entry is not None:
            entry.certificate_id = row.id
        row.badge_json = canonical_bytes(badge).decode("utf-8")
        row.status_list_id, row.status_list_index = status.list_id, status.index
        done.append(row.id)
    session.flush()
    return done
