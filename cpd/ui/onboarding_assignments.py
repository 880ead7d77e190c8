"""Assignments: give a module to people or a role, with a fixed or relative due date; withdraw or resend links."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from cpd.onboarding import assignments, overview, roster
from cpd.onboarding.assignments import Due
from cpd.ui import resources
from cpd.ui.onboarding_common import manager


def page() -> None:
    who = manager("Assignments")
    if who is None:
        return
    org = who.organisation_id
    assert org is not None
    store = resources.store()
    members = roster.list_members(store, org)
    modules = resources.catalogue()
    if not members:
        st.info("Add people on the Staff roster page first.")
        return
    if not modules:
        st.error("No module is available right now.")
        return
    with st.form("assign"):
        entry = st.selectbox("Module", modules, format_func=lambda e: e.title)
        roles = sorted({m.job_role for m in members})
        role = st.selectbox("Everyone with the role", roles, index=None, placeholder="(no role: choose people below)")
        people = st.multiselect("And/or these people", members, format_func=lambda m: f"{m.name} <{m.email}>")
        kind = st.radio("Due", ["By a fixed date", "Within a number of days of each person's start date"])
        fixed = st.date_input("Fixed due date", value=date.today() + timedelta(days=14))
        within = st.number_input("Days after the start date", min_value=0, max_value=365, value=14)
        go = st.form_submit_button("Assign and e-mail personal links", type="primary")
    if go and entry is not None:
        loaded = resources.module(entry.id)
        due = Due(on=fixed) if kind.startswith("By") else Due(within_days_of_start=int(within))
        try:
            assert loaded is not None
            made = assignments.assign(store, org, loaded, due, staff_ids=[m.id for m in people], role=role,
                                      public_url=resources.settings().public_url, actor_id=who.account_id)
        except roster.RosterError as exc:
            st.error(str(exc))
        else:
            st.success(f"Assigned to {len(made)} new people; each gets their personal link by e-mail."
                       if made else "Everyone chosen has this module already.")
    lead = {e.title: m.module.renew_days_before_expiry for e in modules if (m := resources.module(e.id)) is not None}
    st.caption("Renewal: once someone has passed, their next cycle (with a new personal link) opens "
               + "; ".join(f"{days} days before the certificate expires for {title}" for title, days in lead.items())
               + ". This is the module's setting.")
    with store() as session:
        rows = overview.rows(session, org, date.today())
    st.subheader(f"Assigned ({len(rows)})")
    st.dataframe([{"Name": r.name, "Role": r.role, "Module": r.module_id, "Cycle": r.cycle, "Due": r.due,
                   "Status": r.status.value} for r in rows], hide_index=True)
    if rows:
        with st.form("links"):
            st.markdown("**Personal links**")
            row = st.selectbox("Person", rows, format_func=lambda r: f"{r.name}: {r.module_id}")
            action = st.radio("Action", ["Withdraw the link", "Withdraw and e-mail a new link"])
            go = st.form_submit_button("Do it")
        if go and row is not None:
            try:
                if action.startswith("Withdraw and"):
                    loaded = resources.module(row.module_id)
                    assert loaded is not None
                    assignments.resend_link(store, org, row.assignment_id, loaded,
                                            public_url=resources.settings().public_url, actor_id=who.account_id)
                    st.success("The old link is withdrawn; a new one is on its way.")
                else:
                    assignments.revoke_link(store, org, row.assignment_id, actor_id=who.account_id)
                    st.success("The link is withdrawn; it opens nothing now.")
            except roster.RosterError as exc:
                st.error(str(exc))
