"""Administration: revoke a certificate, correct a misspelt name, see what was issued."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.exc import IntegrityError

from cpd import admin
from cpd.certificates.pdf import RenderError
from cpd.certificates.service import CertificateStateError
from cpd.completion import correct_name
from cpd.text import InvalidText
from cpd.ui import resources

AUTHED = "admin_ok"


def _password_hash() -> str | None:
    return resources.settings().admin_password_hash


def _login(password_hash: str) -> bool:
    if st.session_state.get(AUTHED):
        return True
    with st.form("admin-login", enter_to_submit=True):
        password = st.text_input("Administrator password", type="password")
        go = st.form_submit_button("Sign in")
    if go:
        problem = admin.sign_in(password_hash, password)
        if problem is None:
            st.session_state[AUTHED] = True
            st.rerun()
        st.error(problem)
    return False


def page() -> None:
    st.title("Administration")
    password_hash = _password_hash()
    if not password_hash:
        st.info("Administration is switched off. To switch it on, run `python -m cpd admin-password` and set "
                "the printed hash as CPD_ADMIN_PASSWORD_HASH (environment or Streamlit secrets).")
        return
    if not _login(password_hash):
        return
    store = resources.store()

    st.subheader("Revoke a certificate")
    with st.form("revoke", clear_on_submit=False):
        cert_id = st.text_input("Certificate ID", key="revoke-id")
        reason = st.text_area("Reason (shown publicly on the verification page)", key="revoke-reason")
        go = st.form_submit_button("Revoke")
    if go:
        try:
            row = admin.revoke_certificate(store, cert_id, reason)
        except (InvalidText, ValueError, CertificateStateError) as exc:
            st.error("Not revoked:")
            st.text(str(exc))  # may quote the typed id: plain text, never Markdown
        else:
            st.success("Revoked.")
            st.text(f"{row.id}: {row.revoked_reason}")

    st.subheader("Correct a name")
    st.caption("Issues a new signed version; the old certificate shows as superseded.")
    with st.form("correct"):
        old_id = st.text_input("Certificate ID", key="correct-id")
        name = st.text_input("Name as it should be printed", key="correct-name")
        go = st.form_submit_button("Issue corrected certificate")
    if go:
        try:
            row = correct_name(store, old_id.strip(), name, design=resources.certificate_design(),
                               private_key=resources.signing_key(), public_url=resources.settings().public_url)
        except (InvalidText, ValueError, CertificateStateError, RenderError, IntegrityError) as exc:
            st.error("No corrected certificate was issued:")
            st.text("it was corrected a moment ago by someone else" if isinstance(exc, IntegrityError) else str(exc))
        else:
            st.success(f"Issued version {row.version}.")
            st.text(f"New certificate ID: {row.id}")

    st.subheader("Recently issued")
    rows = admin.recent_certificates(store)
    if not rows:
        st.caption("No certificates yet.")
    else:
        st.dataframe(
            [{"ID": r.id, "Version": r.version, "Name": r.learner_name, "E-mail": r.learner_email,
              "Issued (UTC)": f"{r.issued_at:%Y-%m-%d %H:%M}", "Status": r.status} for r in rows],
            hide_index=True,
        )
    if st.button("Sign out"):
        st.session_state.pop(AUTHED, None)
        st.rerun()
