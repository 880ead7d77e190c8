"""Render one item as a form from its public view; return the learner's response on submit.

Each item type draws its own widgets in ``cpd/ui/item_forms/<type>.py`` (the same
name as its engine module in ``cpd/items/``), with ``HINT`` (the instruction under
the stem) and ``draw(view, key) -> response``. This module draws what every item
shares: the stem, the hint, the certainty question where the behaviour asks it,
and the submit button. Only ``PublicItem`` (no answer key) is used here, so
nothing in the browser or in the session state tells which option is right
before submission.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from types import ModuleType
from typing import Any

import streamlit as st

from cpd.behaviours.certainty import CERTAINTY_LABELS, STAKES
from cpd.presentation import PublicItem


@cache
def form_module(item_type: str) -> ModuleType:
    return import_module(f"cpd.ui.item_forms.{item_type}")


def _hint(hint: str, stem: str) -> str:
    """The instruction, less its first sentence when the stem already says it ("Select all that apply.")."""
    first, _, rest = hint.partition(". ")
    return rest if rest and first.lower() in stem.lower() else hint


def item_form(item: PublicItem, key: str) -> tuple[dict[str, Any], int | None] | None:
    """Show the item; returns (response, certainty) when the learner submits, else None."""
    form = form_module(item.type)
    with st.form(key=f"form-{key}", clear_on_submit=False, enter_to_submit=False):
        st.markdown(f"**{item.stem}**")
        st.caption(_hint(form.HINT, item.stem))
        response: dict[str, Any] = form.draw(item.view, key)
        certainty = None
        if item.asks_certainty:
            certainty = st.radio(
                f"How sure are you? {STAKES}",
                list(CERTAINTY_LABELS), index=None, horizontal=True,
                format_func=CERTAINTY_LABELS.__getitem__, key=f"{key}-certainty",
            )
        submitted = st.form_submit_button("Submit answer", type="primary")
    if not submitted:
        return None
    return response, certainty
