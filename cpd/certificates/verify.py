"""Verify a certificate PDF, a signed JSON bundle or an Open Badge, offline.

Only the issuer's public keys are needed: the PDF carries ``certificate.json``.
What each answer may claim is deliberate:

* The signature proves the *attached record* is genuine, not that the page
  shows it. So a PDF's visible text is compared with the record (see
  ``page_text``); a page naming someone else is refused and the differences are
  named. Even a match is reported as "the signed record is genuine; the page
  matches it as far as text can show": only the online byte comparison with the
  issued PDF (``service.LookupResult.pdf_matches``) says the file is the one
  issued.
* Anything that could make two readers see different things is refused:
  duplicate JSON keys, more than one attached file, incremental updates (a
  later revision can reprint a name over the original).
* A record is valid only within its period: from its issue to the end of its
  ``valid_until`` day (UTC); outside it the answer names the date.
* A PDF with no attachment at all (a genuine certificate re-saved by a "print
  to PDF") cannot be checked from the file; that is not evidence of forgery.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time
from enum import Enum
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError

from cpd.certificates.bundle import BUNDLE_FILENAME
from cpd.certificates.openbadge import PROOF_FORMS, KeyRing, check_proof, keyring
from cpd.certificates.page_text import PageComparison, compare_text, pdf_page_text
from cpd.certificates.pdf import format_date
from cpd.certificates.record import (
    CERTIFICATE_ID_RE,
    AnyRecord,
    UnknownRecordVersion,
    canonical_bytes,
    parse_record,
)
from cpd.certificates.signing import verify

MAX_FILE_BYTES = 5 * 1024 * 1024

UNCHECKABLE_MESSAGE = "cannot be checked from this file: use the verification link or ask for the original"
OFFLINE_PAGE_MATCH = "the signed record is genuine; the page matches it as far as text can show"


class Status(str, Enum):
    VALID = "valid"  # genuine, in its validity period, and (PDF) the page shows the record
    INVALID = "invalid"  # forged, changed, or a page that shows something else
    EXPIRED = "expired"  # genuine but past its valid-until date
    NOT_YET_VALID = "not yet valid"  # genuine but its validity starts later
    UNCHECKABLE = "uncheckable"  # nothing signed in the file: not evidence either way


@dataclass(frozen=True)
class VerificationResult:
    status: Status
    reason: str | None = None
    kind: str | None = None  # "pdf" | "bundle" | "badge"
    record: AnyRecord | None = None  # for PDFs and bundles
    certificate_id: str | None = None
    credential: dict[str, Any] | None = None  # for badges
    proof_form: str | None = None  # badges: a key of openbadge.PROOF_FORMS
    key_id: str | None = None
    page: PageComparison | None = None  # PDFs: the visible text against the record
    differences: tuple[str, ...] = field(default=())

    @property
    def valid(self) -> bool:
        return self.status is Status.VALID

    @property
    def signature_genuine(self) -> bool:
        """The signed content is ours and unchanged (whatever the page or the date say)."""
        return self.status in (Status.VALID, Status.EXPIRED, Status.NOT_YET_VALID) or bool(self.differences)

    def summary(self) -> str:
        """One line in plain words; never says "valid" for a file that is not."""
        if self.status is Status.VALID:
            if self.kind == "pdf":
                return OFFLINE_PAGE_MATCH
            if self.kind == "badge":
                return f"the badge is genuine ({PROOF_FORMS.get(self.proof_form or '', 'eddsa-jcs-2022')})"
            return "the signed record is genuine"
        if self.status is Status.UNCHECKABLE:
            return self.reason or UNCHECKABLE_MESSAGE
        return self.reason or self.status.value


def _invalid(reason: str, kind: str | None = None) -> VerificationResult:
    return VerificationResult(Status.INVALID, reason=reason, kind=kind)


class DuplicateKeyError(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DuplicateKeyError(key)
        out[key] = value
    return out


def parse_json_strictly(data: bytes) -> Any:
    """JSON with every object key once: two readers of a duplicated key may each see a different value."""
    return json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicates)


def _as_keyring(keys: KeyRing | Ed25519PublicKey) -> KeyRing:
    return keyring(keys) if isinstance(keys, Ed25519PublicKey) else keys


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


def _period(valid_from: datetime, valid_until: datetime, now: datetime) -> tuple[Status, str] | None:
    if now < valid_from:
        return Status.NOT_YET_VALID, f"not yet valid: valid from {format_date(valid_from.date())}"
    if now > valid_until:
        return Status.EXPIRED, f"expired on {format_date(valid_until.date())}"
    return None


def _record_period(record: AnyRecord, now: datetime) -> tuple[Status, str] | None:
    end = datetime.combine(record.valid_until, time(23, 59, 59), tzinfo=UTC)
    return _period(record.issued_at, end, now)


def verify_bundle(
    bundle: Any, keys: KeyRing | Ed25519PublicKey, *, kind: str = "bundle", now: datetime | None = None
) -> VerificationResult:
    """Check a ``{"record", "signature", "key_id"}`` bundle against the issuer's keys."""
    ring = _as_keyring(keys)
    if not isinstance(bundle, dict) or not isinstance(bundle.get("record"), dict):
        return _invalid("no signed record in the file", kind)
    signature = bundle.get("signature")
    if not isinstance(signature, str):
        return _invalid("the record has no signature", kind)
    kid = bundle.get("key_id")
    public_key = ring.get(kid) if isinstance(kid, str) else None
    if public_key is None:
        known = ", ".join(sorted(ring)) or "none"
        return _invalid(f"signed with a different key (key id {str(kid)[:40]!r}; the issuer's keys: {known})", kind)
    try:
        message = canonical_bytes(bundle["record"])
    except (TypeError, ValueError):
        return _invalid("the record is not canonical JSON data", kind)
    if not verify(public_key, message, signature):
        return _invalid("the signature does not match the record (changed after signing, or another key)", kind)
    try:
        record = parse_record(bundle["record"])
    except UnknownRecordVersion as exc:
        return _invalid(f"signature genuine but {exc}: use a newer verifier or the verification link", kind)
    except ValidationError as exc:
        return _invalid(f"signature genuine but the record is not understood: {exc.error_count()} errors", kind)
    out_of_period = _record_period(record, _now(now))
    if out_of_period:
        status, reason = out_of_period
        return VerificationResult(status, reason, kind, record, record.id, key_id=kid)
    return VerificationResult(Status.VALID, kind=kind, record=record, certificate_id=record.id, key_id=kid)


