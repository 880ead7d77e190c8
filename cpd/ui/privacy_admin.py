"""Administration: a learner's data on request — download it (JSON) or erase it (see ``cpd.privacy``)."""

from __future__ import annotations

import streamlit as st

from cpd import privacy
from cpd.accounts.directory import Principal
from cpd.ui import resources

CONFIRM = "ERASE"


def section(who: Principal) -> None:
    """Administrators only: learner records are deployment-wide, not an organisation's."""
    if not who.is_admin:
        return
    store = resources.store()
    st.subheader("Learners' data")
    st.caption("On a learner's request: download what is held about them, or erase it. Erasing keeps only what an "
               "issued certificate must keep (its signed record and status) and is written to the audit log.")
    email = st.text_input("Learner's e-mail", key="privacy-email")
    if not email.strip():
        return
    matches = privacy.find_learners(store, email)
    if not matches:
        st.info("No learner record has this e-mail address.")
        return
    labels = {m.id: f"{m.name} · started {m.created_at:%Y-%m-%d} · {m.attempts} attempt(s) · {m.id[:8]}" for m in matches}
    learner_id = st.selectbox("Record", list(labels), format_func=labels.__getitem__, key="privacy-learner")
    st.download_button("Download this learner's data (JSON)", data=lambda: privacy.export_json(store, learner_id),
                       file_name=f"learner-{learner_id}.json", mime="application/json", on_click="ignore",
                       key="privacy-download")
    with st.form("privacy-erase"):
        typed = st.text_input(f"Type {CONFIRM} to erase this learner (cannot be undone)", key="privacy-confirm")
        go = st.form_submit_button("Erase learner")
    if go:
        if typed.strip() != CONFIRM:
            st.error(f"Not erased: type {CONFIRM} to confirm.")
            return
        try:
            done = privacy.erase_learner(store, learner_id, actor_id=who.account_id)
        except privacy.PrivacyError as exc:
            st.error(f"Not erased: {exc}")
            return
        st.success(f"Erased: {done.attempts_deleted} attempt(s) deleted; {done.certificates_kept} certificate(s) "
                   "keep their signed record and status.")
