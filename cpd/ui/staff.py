"""Who is signed in, from the HttpOnly session cookie the sign-in route set (pages only read it)."""

from __future__ import annotations

import time
from html import escape

import streamlit as st

from cpd.accounts.directory import Principal
from cpd.accounts.signin import session_principal
from cpd.ui import resources
from cpd.web.auth import COOKIE, SIGN_IN, SIGN_OUT

TOUCH_EVERY = 300.0  # seconds: how often a page moves the session's idle clock (a write)
_TOUCHED = "staff_touched"


def cookie_token() -> str | None:
    """The session cookie sent when this browser tab connected (a reload picks up a new one)."""
    return st.context.cookies.get(COOKIE)


def current() -> Principal | None:
    """The signed-in person, checked against the database on every run, so a sign-out elsewhere counts at once.

    Learners carry no cookie and cost nothing here.
    """
    token = cookie_token()
    if not token:
        return None
    last = st.session_state.get(_TOUCHED)
    touch = last is None or last[0] != token or time.monotonic() - last[1] > TOUCH_EVERY
    who = session_principal(resources.store(), token, touch=touch)
    if touch and who is not None:
        st.session_state[_TOUCHED] = (token, time.monotonic())
    return who


def same_tab_link(url: str, text: str, *, sidebar: bool = False) -> None:
    """A plain link that opens in this tab (Streamlit's link buttons and Markdown links open a new one).

    Only for our own fixed paths; both values are escaped anyway.
    """
    (st.sidebar if sidebar else st).html(f'<a href="{escape(url, quote=True)}">{escape(text)}</a>')


def sign_in_url(next_path: str = "/admin") -> str:
    return f"{SIGN_IN}?next={next_path}"


def sign_out_url() -> str:
    return SIGN_OUT
