"""Single best answer: one radio group."""

from __future__ import annotations

from typing import Any

import streamlit as st

from cpd.items.base import OptionsView

HINT = "Choose the single best answer."


def draw(view: OptionsView, key: str) -> dict[str, Any]:
    labels = {c.id: c.text for c in view.choices}
    choice = st.radio("Your answer", list(labels), index=None, format_func=labels.__getitem__, key=f"{key}-option")
    return {"option": choice}


def widgets(response: dict[str, Any]) -> dict[str, object]:
    """The widget values (by key suffix) that give this response: for page tests and scripted runs."""
    return {"option": response["option"]}
