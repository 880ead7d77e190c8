"""What every item form shares: the stem, the hint, the certainty question and the submit button."""

from __future__ import annotations

from typing import Any

import streamlit as st

from cpd.behaviours.certainty import CERTAINTY_LABELS, STAKES
from cpd.presentation import PublicItem
from cpd.ui.item_forms import form_module


def _hint(hint: str, stem: str) -> str:
    """The instruction, less its first sentence when the stem already says it ("Select all that apply.")."""
    first, _, rest = hint.partition(". ")
    return rest if rest and first.lower() in stem.lower() else hint


def item_form(item: PublicItem, key: str, *, lead: str = "") -> tuple[dict[str, Any], int | None] | None:
    """Show the item; returns (response, certainty) when the learner submits, else None.

    ``lead``: Markdown drawn above the stem in the same element (a workshop phone's stage: each
    element is one more message to every phone when a question opens)."""
    form = form_module(item.type)
    with st.form(key=f"form-{key}", clear_on_submit=False, enter_to_submit=False):
        st.markdown(f"{lead}**{item.stem}**")
        st.caption(_hint(form.HINT, item.stem))
        response: dict[str, Any] = form.draw(item.view, key)
        certainty = None
        if item.asks_certainty:
            certainty = st.radio(
                f"How sure are you? {STAKES}",
                list(CERTAINTY_LABELS), index=None, horizontal=True,
                format_func=CERTAINTY_LABELS.__getitem__, key=f"{key}-certainty",
            )
            if item.certainty_note:
                st.caption(item.certainty_note)
        submitted = st.form_submit_button("Submit answer", type="primary")
    if not submitted:
        return None
    return response, certainty
