"""Dashboard: who is where, counts and a chart at the top, filters by role and status, CSV export."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from cpd.exports import csv_bytes
from cpd.onboarding import overview, reminders
from cpd.onboarding.status import SEVERITY, Status
from cpd.ui import resources
from cpd.ui.onboarding_common import manager


def page() -> None:
    who = manager("Training dashboard")
    if who is None:
        return
    org = who.organisation_id
    assert org is not None
    store = resources.store()
    today = datetime.now(UTC).date()
    # Reminders and renewals due today are queued on view too (idempotent: each is queued once, ever).
    reminders.run(store, today, resources.module, public_url=resources.settings().public_url, organisation_id=org)
    with store() as session:
        rows = overview.rows(session, org, today)
        sent = overview.reminder_log(session, org)
    if not rows:
        st.info("Nobody has a module assigned yet: see Assignments.")
        return
    counts = overview.counts(rows)
    cols = st.columns(4)
    for i, s in enumerate(SEVERITY):
        cols[i % 4].metric(s.value.capitalize(), counts[s])
    st.bar_chart({"people": {s.value: counts[s] for s in SEVERITY}}, horizontal=True, y_label="", x_label="people")
    roles = st.multiselect("Role", sorted({r.role for r in rows}))
    statuses = st.multiselect("Status", list(Status), format_func=lambda s: s.value)
    shown = overview.filtered(rows, roles=set(roles), statuses=set(statuses))
    base = resources.settings().public_url.rstrip("/")
    # A plain table (HTML, not a canvas grid): screen readers, keyboard, phones and find-in-page all read it.
    st.table([{
        "Name": r.name, "Role": r.role, "Module": r.module_id, "Status": r.status.value, "Due": r.due,
        "Completed": r.completed, "Score %": None if r.score is None else round(r.score, 1),
        "Certificate": f"{base}/?verify={r.certificate_id}" if r.certificate_id else "",
        "Valid until": r.valid_until,
        "Reminders": "; ".join(f"{k} ({v})" for k, v in sent.get(r.staff_id, [])),
    } for r in shown] or [{"Name": "(nobody matches these filters)"}])
    st.download_button("Download as CSV (opens safely in a spreadsheet)",
                       csv_bytes(overview.CSV_HEADER, overview.csv_rows(shown)),
                       file_name=f"training-{today.isoformat()}.csv", mime="text/csv")
