"""What every clinic-manager page shares: only a signed-in manager of an organisation gets past ``manager()``."""

from __future__ import annotations

import streamlit as st

from cpd.accounts.directory import Principal
from cpd.ui import staff


def is_manager(who: Principal | None) -> bool:
    return who is not None and "manager" in who.roles and who.organisation_id is not None


def manager(title: str) -> Principal | None:
    """The signed-in manager (page title drawn), or None after telling everyone else what to do."""
    st.title(title)
    who = staff.current()
    if not is_manager(who):
        st.info("This page is for a clinic's managers. Sign in with your manager account.")
        staff.same_tab_link(staff.sign_in_url(), "Sign in")
        return None
    assert who is not None
    st.caption(f"{who.organisation_name}: signed in as {who.email}")
    return who
