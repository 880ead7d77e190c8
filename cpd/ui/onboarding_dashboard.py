"""Dashboard: who is where, counts and a chart at the top, filters by role and status, CSV export."""

from __future__ import annotations

from datetime import UTC, date, datetime
from html import escape

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
    # Pills, not multiselects: each choice is one button of at least 24 x 24 px, reachable by Tab, with its state
    # announced (none chosen shows everyone).
    roles = st.pills("Role", sorted({r.role for r in rows}), selection_mode="multi") or []
    statuses = st.pills("Status", list(Status), selection_mode="multi", format_func=lambda s: s.value) or []
    shown = overview.filtered(rows, roles=set(roles), statuses=set(statuses))
    base = resources.settings().public_url.rstrip("/")
    st.html(status_table(shown, base, sent))
    st.download_button("Download as CSV (opens safely in a spreadsheet)",
                       csv_bytes(overview.CSV_HEADER, overview.csv_rows(shown)),
                       file_name=f"training-{today.isoformat()}.csv", mime="text/csv")


COLUMNS = ("Name", "Role", "Module", "Status", "Due", "Completed", "Score %", "Certificate", "Valid until", "Reminders")


def _cell(value: object) -> str:
    if value is None:
        return ""
    return escape(value.isoformat() if isinstance(value, date) else str(value), quote=True)


def status_table(rows: list[overview.Row], base_url: str, sent: dict[str, list[tuple[str, str]]]) -> str:
    """A plain HTML table (screen readers, keyboard, find-in-page and phones read it; a canvas grid they do not).

    It sits in a labelled region that takes keyboard focus, so on a phone, where it is wider than the screen, it
    can be scrolled sideways from the keyboard (WCAG 2.1.1; axe ``scrollable-region-focusable``). Every value
    is escaped: names and roles come from a manager's CSV.
    """
    head = "".join(f'<th scope="col">{c}</th>' for c in COLUMNS)
    body = []
    for r in rows:
        cert = (f'<a href="{_cell(base_url)}/?verify={_cell(r.certificate_id)}">{_cell(r.certificate_id)}</a>'
                if r.certificate_id else "")
        cells = [_cell(r.name), _cell(r.role), _cell(r.module_id), _cell(r.status.value), _cell(r.due),
                 _cell(r.completed), _cell(None if r.score is None else round(r.score, 1)), cert,
                 _cell(r.valid_until), _cell("; ".join(f"{k} ({v})" for k, v in sent.get(r.staff_id, [])))]
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    if not body:
        body.append(f'<tr><td colspan="{len(COLUMNS)}">(nobody matches these filters)</td></tr>')
    return (f'<div class="cpd-status-table" role="region" aria-label="Training status, one row per person" '
            f'tabindex="0"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>')
