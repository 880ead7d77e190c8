"""The page script: navigation between the pages. ``app.py`` wraps it in an ``st.App``.

Page tests load this file with ``AppTest.from_file``; the browser and ``streamlit run
app.py`` reach it through the ``st.App`` in ``app.py``. "Administration" is in the
menu only for signed-in staff; everyone else sees a small "Staff sign-in" link.
"""

import logging

import streamlit as st

from cpd.ui import (
    admin,
    authoring,
    learn,
    my_attempts,
    privacy,
    resources,
    staff,
    verify,
    workshop_console,
    workshop_phone,
)
from cpd.ui.onboarding_common import is_manager

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
st.set_page_config(page_title="Reality Check CPD: exosome safety", page_icon="🔬", layout="centered")
resources.warn_about_retired_settings()

who = staff.current()
# A verification link (?verify=<id>, printed as a QR code on certificates) opens the verify page.
verifying = "verify" in st.query_params
learn_page = st.Page(learn.page, title="Learn", icon=":material/school:", url_path="learn", default=not verifying)


def find_my_attempts() -> None:
    my_attempts.page(learn_page)  # opening an attempt from the list switches to the Learn page


pages = [
    learn_page,
    st.Page(find_my_attempts, title=my_attempts.TITLE, icon=":material/history:", url_path="my-attempts"),
    st.Page(verify.page, title="Verify a certificate", icon=":material/verified:", url_path="verify", default=verifying),
    st.Page(privacy.page, title="Privacy notice", icon=":material/privacy_tip:", url_path="privacy"),
]
pages.append(st.Page(workshop_phone.page, title="Join a workshop", icon=":material/groups:", url_path="workshop"))
if workshop_console.may_run(who):
    pages.append(st.Page(workshop_console.page, title="Workshops", icon=":material/co_present:", url_path="workshops"))
if who is not None and who.is_staff:
    pages.append(st.Page(admin.page, title="Administration", icon=":material/admin_panel_settings:", url_path="admin"))
    if authoring.may_author(who):
        pages.append(st.Page(authoring.page, title="Authoring", icon=":material/edit_note:", url_path="authoring"))
else:
    staff.same_tab_link(staff.sign_in_url(), "Staff sign-in", sidebar=True)
if is_manager(who):  # a clinic's manager: roster, assignments, dashboard, evidence
    from cpd.ui import onboarding_assignments, onboarding_dashboard, onboarding_evidence, onboarding_roster

    pages += [
        st.Page(onboarding_dashboard.page, title="Training dashboard", icon=":material/monitoring:",
                url_path="onboarding-dashboard"),
        st.Page(onboarding_roster.page, title="Staff roster", icon=":material/group:", url_path="onboarding-roster"),
        st.Page(onboarding_assignments.page, title="Assignments", icon=":material/assignment:",
                url_path="onboarding-assignments"),
        st.Page(onboarding_evidence.page, title="Evidence and audit", icon=":material/fact_check:",
                url_path="onboarding-evidence"),
    ]
st.navigation(pages).run()
