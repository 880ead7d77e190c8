"""Offline verification of a certificate PDF, a signed JSON bundle or an OB3 badge.

Only the issuer's public key is needed: the PDF carries ``certificate.json``.
The signed JSON inside the PDF is authoritative, not the printed page; the
verification page and CLI show the record so a reader can compare.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError

from cpd.certificates.bundle import BUNDLE_FILENAME
from cpd.certificates.keys import key_id as compute_key_id
from cpd.certificates.openbadge import verify_credential
from cpd.certificates.record import CERTIFICATE_ID_RE, CertificateRecord, canonical_bytes
from cpd.certificates.signing import verify

MAX_FILE_BYTES = 5 * 1024 * 1024


class Status(str, Enum):
    VALID = "valid"
    INVALID = "invalid"


@dataclass(frozen=True)
class VerificationResult:
    status: Status
    reason: str | None = None
    kind: str | None = None  # "pdf" | "bundle" | "badge"
    record: CertificateRecord | None = None  # for PDFs and bundles
    certificate_id: str | None = None
    credential: dict[str, Any] | None = None  # for badges

    @property
    def valid(self) -> bool:
        return self.status is Status.VALID


def _invalid(reason: str, kind: str | None = None) -> VerificationResult:
    return VerificationResult(Status.INVALID, reason=reason, kind=kind)


def verify_bundle(bundle: Any, public_key: Ed25519PublicKey, *, kind: str = "bundle") -> VerificationResult:
    """Check a ``{"record", "signature", "key_id"}`` bundle against ``public_key``."""
    if not isinstance(bundle, dict) or not isinstance(bundle.get("record"), dict):
        return _invalid("no signed record in the file", kind)
    signature = bundle.get("signature")
    if not isinstance(signature, str):
        return _invalid("the record has no signature", kind)
    expected_kid = compute_key_id(public_key)
    if bundle.get("key_id") != expected_kid:
        return _invalid(
            f"signed with a different key (key id {str(bundle.get('key_id'))[:40]!r}, expected {expected_kid})", kind
        )
    try:
        message = canonical_bytes(bundle["record"])
    except (TypeError, ValueError):
        return _invalid("the record is not canonical JSON data", kind)
    if not verify(public_key, message, signature):
        return _invalid("the signature does not match the record (changed after signing, or another key)", kind)
    try:
        record = CertificateRecord.model_validate(bundle["record"])
    except ValidationError as exc:
        # Signed by us yet unreadable: a newer record format this code does not know.
        return _invalid(f"signature valid but record format not understood: {exc.error_count()} errors", kind)
    return VerificationResult(Status.VALID, kind=kind, record=record, certificate_id=record.id)


def verify_badge(credential: Any, public_key: Ed25519PublicKey) -> VerificationResult:
    """Check an Open Badges 3.0 credential's ``eddsa-jcs-2022`` proof."""
    reason = verify_credential(credential, public_key)
    if reason:
        return _invalid(reason, "badge")
    cred_id = str(credential.get("id", ""))
    cert_id = cred_id.rpartition("verify=")[2] if "verify=" in cred_id else None
    if cert_id is not None and not CERTIFICATE_ID_RE.match(cert_id):
        cert_id = None
    return VerificationResult(Status.VALID, kind="badge", certificate_id=cert_id, credential=credential)


def _verify_json(data: bytes, public_key: Ed25519PublicKey, kind: str) -> VerificationResult:
    try:
        parsed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return _invalid("not valid UTF-8 JSON", kind)
    except RecursionError:
        return _invalid("JSON nested too deeply to be a certificate", kind)
    if isinstance(parsed, dict) and "proof" in parsed and "credentialSubject" in parsed:
        return verify_badge(parsed, public_key)
    return verify_bundle(parsed, public_key, kind=kind)


def _pdf_attachment(data: bytes) -> list[bytes] | None:
    from pypdf import PdfReader

    attachments = PdfReader(io.BytesIO(data)).attachments
    contents = attachments.get(BUNDLE_FILENAME) if BUNDLE_FILENAME in attachments else None
    return None if contents is None else [bytes(c) for c in contents]


def _verify_pdf(data: bytes, public_key: Ed25519PublicKey) -> VerificationResult:
    from pypdf.errors import PyPdfError

    try:
        contents = _pdf_attachment(data)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        return _invalid(f"not a readable PDF ({type(exc).__name__})", "pdf")
    except Exception as exc:  # noqa: BLE001 - a broken upload must never crash the page or CLI
        return _invalid(f"not a readable PDF (unexpected {type(exc).__name__} while parsing)", "pdf")
    if not contents:
        return _invalid(f"the PDF has no {BUNDLE_FILENAME} attachment", "pdf")
    if len(contents) != 1:
        return _invalid(f"the PDF has {len(contents)} {BUNDLE_FILENAME} attachments; expected one", "pdf")
    return _verify_json(contents[0], public_key, "pdf")


def verify_file(source: Path | str | bytes, public_key: Ed25519PublicKey) -> VerificationResult:
    """Verify a PDF or JSON file (path or bytes); never raises for bad input."""
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
            return _verify_pdf(data, public_key)
        return _verify_json(data, public_key, "bundle")
    except Exception as exc:  # noqa: BLE001 - whatever the input, the answer is INVALID, not a crash
        return _invalid(f"the file could not be checked ({type(exc).__name__})")
