"""True or false: one horizontal radio group."""

from __future__ import annotations

from typing import Any

import streamlit as st

from cpd.items.true_false import TrueFalseView

HINT = "Is this statement true or false?"


def draw(view: TrueFalseView, key: str) -> dict[str, Any]:
    labels = {"true": "True", "false": "False"}
    return {"answer": st.radio("Your answer", list(labels), index=None, horizontal=True,
                               format_func=labels.__getitem__, key=f"{key}-answer")}


def widgets(response: dict[str, Any]) -> dict[str, object]:
    """The widget values (by key suffix) that give this response: for page tests and scripted runs."""
    return {"answer": response["answer"]}
