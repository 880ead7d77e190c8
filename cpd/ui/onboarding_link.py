"""The learner side of a clinic's personal link (``?assignment=<token>``): open or resume that person's attempt."""

from __future__ import annotations

import streamlit as st

from cpd.attempts import AttemptState, InvalidToken
from cpd.onboarding import assignments
from cpd.ui import resources

OPENED = "assignment_opened"


def state_from_link() -> tuple[bool, AttemptState | None, str | None]:
    """(handled, state, new resume token) for this run; handled is False when the URL has no new personal link."""
    token = st.query_params.get("assignment")
    if not token or st.session_state.get(OPENED) == token:
        return False, None, None
    st.session_state[OPENED] = token
    try:
        state, resume = assignments.open_link(resources.store(), token, resources.module)
    except InvalidToken as exc:
        st.error(str(exc))
        return True, None, None
    return True, state, resume
