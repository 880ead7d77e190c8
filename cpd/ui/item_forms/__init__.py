"""Render one item as a form from its public view; return the learner's response on submit.

Each item type draws its own widgets in ``cpd/ui/item_forms/<type>.py`` (the same
name as its engine module in ``cpd/items/``), with ``HINT`` (the instruction under
the stem) and ``draw(view, key) -> response``. ``form.py`` draws what every item
shares: the stem, the hint, the certainty question where the behaviour asks it,
and the submit button. Only ``PublicItem`` (no answer key) is used here, so
nothing in the browser or in the session state tells which option is right
before submission.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from types import ModuleType


@cache
def form_module(item_type: str) -> ModuleType:
    """The page module that draws one item type (importing this package does not import Streamlit)."""
    return import_module(f"cpd.ui.item_forms.{item_type}")
