"""The only learner state a Streamlit session keeps: the attempt (no answer key) and its token."""

from __future__ import annotations

import streamlit as st

from cpd import attempts
from cpd.attempts import AttemptState, InvalidToken
from cpd.ui import resources

STATE, TOKEN, SHOWN = "attempt", "token", "feedback_for"


def remember(state: AttemptState, token: str | None = None) -> None:
    """Keep the newest state; a new token also goes into the URL so a refresh resumes."""
    st.session_state[STATE] = state
    if token:
        st.session_state[TOKEN] = token
        st.query_params["t"] = token


def current_state() -> AttemptState | None:
    """The attempt of this session, resumed from the URL token when the session is new."""
    from cpd.ui.onboarding_link import state_from_link  # a clinic's personal link (?assignment=)

    handled, state, new_token = state_from_link()
    if handled:
        forget()
        if state is not None:
            st.session_state[STATE] = state
            if new_token:
                remember(state, new_token)
            else:
                st.query_params.pop("t", None)
        return state
    token = st.query_params.get("t")
    if token and st.session_state.get(TOKEN) != token:
        try:
            state = attempts.resume(resources.store(), token)
        except InvalidToken as exc:
            st.error(str(exc))
            forget()
            return None
        st.session_state[TOKEN] = token
        st.session_state[STATE] = state
    return st.session_state.get(STATE)


def forget() -> None:
    for key in (STATE, TOKEN, SHOWN):
        st.session_state.pop(key, None)


def current_token() -> str | None:
    return st.session_state.get(TOKEN)
