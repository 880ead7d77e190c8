"""Render one item as a form from its public view; return the learner's response on submit.

Only ``PublicItem`` (no answer key) is used here, so nothing in the browser or
in the session state tells which option is right before submission.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from cpd.presentation import PublicItem
from cpd.scoring import CERTAINTY_LABELS

HINTS = {
    "single_best": "Choose the single best answer.",
    "select_all": "Select all that apply. Each right choice earns a point; each wrong choice costs one.",
    "matrix": "Choose one answer for each row.",
    "rationale_pair": "Choose what you would do and why. The point is earned only when both are right.",
}


def item_form(item: PublicItem, key: str) -> tuple[dict[str, Any], int | None] | None:
    """Show the item; returns (response, certainty) when the learner submits, else None."""
    labels = {c.id: c.text for c in (*item.choices, *item.columns, *item.actions, *item.reasons)}
    with st.form(key=f"form-{key}", clear_on_submit=False, enter_to_submit=False):
        st.markdown(f"**{item.stem}**")
        st.caption(HINTS[item.type])
        response: dict[str, Any]
        if item.type == "single_best":
            choice = st.radio("Your answer", [c.id for c in item.choices], index=None,
                              format_func=labels.__getitem__, key=f"{key}-option")
            response = {"option": choice}
        elif item.type == "select_all":
            picked = [c.id for c in item.choices if st.checkbox(c.text, key=f"{key}-{c.id}")]
            response = {"options": picked}
        elif item.type == "matrix":
            rows = {}
            for row in item.choices:
                rows[row.id] = st.radio(row.text, [c.id for c in item.columns], index=None, horizontal=True,
                                        format_func=labels.__getitem__, key=f"{key}-{row.id}")
            response = {"rows": {k: v for k, v in rows.items() if v is not None}}
        else:
            action = st.radio(item.action_prompt, [c.id for c in item.actions], index=None,
                              format_func=labels.__getitem__, key=f"{key}-action")
            reason = st.radio(item.reason_prompt, [c.id for c in item.reasons], index=None,
                              format_func=labels.__getitem__, key=f"{key}-reason")
            response = {"action": action, "reason": reason}
        certainty = None
        if item.asks_certainty:
            certainty = st.radio(
                "How sure are you? Marks: not sure +1 / 0, fairly sure +2 / −2, very sure +3 / −6 (right / wrong).",
                list(CERTAINTY_LABELS), index=None, horizontal=True,
                format_func=CERTAINTY_LABELS.__getitem__, key=f"{key}-certainty",
            )
        submitted = st.form_submit_button("Submit answer", type="primary")
    if not submitted:
        return None
    return response, certainty
