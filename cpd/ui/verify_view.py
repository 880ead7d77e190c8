"""The public verification page: ``?verify=<id>`` or an uploaded PDF/JSON.

It leads with what an employer compares with the person in front of them
(name, profession, activity, date, hours, provider, status) in plain words and
offers the issued PDF to compare with the paper they were handed; technical
fields sit in an expander. Every value from a record is user data (a learner
can type any name), so it is shown with ``st.text``, never through Markdown or
HTML. The word "valid" is never shown for a file that does not match its record.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from cpd.certificates.keys import public_key_pem
from cpd.certificates.openbadge import PROOF_FORMS
from cpd.certificates.public import plain_lines, public_view
from cpd.certificates.service import LookupResult, find_certificate, lookup
from cpd.certificates.verify import MAX_FILE_BYTES, Status, VerificationResult, printed_certificate_id, verify_file

_BOXES = {"valid": st.success, "expired": st.warning, "revoked": st.error, "superseded": st.warning, "unknown": st.error}


def _lookup(session_factory: Callable[[], Any], cert_id: str) -> LookupResult:
    with session_factory() as session:
        return lookup(session, cert_id)


def _issued_pdf(session_factory: Callable[[], Any], cert_id: str) -> bytes | None:
    with session_factory() as session:
        row = find_certificate(session, cert_id)
        return bytes(row.pdf) if row is not None else None


def _show_status(status: LookupResult, session_factory: Callable[[], Any], *, file_is_the_issued_one: bool = True) -> None:
    """The record's facts and status. For an uploaded file that is not the one issued, the status is
    shown as what our records say about that ID (neutral box), never as a verdict on the file."""
    view = public_view(status)
    headline = view["status_text"].split(" Reason:")[0]
    if file_is_the_issued_one:
        _BOXES[view["status"]](headline)
    else:
        st.info(f"Our records for certificate {status.certificate_id}: {headline}")
    if view["status"] == "revoked":
        st.text(f"Reason: {view.get('revoked_reason') or '(none given)'}")
    for label, value in plain_lines(view):
        st.text(f"{label}: {value}")
    if status.record is None:
        return
    st.caption("Compare the name with the person in front of you, and the certificate you were shown with the "
               "PDF we issued.")
    cert_id = status.certificate_id
    st.download_button("Download the certificate as issued (PDF), to compare", key=f"issued-{cert_id}",
                       data=lambda: _issued_pdf(session_factory, cert_id) or b"",
                       file_name=f"certificate-{cert_id}-as-issued.pdf", mime="application/pdf", on_click="ignore")
    with st.expander("Technical details"):
        for label, key in [
            ("Certificate ID", "certificate_id"), ("Version", "version"), ("Replaces certificate", "supersedes"),
            ("Replaced by", "superseded_by"), ("Issued (UTC)", "issued_at"), ("Valid until", "valid_until"),
            ("Professional registration number (partly hidden)", "registration_number_partial"),
            ("Format", "format"), ("SHA-256 of the issued PDF", "pdf_sha256"),
        ]:
            if view.get(key) is not None:
                st.text(f"{label}: {view[key]}")
        record = status.record
        st.text(f"Module: {record.module_id} {record.module_version} (content {record.content_hash[:12]})")
        st.text(f"Record format: {record.record_type}")


def _show_pdf_comparison(status: LookupResult, data: bytes) -> bool:
    """The signature covers the attached record, not the printed page: compare the bytes too. True if identical."""
    same = status.pdf_matches(data)
    if same:
        st.success("This PDF is exactly the one we issued: its SHA-256 matches our stored copy.")
        return True
    if same is None:
        st.info("The signed record in this file is genuine and the page matches it as far as text can show, but "
                "we hold no copy of the PDF to compare it with.")
    else:
        st.warning(
            "The signed record in this file is genuine and the page matches it as far as text can show, but this "
            "file is not the PDF we issued byte for byte (it was re-saved or edited after issue). Compare it with "
            "the issued PDF below before relying on it."
        )
    return False


def _show_file_result(result: VerificationResult, data: bytes, session_factory: Callable[[], Any]) -> None:
    if result.status is Status.UNCHECKABLE:
        st.warning("Cannot be checked from this file: use the verification link or ask for the original. "
                   "(It carries no signed record, as happens when a certificate is re-saved or printed to PDF; "
                   "that alone does not make it a forgery.)")
        printed = printed_certificate_id(data)
        if printed:
            st.caption(f"The page shows certificate ID {printed}. Compare the page with what our records say "
                       "about that ID and with the PDF as issued:")
            _show_status(_lookup(session_factory, printed), session_factory, file_is_the_issued_one=False)
        return
    if result.status is Status.INVALID:
        if result.differences:
            st.error("This page does not match its signed record: do not rely on it.")
            for difference in result.differences:
                st.text(f"• {difference}")
            if result.certificate_id:
                st.caption("The signed record attached to the file belongs to this certificate:")
                _show_status(_lookup(session_factory, result.certificate_id), session_factory,
                             file_is_the_issued_one=False)
        else:
            st.error("Not genuine: this file is not a certificate record signed by us, or it was changed.")
            st.text(f"Reason: {result.reason}")
        return
    if result.status in (Status.EXPIRED, Status.NOT_YET_VALID):
        st.warning(f"The signed record is genuine but {result.reason}.")
    elif result.kind == "badge":
        st.success(f"The badge is genuine: {PROOF_FORMS.get(result.proof_form or '', 'eddsa-jcs-2022')}.")
    elif result.kind == "pdf":
        st.info("Offline check: the signed record is genuine; the page matches it as far as text can show.")
    else:
        st.success("The signed record in this file is genuine.")
    if not result.certificate_id:
        return
    status = _lookup(session_factory, result.certificate_id)
    if status.status == "unknown":
        st.warning("Not in our records: this certificate was signed with our key, but this server did not issue it.")
        if result.record is not None:
            for label, value in [("Name", result.record.learner_name), ("Activity", result.record.activity_title)]:
                st.text(f"{label}: {value}")
        return
    identical = _show_pdf_comparison(status, data) if result.kind == "pdf" else True
    in_period = result.status is Status.VALID
    _show_status(status, session_factory, file_is_the_issued_one=identical and in_period)


def render_verify_page(
    session_factory: Callable[[], Any], keys: Mapping[str, Ed25519PublicKey] | Ed25519PublicKey | None
) -> None:
    """Draw the verification page.

    ``keys`` are the issuer's public keys by key id (every key in the key table, current and
    retired), or one key; None or empty when no key is configured, in which case files cannot
    be checked. The page never creates a key.
    """
    if isinstance(keys, Ed25519PublicKey):
        from cpd.certificates.openbadge import keyring

        keys = keyring(keys)
    st.title("Verify a certificate")
    cert_id = st.query_params.get("verify", "")
    typed = st.text_input("Certificate ID", value=cert_id, max_chars=64, help="Upper or lower case, as printed.")
    if typed:
        _show_status(_lookup(session_factory, typed.strip()), session_factory)

    st.subheader("Or check a certificate file")
    if not keys:
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
            _show_file_result(verify_file(data, keys), data, session_factory)

    st.subheader("Our public keys")
    for kid, key in keys.items():
        st.caption(f"Key {kid}")
        st.code(public_key_pem(key), language=None)
    st.caption(
        "To verify offline: each PDF carries certificate.json; its Ed25519 signature (base64url) covers the "
        "record as RFC 8785 canonical JSON and must check against the key named by its key_id, e.g. with "
        "`python -m cpd verify certificate.pdf --public-key key.pem`. The signature covers that record, not the "
        "printed page: this page also compares an uploaded PDF with the copy we issued."
    )
