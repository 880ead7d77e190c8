"""Find my attempts and certificates: ask for a one-time link by e-mail, open it, see the list.

Thin: ``cpd.accounts.learner_access`` does the work. The e-mailed link
(``?access=``) is redeemed only when the learner presses the button, so a mail
scanner opening the link does not use it up; it is then swapped for a view
token in the URL (``?view=``), so a refresh keeps the list (for a few hours).
"""

from __future__ import annotations

from functools import partial

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from cpd import tokens
from cpd.accounts import learner_access
from cpd.accounts.learner_access import AccessError, AttemptLine, Overview, Throttled
from cpd.ui import resources
from cpd.ui.session import forget
from cpd.web.auth import client_from

TITLE = "Find my attempts and certificates"
DEAD_LINK = {
    tokens.Status.EXPIRED: "This link has expired (it works for 30 minutes). Ask for a new one below.",
    tokens.Status.USED: "This link was already used (it works once). Ask for a new one below.",
}
NOT_VALID = "This link is not valid. Check that you copied all of it, or ask for a new one below."
VIEW_EXPIRED = "This list has closed (it stays open for a few hours). Ask for a new link below."


def page(learn_page: StreamlitPage | None = None) -> None:
    st.title(TITLE, anchor="my-attempts")
    store = resources.store()
    access = st.query_params.get("access")
    if access:
        status = learner_access.link_status(store, access)
        if status is tokens.Status.VALID:
            st.markdown("This link works once. Press the button to see your attempts and certificates.")
            if st.button("Show my attempts and certificates", type="primary"):
                try:
                    opened = learner_access.open_link(store, access)
                except AccessError as exc:
                    st.error(str(exc))
                else:
                    st.query_params.pop("access", None)
                    st.query_params["view"] = opened
                    st.rerun()
            return
        st.error(DEAD_LINK.get(status, NOT_VALID))
        st.query_params.pop("access", None)
    view = st.query_params.get("view")
    if view:
        found = learner_access.overview(store, view)
        if found is not None:
            _overview(found, view, learn_page)
            return
        st.error(VIEW_EXPIRED)
        st.query_params.pop("view", None)
    _request_form()


def _client() -> str:
    ctx = st.context
    return client_from(ctx.ip_address, ctx.headers.get("x-forwarded-for", "") or "", resources.settings().trusted_proxy_hops)


def _request_form() -> None:
    st.markdown("Enter the e-mail address you used when you started the module. We e-mail you a link that opens a "
                "list of your attempts (continue an unfinished one) and your certificates.")
    with st.form("find-my-attempts", enter_to_submit=True):
        email = st.text_input("E-mail", autocomplete="email")
        go = st.form_submit_button("Send me a link", type="primary")
    if go:
        try:
            reply = learner_access.request_link(resources.store(), email, client=_client(),
                                                public_url=resources.settings().public_url)
        except Throttled as exc:
            st.warning(str(exc))
        except AccessError as exc:
            st.error(str(exc))
        else:
            st.success(reply)


def _status(a: AttemptLine) -> str:
    if a.finished or a.phase == "evaluation":
        outcome = f"passed, {a.percent:g} %" if a.passed else f"not passed, {a.percent:g} %"
        return f"finished: {outcome}" if a.finished else f"{outcome}; evaluation still to complete"
    return "in progress"


def _overview(found: Overview, view: str, learn_page: StreamlitPage | None) -> None:
    st.text(f"For {found.email}")
    st.subheader("Your attempts")
    if not found.attempts:
        st.caption("No attempts yet.")
    for a in found.attempts:
        with st.container(border=True):
            st.text(f"{a.module_title}: attempt {a.attempt_number}, started {a.started_at:%d %B %Y}")
            st.caption(_status(a).capitalize() + ".")
            label = "See the results" if a.finished else "Continue this attempt"
            if st.button(label, key=f"open-{a.attempt_id}", type="primary" if not a.finished else "secondary"):
                _open(view, a.attempt_id, learn_page)
    st.subheader("Your certificates")
    if not found.certificates:
        st.caption("No certificates yet: one is issued when you pass and complete the evaluation.")
    for c in found.certificates:
        with st.container(border=True):
            st.text(f"{c.module_title}: certificate issued {c.issued_at:%d %B %Y} (ID {c.certificate_id})")
            if c.revoked:
                st.warning("This certificate was revoked. The verification page shows the reason.")
            elif c.superseded:
                st.caption("Replaced by a corrected certificate below or above.")
            else:
                st.download_button("Download the certificate (PDF)", key=f"pdf-{c.certificate_id}",
                                   data=partial(learner_access.certificate_pdf, resources.store(), view,
                                                c.certificate_id),
                                   file_name=f"certificate-{c.certificate_id}.pdf", mime="application/pdf",
                                   on_click="ignore")
            st.markdown(f"[Verify it](/?verify={c.certificate_id})")
    if st.button("Close this list"):
        learner_access.close_view(resources.store(), view)
        st.query_params.pop("view", None)
        st.rerun()


def _open(view: str, attempt_id: str, learn_page: StreamlitPage | None) -> None:
    try:
        token = learner_access.open_attempt(resources.store(), view, attempt_id)
    except AccessError as exc:
        st.error(str(exc))
        return
    forget()  # another attempt may have been open in this tab
    if learn_page is None:  # pragma: no cover - main.py always passes it
        st.query_params.clear()
        st.query_params["t"] = token
        return
    st.switch_page(learn_page, query_params={"t": token})
