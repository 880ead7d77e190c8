"""The only learner state a Streamlit session keeps: the attempt (no answer key) and its token."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.exc import OperationalError

from cpd import attempts
from cpd.attempts import AttemptState, InvalidToken
from cpd.ui import resources

STATE, TOKEN, SHOWN, NOTICE = "attempt", "token", "feedback_for", "notice"


def remember(state: AttemptState, token: str | None = None) -> None:
    """Keep the newest state; a new token also goes into the URL so a refresh resumes."""
    st.session_state[STATE] = state
    if token:
        st.session_state[TOKEN] = token
        st.query_params["t"] = token


def current_state() -> AttemptState | None:
    """The attempt of this session, resumed from the URL token when the session is new.

    Read again from the database on every run, so a second tab on the same attempt catches
    up with what the first one answered instead of showing a stale form.
    """
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
        _reopen_last_feedback(state)
        return state
    cached: AttemptState | None = st.session_state.get(STATE)
    if cached is not None and not st.session_state.get(SHOWN):
        try:
            fresh = attempts.load_state(resources.store(), cached.attempt_id)
        except OperationalError:  # the database is away for a moment: keep what we have; saving retries and says so
            return cached
        if (len(fresh.answers), fresh.phase) != (len(cached.answers), cached.phase):
            notice("Your attempt moved on in another tab or window. Here is where your attempt is now.")
        st.session_state[STATE] = cached = fresh
    return cached


def _reopen_last_feedback(state: AttemptState) -> None:
    """A browser closed on a feedback screen: the resumed attempt shows that feedback again, never skips it."""
    if not state.finished and state.feedback_pending and state.feedback_pending in state.answered("cases"):
        st.session_state[SHOWN] = state.feedback_pending


def notice(message: str) -> None:
    """A message for the next run (kept across ``st.rerun``), shown once at the top of the page."""
    st.session_state[NOTICE] = message


def pop_notice() -> str | None:
    return st.session_state.pop(NOTICE, None)


def forget() -> None:
    for key in (STATE, TOKEN, SHOWN, NOTICE):
        st.session_state.pop(key, None)


def current_token() -> str | None:
    return st.session_state.get(TOKEN)