def _parse_instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def badge_certificate_id(credential: dict[str, Any]) -> str | None:
    cred_id = str(credential.get("id", ""))
    cert_id = cred_id.rpartition("verify=")[2] if "verify=" in cred_id else None
    return cert_id if cert_id is not None and CERTIFICATE_ID_RE.match(cert_id) else None


def verify_badge(credential: Any, keys: KeyRing | Ed25519PublicKey, *, now: datetime | None = None) -> VerificationResult:
    """Check an Open Badges 3.0 credential's ``eddsa-jcs-2022`` proof and its validity period."""
    check = check_proof(credential, _as_keyring(keys))
    if not check.ok:
        return _invalid(check.reason or "invalid proof", "badge")
    assert isinstance(credential, dict)
    cert_id = badge_certificate_id(credential)
    valid_from = _parse_instant(credential.get("validFrom"))
    if valid_from is None:
        return _invalid("the badge has no readable validFrom date", "badge")
    valid_until = _parse_instant(credential.get("validUntil")) if "validUntil" in credential else None
    if "validUntil" in credential and valid_until is None:
        return _invalid("the badge's validUntil date is not readable", "badge")
    out_of_period = _period(valid_from, valid_until or datetime.max.replace(tzinfo=UTC), _now(now))
    common: dict[str, Any] = dict(kind="badge", certificate_id=cert_id, credential=credential,
                                  proof_form=check.form, key_id=check.key_id)
    if out_of_period:
        return VerificationResult(out_of_period[0], out_of_period[1], **common)
    return VerificationResult(Status.VALID, **common)


