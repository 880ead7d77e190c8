"""Rationale pair: an action and a reason, one radio group each."""

from __future__ import annotations

from typing import Any

import streamlit as st

from cpd.items.rationale_pair import PairView

HINT = "Choose what you would do and why. The point is earned only when both are right."


def draw(view: PairView, key: str) -> dict[str, Any]:
    actions = {c.id: c.text for c in view.actions}
    reasons = {c.id: c.text for c in view.reasons}
    action = st.radio(view.action_prompt, list(actions), index=None, format_func=actions.__getitem__, key=f"{key}-action")
    reason = st.radio(view.reason_prompt, list(reasons), index=None, format_func=reasons.__getitem__, key=f"{key}-reason")
    return {"action": action, "reason": reason}


def widgets(response: dict[str, Any]) -> dict[str, object]:
    """The widget values (by key suffix) that give this response: for page tests and scripted runs."""
    return {part: response[part] for part in ("action", "reason") if response.get(part) is not None}
