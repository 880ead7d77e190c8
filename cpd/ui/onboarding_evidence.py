"""Evidence for an inspector: the PDF pack for a chosen date, and the organisation's audit log with its check."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from cpd import admin, audit
from cpd.onboarding import evidence
from cpd.ui import resources
from cpd.ui.onboarding_common import manager


def page() -> None:
    who = manager("Evidence and audit")
    if who is None:
        return
    org = who.organisation_id
    assert org is not None
    store = resources.store()
    st.subheader("Evidence pack for an inspector")
    as_of = st.date_input("Position at the end of", value=datetime.now(UTC).date(), max_value=datetime.now(UTC).date())
    if st.button("Build the evidence pack", type="primary"):
        with store() as session:
            st.session_state["evidence_pdf"] = (as_of, evidence.build(session, org, as_of,
                                                                      public_url=resources.settings().public_url))
    built = st.session_state.get("evidence_pdf")
    if built is not None:
        st.download_button(f"Download the evidence pack ({built[0].isoformat()}, PDF)", built[1],
                           file_name=f"evidence-pack-{built[0].isoformat()}.pdf", mime="application/pdf")
    st.subheader("Audit log")
    with store() as session:
        report = audit.verify(session, org)[0]
    if report.ok:
        st.success(f"Hash chain intact: {report.entries} entries, head {report.head_hash[:16]}.")
    else:
        st.error(f"Hash chain BROKEN: {report.problem}")
    rows = admin.audit_rows(store, who, org, limit=200)
    st.dataframe([{"When (UTC)": f"{r.at:%Y-%m-%d %H:%M:%S}", "Action": r.action, "By": r.actor,
                   "Ids": r.targets, "Details": r.details} for r in rows], hide_index=True)
