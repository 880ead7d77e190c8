"""The page script: navigation between the pages. ``app.py`` wraps it in an ``st.App``.

Page tests load this file with ``AppTest.from_file``; the browser and ``streamlit run
app.py`` reach it through the ``st.App`` in ``app.py``. "Administration" is in the
menu only for signed-in staff; everyone else sees a small "Staff sign-in" link.
"""

import logging

import streamlit as st

from cpd.ui import admin, authoring, learn, resources, staff, verify, workshop_console, workshop_phone

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
st.set_page_config(page_title="Reality Check CPD: exosome safety", page_icon="🔬", layout="centered")
resources.warn_about_retired_settings()

who = staff.current()
# A verification link (?verify=<id>, printed as a QR code on certificates) opens the verify page.
verifying = "verify" in st.query_params
pages = [
    st.Page(learn.page, title="Learn", icon=":material/school:", url_path="learn", default=not verifying),
    st.Page(verify.page, title="Verify a certificate", icon=":material/verified:", url_path="verify", default=verifying),
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
st.navigation(pages).run()
