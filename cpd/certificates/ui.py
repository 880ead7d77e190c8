"""The public verification page: ``?verify=<id>`` or an uploaded PDF/JSON.

Every value from a record is user data (a learner can type any name), so it is
shown with ``st.text`` — never through Markdown or HTML.
"""

from __future__ import annotations

from typing import Any, Callable

import streamlit as st

from cpd.certificates.keys import public_key_pem, signing_key
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


def _show_file_result(result: VerificationResult, session_factory: Callable[[], Any]) -> None:
    if not result.valid:
        st.error("Invalid: this file is not a genuine, unaltered certificate from us.")
        st.text(f"Reason: {result.reason}")
        return
    st.success("The signature is valid: the file is unaltered and was signed with our key.")
    if result.certificate_id:
        _show_status(_lookup(session_factory, result.certificate_id))
    elif result.record is not None:
        _show_record(result.record)


def render_verify_page(
    session_factory: Callable[[], Any],
    settings: Any,
    *,
    signing_key_pem: str | None = None,
) -> None:
    """Draw the verification page; ``signing_key_pem`` overrides the key file (secrets)."""
    st.title("Verify a certificate")
    cert_id = st.query_params.get("verify", "")
    typed = st.text_input("Certificate ID", value=cert_id, max_chars=64)
    if typed:
        _show_status(_lookup(session_factory, typed.strip()))

    st.subheader("Or check a certificate file")
    upload = st.file_uploader(
        "Certificate PDF or JSON (max 5 MB)", type=["pdf", "json"], max_upload_size=MAX_FILE_BYTES // (1024 * 1024)
    )
    public_key = signing_key(settings.effective_signing_key_file, signing_key_pem).public_key()
    if upload is not None:
        data = upload.getvalue()
        if len(data) > MAX_FILE_BYTES:
            st.error("The file is larger than 5 MB; certificates are much smaller.")
        else:
            _show_file_result(verify_file(data, public_key), session_factory)

    st.subheader("Our public key")
    st.code(public_key_pem(public_key), language=None)
    st.caption(
        "To verify offline: each PDF carries certificate.json; its Ed25519 signature (base64url) "
        "covers the record as canonical JSON (sorted keys, no spaces, UTF-8) and must check against this key, "
        "e.g. with `python -m cpd verify certificate.pdf --public-key key.pem`."
    )
