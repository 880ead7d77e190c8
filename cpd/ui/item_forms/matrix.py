"""Matrix: one horizontal radio group per row."""

from __future__ import annotations

from typing import Any

import streamlit as st

from cpd.items.matrix import MatrixView

HINT = "Choose one answer for each row."


def draw(view: MatrixView, key: str) -> dict[str, Any]:
    labels = {c.id: c.text for c in view.columns}
    rows = {
        row.id: st.radio(row.text, list(labels), index=None, horizontal=True, format_func=labels.__getitem__,
                         key=f"{key}-{row.id}")
        for row in view.rows
    }
    return {"rows": {k: v for k, v in rows.items() if v is not None}}


def widgets(response: dict[str, Any]) -> dict[str, object]:
    """The widget values (by key suffix) that give this response: for page tests and scripted runs."""
    return dict(response["rows"])
