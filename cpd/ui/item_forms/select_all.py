"""Select all that apply: one checkbox per option."""

from __future__ import annotations

from typing import Any

import streamlit as st

from cpd.items.base import OptionsView

HINT = "Select all that apply. Each right choice earns a point; each wrong choice costs one."


def draw(view: OptionsView, key: str) -> dict[str, Any]:
    return {"options": [c.id for c in view.choices if st.checkbox(c.text, key=f"{key}-{c.id}")]}


def widgets(response: dict[str, Any]) -> dict[str, object]:
    """The widget values (by key suffix) that give this response: for page tests and scripted runs."""
    return {option: True for option in response["options"]}
