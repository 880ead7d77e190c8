"""Administration: accounts and roles, organisations, and (for administrators) certificates.

Reached only by signed-in staff (``cpd.ui.main`` shows it in the menu for them);
every action is checked again by the engine against who is signed in, so a
manager can never act outside their own organisation whatever the page shows.
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy.exc import IntegrityError

from cpd import admin, tokens
from cpd.accounts import directory, learner_access, links
from cpd.accounts.directory import ADMIN, ORG_ROLES, DirectoryError, Principal
from cpd.certificates.pdf import RenderError
from cpd.certificates.service import CertificateStateError
from cpd.completion import correct_name
from cpd.text import InvalidText
from cpd.ui import privacy_admin, resources, staff

DEPLOYMENT = "(deployment administrators)"


def page() -> None:
    st.title("Administration")
    who = staff.current()
    if who is None or not who.is_staff:
        st.info("Sign in with your staff account to use this page.")
        staff.same_tab_link(staff.sign_in_url(), "Sign in")
        return
    where = f" ({who.organisation_name})" if who.organisation_name else ""
    st.text(f"Signed in as {who.email}{where}: {', '.join(sorted(who.roles))}")
    staff.same_tab_link(staff.sign_out_url(), "Sign out")
    if who.is_admin:
        _certificates(who)
        _learner_link(who)
        _organisations(who)
    if who.is_admin or "manager" in who.roles:
        _accounts(who)
        _audit(who)
    elif not who.is_admin:
        st.caption("Nothing to administer with your role yet.")
    privacy_admin.section(who)  # administrators only


def _certificates(who: Principal) -> None:
    store = resources.store()
    st.subheader("Revoke a certificate")
    with st.form("revoke", clear_on_submit=False):
        cert_id = st.text_input("Certificate ID", key="revoke-id")
        reason = st.text_area("Reason (shown publicly on the verification page)", key="revoke-reason")
        go = st.form_submit_button("Revoke")
    if go:
        try:
            row = admin.revoke_certificate(store, cert_id, reason, actor_id=who.account_id)
        except (InvalidText, ValueError, CertificateStateError) as exc:
            st.error("Not revoked:")
            st.text(str(exc))  # may quote the typed id: plain text, never Markdown
        else:
            st.success("Revoked.")
            st.text(f"{row.id}: {row.revoked_reason}")

    st.subheader("Correct a name")
    st.caption("Issues a new signed version; the old certificate shows as superseded; the old name is kept in the history.")
    with st.form("correct"):
        old_id = st.text_input("Certificate ID", key="correct-id")
        name = st.text_input("Name as it should be printed", key="correct-name")
        go = st.form_submit_button("Issue corrected certificate")
    if go:
        try:
            row = correct_name(store, old_id.strip(), name, design=resources.certificate_design(),
                               private_key=resources.signing_key(), public_url=resources.settings().public_url,
                               actor_id=who.account_id)
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


def _learner_link(who: Principal) -> None:
    """A learner lost their links: find them by e-mail and re-send the one-time link to their attempts (audited)."""
    store = resources.store()
    st.subheader("Re-send a learner's link")
    st.caption("Sends the learner a one-time link to their attempts and certificates, at the address they gave.")
    with st.form("find-learner"):
        email = st.text_input("Learner's e-mail", key="learner-email")
        found = st.form_submit_button("Find the learner")
    if found:
        st.session_state["learner-found"] = email
    address = st.session_state.get("learner-found")
    if not address:
        return
    try:
        records = learner_access.find_learners(store, address, actor=who)
    except learner_access.AccessError as exc:
        st.error(str(exc))
        return
    if not records:
        st.warning("No learner has this e-mail address.")
        return
    st.dataframe([{"Name": name, "Attempts": count, "First seen (UTC)": f"{seen:%Y-%m-%d}"}
                  for name, count, seen in records], hide_index=True)
    if st.button("Re-send the link", key="learner-resend"):
        try:
            learner_access.resend_link(store, address, actor=who, public_url=resources.settings().public_url)
        except learner_access.AccessError as exc:
            st.error(str(exc))
        else:
            st.success("Link queued for sending to the learner's address.")


def _organisations(who: Principal) -> None:
    store = resources.store()
    st.subheader("Organisations")
    table = st.empty()  # filled after the form, so a new organisation shows at once
    with st.form("add-org"):
        name = st.text_input("Organisation name", key="org-name")
        slug = st.text_input("Short name (optional: made from the name)", key="org-slug")
        go = st.form_submit_button("Add organisation")
    if go:
        try:
            org = directory.create_organisation(store, name, slug or None, actor_id=who.account_id)
        except (DirectoryError, InvalidText) as exc:
            st.error("Not added:")
            st.text(str(exc))
        else:
            st.success("Organisation added.")
            st.text(f"{org.name} ({org.slug})")
    orgs = directory.list_organisations(store)
    if orgs:
        table.dataframe([{"Short name": o.slug, "Name": o.name} for o in orgs], hide_index=True)


def _accounts(who: Principal) -> None:
    store = resources.store()
    st.subheader("Accounts")
    table = st.empty()  # filled after the forms, so a change shows at once
    accounts = directory.list_accounts(store, viewer=who)

    st.markdown("**Invite someone**")
    st.caption("They get an e-mail with a one-time link to choose their own password.")
    scopes = ([DEPLOYMENT] + [o.slug for o in directory.list_organisations(store)]) if who.is_admin \
        else [who.organisation_slug or ""]
    with st.form("invite"):
        email = st.text_input("E-mail", key="invite-email")
        scope = st.selectbox("Organisation", scopes, key="invite-org")
        role = st.selectbox("Role", [ADMIN, *ORG_ROLES] if who.is_admin else list(ORG_ROLES), key="invite-role")
        go = st.form_submit_button("Send invitation")
    if go:
        try:
            links.invite(store, email, role=role, org_slug=None if scope == DEPLOYMENT else scope,
                         public_url=resources.settings().public_url, actor=who)
        except (DirectoryError, InvalidText) as exc:
            st.error("No invitation sent:")
            st.text(str(exc))
        else:
            st.success("Invitation queued for sending.")

    others = [a for a in accounts if a.id != who.account_id]
    if others:
        _change_access(who, others)
    table.dataframe(
        [{"E-mail": a.email, "Organisation": a.organisation_slug or "deployment", "Roles": ", ".join(a.roles),
          "Status": "disabled" if a.disabled else "active" if a.has_password else "invited"}
         for a in directory.list_accounts(store, viewer=who)],
        hide_index=True,
    )


def _change_access(who: Principal, others: list[directory.AccountView]) -> None:
    store = resources.store()
    st.markdown("**Change roles or access**")
    labels = {a.id: f"{a.email} ({a.organisation_slug or 'deployment'})" for a in others}
    with st.form("roles"):
        account_id = st.selectbox("Account", list(labels), format_func=labels.__getitem__, key="roles-account")
        role = st.selectbox("Role", [ADMIN, *ORG_ROLES] if who.is_admin else list(ORG_ROLES), key="roles-role")
        action = st.radio("Change", ["Grant the role", "Remove the role", "Disable the account", "Enable the account",
                                     "Send a password-reset link"], key="roles-action")
        go = st.form_submit_button("Apply")
    if go:
        try:
            if action.startswith("Grant") or action.startswith("Remove"):
                directory.set_role(store, account_id, role, action.startswith("Grant"), actor=who)
            elif action.startswith("Send"):
                links.send_link(store, account_id, tokens.Purpose.PASSWORD_RESET,
                                public_url=resources.settings().public_url, actor=who)
            else:
                directory.set_disabled(store, account_id, action.startswith("Disable"), actor=who)
        except (DirectoryError, links.LinkError) as exc:
            st.error("Not changed:")
            st.text(str(exc))
        else:
            st.success("Done.")


def _audit(who: Principal) -> None:
    store = resources.store()
    st.subheader("Audit log")
    if who.is_admin:
        chains = {DEPLOYMENT: None} | {o.slug: o.id for o in directory.list_organisations(store)}
        chosen = st.selectbox("Log of", list(chains), key="audit-chain")
        organisation_id = chains[chosen]
    else:
        organisation_id = who.organisation_id
    rows = admin.audit_rows(store, who, organisation_id)
    if not rows:
        st.caption("Nothing recorded yet.")
        return
    st.caption("Newest first. Ids only are kept in the log; e-mails are shown here for accounts you may see. "
               "`python -m cpd audit verify` checks that no entry was changed or removed.")
    st.dataframe([{"When (UTC)": f"{r.at:%Y-%m-%d %H:%M:%S}", "Action": r.action, "By": r.actor,
                   "About": r.targets, "Details": r.details} for r in rows], hide_index=True)
