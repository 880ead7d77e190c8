"""What every clinic-manager page shares: only a signed-in manager of an organisation gets past ``manager()``."""

from __future__ import annotations

import streamlit as st

from cpd.accounts.directory import Principal
from cpd.ui import staff


def is_manager(who: Principal | None) -> bool:
    return who is not None and "manager" in who.roles and who.organisation_id is not None


# WCAG 2.2 target size (axe ``target-size``): a date field's day, month and year parts are separate controls
# (react-aria spin buttons) about 18 x 20 px as Streamlit draws them; each gets at least 24 x 24 px here.
# The filter chips on the dashboard are ``st.pills`` buttons (over 24 px tall), not a multiselect whose
# chosen-value remove buttons are tiny; a chosen pill's label is drawn in the theme's red on pink (3.8:1), so it
# gets a darker red (6.7:1, WCAG 1.4.3). Where a multiselect is needed (people on the Assignments page), each
# chosen person's remove button (about 15 x 7 px as drawn) and the open-list arrow (22 px tall) get 24 x 24 px too.
TARGET_SIZE_STYLE = """<style>
[data-testid="stDateInput"] [role="spinbutton"] {
  display: inline-flex; align-items: center; justify-content: center; min-width: 24px; min-height: 24px;
}
[data-testid="stMultiSelect"] [data-tag] button[aria-label^="Remove"] {
  display: inline-flex; align-items: center; justify-content: center; min-width: 24px; min-height: 24px;
  padding: 0; margin-left: 2px;
}
[data-testid="stMultiSelect"] button[aria-haspopup="listbox"] { min-height: 24px; }
.cpd-status-table { overflow-x: auto; max-width: 100%; }
.cpd-status-table:focus { outline: 2px solid currentColor; outline-offset: 2px; }
.cpd-status-table table { border-collapse: collapse; font-size: 0.875rem; }
.cpd-status-table th, .cpd-status-table td { border-bottom: 1px solid #d5d5d9; padding: 0.4rem 0.6rem; text-align: left;
  vertical-align: top; }
button[data-variant="pills"][aria-pressed="true"], button[data-variant="pills"][aria-pressed="true"] p { color: #8a1c28; }
</style>"""


def manager(title: str) -> Principal | None:
    """The signed-in manager (page title drawn), or None after telling everyone else what to do."""
    st.html(TARGET_SIZE_STYLE)
    st.title(title)
    who = staff.current()
    if not is_manager(who):
        st.info("This page is for a clinic's managers. Sign in with your manager account.")
        staff.same_tab_link(staff.sign_in_url(), "Sign in")
        return None
    assert who is not None
    st.text(f"{who.organisation_name}: signed in as {who.email}")  # names and addresses are data, never Markdown
    return who
