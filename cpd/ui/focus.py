"""Where each step starts reading: the new heading is scrolled to and focused (announced).

Streamlit has no scroll or focus API, and after "Continue" a page keeps its old scroll
position, so on a phone the new stage or the verdict opened off-screen. A tiny component
(``focus_component/``: an HTML file and a script file, served from the app's origin, so
the Content-Security-Policy needs no exception) moves the reading position once per step:
``nonce`` names the step, and the same step drawn again (any rerun) does not move it again.

``style()`` sets the phone layout the learner pages need: 44 px tap targets for radios and
checkboxes, a title that does not fill the first screen, and room under the sticky header
for a heading scrolled to the top.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import streamlit as st
import streamlit.components.v1 as components

_component = components.declare_component("reading_position", path=str(Path(__file__).parent / "focus_component"))

STYLE = """<style>
[data-testid="stRadioOption"], [data-testid="stCheckbox"] label { min-height: 44px; align-items: center; }
[data-testid="stRadio"] [role="radiogroup"] { column-gap: 1rem; }
[data-testid="stMain"] h1, [data-testid="stMain"] h2, [data-testid="stMain"] h3 { scroll-margin-top: 4.5rem; }
[data-testid="stMain"] [tabindex="-1"]:focus { outline: 2px solid currentColor; outline-offset: 2px; }
@media (max-width: 640px) {
  [data-testid="stMain"] h1 { font-size: 1.5rem; line-height: 1.25; padding-bottom: 0.25rem; }
  [data-testid="stMain"] h2 { font-size: 1.35rem; }
}
</style>"""


def style() -> None:
    st.html(STYLE)


def move_to(anchor: str, *, nonce: str) -> None:
    """Scroll to and focus the element with id ``anchor`` once for this ``nonce``."""
    _component(target=anchor, nonce=nonce, key=f"reading-position-{anchor}", default=None)


def heading(text: str, *, anchor: str, nonce: str, level: Literal[1, 2, 3] = 2) -> None:
    """A heading that becomes the reading position of a new step."""
    draw = {1: st.title, 2: st.header, 3: st.subheader}[level]
    draw(text, anchor=anchor)
    move_to(anchor, nonce=nonce)