def _verify_json(data: bytes, keys: KeyRing, kind: str, now: datetime | None) -> VerificationResult:
    try:
        parsed = parse_json_strictly(data)
    except DuplicateKeyError as exc:
        return _invalid(f"the JSON names the key {str(exc)[:60]!r} twice; a genuine certificate never does", kind)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return _invalid("not valid UTF-8 JSON", kind)
    except RecursionError:
        return _invalid("JSON nested too deeply to be a certificate", kind)
    if isinstance(parsed, dict) and "proof" in parsed and "credentialSubject" in parsed:
        return verify_badge(parsed, keys, now=now)
    return verify_bundle(parsed, keys, kind=kind, now=now)


_STARTXREF = re.compile(rb"startxref\s+\d+")


def _attachments(data: bytes) -> tuple[list[tuple[str, bytes]], int]:
    """Every file attached to the PDF (name tree and file-attachment annotations), and the annotation count."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    files = [(name, bytes(c)) for name, contents in reader.attachments.items() for c in contents]
    annotated = 0
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            obj = annot.get_object()
            if obj.get("/Subtype") == "/FileAttachment":
                annotated += 1
    return files, annotated


def _verify_pdf(data: bytes, keys: KeyRing, now: datetime | None) -> VerificationResult:
    from pypdf.errors import PyPdfError

    revisions = len(_STARTXREF.findall(data))
    if revisions > 1:
        return _invalid(
            f"the PDF was changed after it was made ({revisions} revisions: an incremental update can print "
            "over the original); ask for the original file or use the verification link",
            "pdf",
        )
    try:
        files, annotated = _attachments(data)
        page_text = pdf_page_text(data)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        return _invalid(f"not a readable PDF ({type(exc).__name__})", "pdf")
    except Exception as exc:  # noqa: BLE001 - a broken upload must never crash the page or CLI
        return _invalid(f"not a readable PDF (unexpected {type(exc).__name__} while parsing)", "pdf")
    if len(files) + annotated > 1:
        return _invalid(
            f"the PDF carries {len(files) + annotated} attached files; a certificate carries exactly one "
            f"({BUNDLE_FILENAME}), so which one a reader sees would depend on their software",
            "pdf",
        )
    if not files:
        return VerificationResult(Status.UNCHECKABLE, UNCHECKABLE_MESSAGE, "pdf")
    name, content = files[0]
    if name != BUNDLE_FILENAME:
        return _invalid(f"the PDF's attachment is {name[:60]!r}, not {BUNDLE_FILENAME}", "pdf")
    result = _verify_json(content, keys, "pdf", now)
    if result.record is None or not result.signature_genuine:
        return result
    page = compare_text(result.record, page_text)
    if not page.matches:
        differences = tuple(d.describe() for d in page.differences)
        return VerificationResult(
            Status.INVALID,
            "the page does not match its signed record: " + "; ".join(differences),
            "pdf", result.record, result.certificate_id, key_id=result.key_id, page=page, differences=differences,
        )
    return replace(result, page=page)


_PRINTED_ID = re.compile(r"Certificate ID:\s*([A-Za-z0-9_-]{16,64})")


def printed_certificate_id(data: bytes) -> str | None:
    """The certificate ID printed on a PDF's page, if any: a re-saved certificate lost its
    attachment but may still say which certificate it claims to be, for an online lookup."""
    try:
        found = _PRINTED_ID.search(pdf_page_text(data))
    except Exception:  # noqa: BLE001 - only a hint; never an error of its own
        return None
    return found.group(1) if found else None


def verify_file(
    source: Path | str | bytes, keys: KeyRing | Ed25519PublicKey, *, now: datetime | None = None
) -> VerificationResult:
    """Verify a PDF or JSON file (path or bytes) with the issuer's keys; never raises for bad input."""
    ring = _as_keyring(keys)
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                return _invalid(f"file larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
            data = path.read_bytes()
        except OSError as exc:
            return _invalid(f"cannot read the file ({exc.strerror})")
    else:
        data = bytes(source)
    if len(data) > MAX_FILE_BYTES:
        return _invalid(f"file larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    try:
        if data.lstrip()[:5] == b"%PDF-":
            return _verify_pdf(data, ring, now)
        return _verify_json(data, ring, "bundle", now)
    except Exception as exc:  # noqa: BLE001 - whatever the input, the answer is INVALID, not a crash
        return _invalid(f"the file could not be checked ({type(exc).__name__})")

