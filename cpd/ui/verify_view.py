"""The public verification page: ``?verify=<id>`` or an uploaded PDF/JSON.

Every value from a record is user data (a learner can type any name), so it is
shown with ``st.text`` — never through Markdown or HTML.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from cpd.certificates.keys import public_key_pem
from cpd.certificates.record import CertificateRecord
from cpd.certificates.service import LookupResult, lookup
from cpd.certificates.verify import MAX_FILE_BYTES, VerificationResult, verify_file

_LABELS = {
    "learner_name": "Name",
    "registration_number": "Professional registration number",
    "activity_title": "Activity",
    "format": "Format",
    "venue": "Venue",
    "completion_date": "Completed",
    "cpd_hours": "CPD hours",
    "score_percent": "Score (%)",
    "pass_mark_percent": "Pass mark (%)",
    "valid_until": "Valid until",
    "learning_objectives": "Learning objectives",
    "module_id": "Module",
    "module_version": "Module version",
    "content_hash": "Content hash",
    "provider": "Provider",
    "accreditation_statement": "Accreditation",
    "signatory": "Signatory",
    "id": "Certificate ID",
    "version": "Version",
    "supersedes": "Replaces certificate",
    "issued_at": "Issued (UTC)",
}


def _show_record(record: CertificateRecord) -> None:
    data = record.model_dump(mode="json")
    for key, label in _LABELS.items():
        value = data.get(key)
        if value is None or value == []:
            continue
        if key == "learning_objectives":
            st.text(f"{label}:")
            for item in value:
                st.text(f"  • {item}")
            continue
        if key == "signatory":
            value = f"{value['name']}, {value['role']}"
        st.text(f"{label}: {value}")


def _show_status(status: LookupResult) -> None:
    if status.status == "valid":
        st.success("Valid: this certificate was issued by us and is current.")
    elif status.status == "revoked":
        st.error("Revoked: this certificate has been withdrawn.")
        when = f"{status.revoked_at.day} {status.revoked_at:%B %Y}" if status.revoked_at else "unknown date"
        st.text(f"Revoked on: {when}")
        st.text(f"Reason: {status.revoked_reason or '(none given)'}")
    elif status.status == "superseded":
        st.warning("Superseded: a corrected certificate replaced this one.")
        st.text(f"Replaced by certificate: {status.superseded_by}")
    else:
        st.error("Unknown: we have no certificate with this ID.")
    if status.record is not None:
        _show_record(status.record)


def _lookup(session_factory: Callable[[], Any], cert_id: str) -> LookupResult:
    with session_factory() as session:
        return lookup(session, cert_id)


def _show_pdf_comparison(status: LookupResult, data: bytes) -> None:
    """The signature covers the attached record, not the printed page: compare the bytes too."""
    same = status.pdf_matches(data)
    if same is None:
        st.info(
            "The signed record is authentic, but we hold no copy of this PDF, so the printed page was not "
            "compared. Rely on the record shown below, not on the page."
        )
    elif same:
        st.success("This PDF is exactly the one we issued: its SHA-256 matches our stored copy.")
    else:
        st.warning(
            "The printed page differs from the PDF we issued (the file was changed or re-saved after issue). "
            "Only the signed record shown below is authentic: compare it with the page."
        )


def _show_file_result(result: VerificationResult, data: bytes, session_factory: Callable[[], Any]) -> None:
    if not result.valid:
        st.error("Invalid: this file is not a genuine certificate record signed with our key.")
        st.text(f"Reason: {result.reason}")
        return
    st.success("The signature is valid: the certificate record in this file was signed with our key and not changed.")
    if not result.certificate_id:
        if result.record is not None:
            _show_record(result.record)
        return
    status = _lookup(session_factory, result.certificate_id)
    if result.kind == "pdf":
        _show_pdf_comparison(status, data)
    if status.status == "unknown":
        st.warning("Not in our records: this certificate was signed with our key, but this server did not issue it.")
        if result.record is not None:
            _show_record(result.record)
        return
    _show_status(status)


def render_verify_page(session_factory: Callable[[], Any], public_key: Ed25519PublicKey | None) -> None:
    """Draw the verification page.

    ``public_key`` is the issuer's key (``keys.configured_public_key(settings)``); None when no
    key is configured, in which case files cannot be checked. The page never creates a key.
    """
    st.title("Verify a certificate")
    cert_id = st.query_params.get("verify", "")
    typed = st.text_input("Certificate ID", value=cert_id, max_chars=64)
    if typed:
        _show_status(_lookup(session_factory, typed.strip()))

    st.subheader("Or check a certificate file")
    if public_key is None:
        st.error(
            "No issuer key is configured on this server, so certificate files cannot be checked here. "
            "Certificate IDs can still be looked up above."
        )
        return
    upload = st.file_uploader(
        "Certificate PDF or JSON (max 5 MB)", type=["pdf", "json"], max_upload_size=MAX_FILE_BYTES // (1024 * 1024)
    )
    if upload is not None:
        data = upload.getvalue()
        if len(data) > MAX_FILE_BYTES:
            st.error("The file is larger than 5 MB; certificates are much smaller.")
        else:
            _show_file_result(verify_file(data, public_key), data, session_factory)

    st.subheader("Our public key")
    st.code(public_key_pem(public_key), language=None)
    st.caption(
        "To verify offline: each PDF carries certificate.json; its Ed25519 signature (base64url) "
        "covers the record as canonical JSON (sorted keys, no spaces, UTF-8) and must check against this key, "
        "e.g. with `python -m cpd verify certificate.pdf --public-key key.pem`. The signature covers that "
        "record, not the printed page: this page also compares an uploaded PDF with the copy we issued."
    )
