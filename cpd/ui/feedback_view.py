"""Feedback after an answer: right or wrong, points, each rationale, and the evidence with its source."""

from __future__ import annotations

import streamlit as st

from cpd.behaviours.certainty import CERTAINTY_LABELS
from cpd.content.models import Reference
from cpd.presentation import Feedback


def reference_markdown(ref: Reference) -> str:
    """Our own content (trusted), with the strength of the evidence stated beside it."""
    locator = f"[doi:{ref.doi}]({ref.link})" if ref.doi else f"[{ref.link}]({ref.link})"
    return f"{ref.authors} ({ref.year}). *{ref.title}*. {ref.journal}. {locator} — evidence: **{ref.strength.label}**"


def show_feedback(fb: Feedback, *, compact: bool = False) -> None:
    """``compact``: the verdict, then everything else as one Markdown element (a workshop phone: the whole room
    redraws at the reveal, and every element is one more message to every phone)."""
    pts = f"{fb.points:g} of {fb.max_points:g} point{'s' if fb.max_points != 1 else ''}"
    if fb.correct:
        st.success(f"Right: {pts}.", icon=":material/check_circle:")
    elif fb.points > 0:
        st.warning(f"Partly right: {pts}.", icon=":material/rule:")
    else:
        st.error(f"Not right: {pts}.", icon=":material/cancel:")
    blocks: list[str] = []
    show = blocks.append if compact else st.markdown
    if fb.cbm_marks is not None and fb.certainty is not None:
        show(f"Certainty: {CERTAINTY_LABELS[fb.certainty]} → certainty-based mark **{fb.cbm_marks:+.3g}**.")
    for part in fb.parts:
        if part.chosen is not None:  # a part answered by a choice of its own (a matrix row)
            verdict = "✔ Right:" if part.is_correct else "✘ Not right:"
            line = f"{verdict} **{part.text}** — you chose *{part.chosen}*"
            if not part.is_correct:
                line += f"; the answer is *{part.right}*"
        else:
            if part.was_chosen and part.is_correct:
                verdict = "✔ You chose this, and it is right"
            elif part.was_chosen:
                verdict = "✘ You chose this"
            else:
                verdict = "➜ The right answer"
            line = f"{verdict}: **{part.text}**"
        show(f"{line}  \n{part.rationale}")
    if fb.general:
        if compact:
            blocks.append(f"> {fb.general}")
        else:
            st.info(fb.general)
    if fb.references:
        if compact:
            blocks.append("**Evidence**\n\n" + "\n".join(f"- {reference_markdown(ref)}" for ref in fb.references))
        else:
            st.markdown("**Evidence**")
            for ref in fb.references:
                st.markdown(f"- {reference_markdown(ref)}")
    if blocks:
        st.markdown("\n\n".join(blocks))
