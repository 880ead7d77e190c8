"""Roster: add one person, or import a CSV with a preview, a line-by-line report and an explicit confirmation."""

from __future__ import annotations

from datetime import date

import streamlit as st

from cpd.onboarding import roster
from cpd.onboarding.assignments import Rules
from cpd.onboarding.roster_csv import ParsedRoster
from cpd.text import InvalidText
from cpd.ui import resources
from cpd.ui.onboarding_common import manager


def page() -> None:
    who = manager("Staff roster")
    if who is None:
        return
    org = who.organisation_id
    assert org is not None
    store = resources.store()
    _import(store, org, who.account_id)
    _add_one(store, org, who.account_id)
    members = roster.list_members(store, org)
    st.subheader(f"On the roster ({len(members)})")
    st.dataframe([{"Name": m.name, "E-mail": m.email, "Role": m.job_role, "Start date": m.start_date,
                   "Registration": m.registration_number or ""} for m in members], hide_index=True)
    if members:
        with st.form("role"):
            st.markdown("**Change a role** (they get the modules the new role carries)")
            person = st.selectbox("Person", members, format_func=lambda m: f"{m.name} <{m.email}>")
            role = st.text_input("New role")
            go = st.form_submit_button("Change role")
        if go and person is not None:
            try:
                roster.change_role(store, org, person.id, role, actor_id=who.account_id, rules=_rules())
            except (roster.RosterError, InvalidText) as exc:
                st.error(str(exc))
            else:
                st.success("Role changed.")


def _import(store, org: str, actor: str) -> None:  # noqa: ANN001 - sessionmaker
    st.subheader("Import a CSV file")
    st.caption("Columns: name, email, role, start date (YYYY-MM-DD), registration number (optional). "
               "Nothing is imported until you confirm, and never half a file without you choosing it.")
    upload = st.file_uploader("Roster file (.csv)", type=["csv"], key="roster-file")
    if upload is None:
        return
    data = upload.getvalue()
    parsed = roster.check_file(store, org, data)
    if parsed.needs_encoding_confirmation:
        st.warning("This file is not UTF-8. Read as Windows-1252 (older Excel), the names would be:")
        st.dataframe([{"Name": n} for n in parsed.preview] or [{"Name": "(no accented names)"}], hide_index=True)
        if not st.checkbox("These names look right: read the file as Windows-1252", key="cp1252-ok"):
            return
        parsed = roster.check_file(store, org, data, allow_windows_1252=True)
    _report(parsed)
    if not parsed.rows:
        return
    if parsed.problems:
        sure = st.checkbox(f"Import only the {len(parsed.rows)} good rows and skip lines "
                           f"{', '.join(map(str, parsed.bad_lines))}", key="good-only")
        label = f"Import {len(parsed.rows)} good rows"
    else:
        sure, label = True, f"Import {len(parsed.rows)} people"
    if st.button(label, type="primary", disabled=not sure, key="do-import"):
        try:
            result = roster.import_roster(store, org, parsed, good_rows_only=bool(parsed.problems), actor_id=actor,
                                          rules=_rules())
        except roster.RosterError as exc:
            st.error(str(exc))
        else:
            st.success(f"Imported {result.imported} people."
                       + (f" Skipped lines {', '.join(map(str, result.skipped_lines))}." if result.skipped_lines else ""))


def _report(parsed: ParsedRoster) -> None:
    if parsed.problems:
        st.error(f"{len(parsed.bad_lines)} line(s) have problems. Nothing has been imported.")
        st.dataframe([{"Line": p.line, "Problem": p.message} for p in parsed.problems], hide_index=True)
    if parsed.rows:
        st.markdown(f"**{len(parsed.rows)} good row(s)**, preview:")
        st.dataframe([{"Line": r.line, "Name": r.name, "E-mail": r.email, "Role": r.role, "Start date": r.start_date}
                      for r in parsed.rows[:20]], hide_index=True)


def _add_one(store, org: str, actor: str) -> None:  # noqa: ANN001 - sessionmaker
    st.subheader("Add one person")
    with st.form("add-person", clear_on_submit=True):
        name = st.text_input("Full name")
        email = st.text_input("E-mail")
        role = st.text_input("Role (e.g. Nurse)")
        start = st.date_input("Start date", value=date.today())
        reg = st.text_input("Registration number (optional)")
        go = st.form_submit_button("Add")
    if go:
        try:
            roster.add_person(store, org, name=name, email=email, role=role, start_date=start,
                              registration_number=reg or None, actor_id=actor, rules=_rules())
        except (roster.RosterError, InvalidText) as exc:
            st.error(str(exc))
        else:
            st.success("Added.")


def _rules() -> Rules:
    """New starters and changed roles get the modules their role carries (set on the Assignments page)."""
    return Rules(resources.module, resources.settings().public_url)
