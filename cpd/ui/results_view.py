"""The end of an attempt: score, breakdowns, knowledge gain, reading, evaluation, retry."""

from __future__ import annotations

import streamlit as st

from cpd import attempts
from cpd.attempts import AttemptState
from cpd.content.loader import LoadedModule
from cpd.presentation import feedback
from cpd.results import Breakdown, summarise
from cpd.ui import resources
from cpd.ui.certificate_view import show_certificate
from cpd.ui.feedback_view import reference_markdown, show_feedback
from cpd.ui.session import remember


def _table(rows: tuple[Breakdown, ...], heading: str) -> str:
    lines = [f"| {heading} | Points | Score |", "|---|---:|---:|"]
    lines += [f"| {r.label} | {r.points:g} / {r.max_points:g} | {r.percent:g} % |" for r in rows]
    return "\n".join(lines)


def show_results(loaded: LoadedModule, state: AttemptState) -> None:
    r = summarise(loaded, state)
    st.header("Your results")
    st.text(f"Learner: {state.learner_name}")  # learner text: plain, never Markdown
    c1, c2, c3 = st.columns(3)
    c1.metric("Score", f"{r.percent:g} %")
    c2.metric("Pass mark", f"{r.pass_mark:g} %")
    c3.metric("Knowledge gain", f"{r.knowledge_gain:+g} points" if r.knowledge_gain is not None else "no pre-test")
    note = f" {r.grading_note}" if r.grading_note else ""
    if r.passed:
        st.success(f"Passed: {r.percent:g} % against a pass mark of {r.pass_mark:g} %.{note}",
                   icon=":material/workspace_premium:")
    else:
        st.error(f"Not passed yet: {r.percent:g} % against a pass mark of {r.pass_mark:g} %.{note}",
                 icon=":material/menu_book:")
    if r.pretest_percent is not None:
        st.caption(f"On the pre-test questions: {r.pretest_percent:g} % before the cases, {r.posttest_percent:g} % in the cases.")
    if r.cbm_average is not None:
        st.markdown(
            f"Certainty-based marking: average **{r.cbm_average:+.2f}** per question (−6 to +3). "
            + (f"You were very sure and wrong {r.overconfident} time(s): the overconfidence this module warns about."
               if r.overconfident else "You were never very sure and wrong.")
        )
    st.subheader("By learning objective")
    st.markdown(_table(r.by_objective, "Objective"))
    st.subheader("By case")
    st.markdown(_table(r.by_case, "Case"))
    if r.read_next:
        st.subheader("What to read next")
        st.caption("The sources behind the questions you missed.")
        for rn in r.read_next:
            st.markdown(f"- {reference_markdown(rn.reference)}  \n  For: {'; '.join(rn.objectives)}")
    # Always offered: with deferred feedback this is the feedback; otherwise a review of it.
    with st.expander("Feedback on every question"):
        answered = state.answered("cases")
        for item in loaded.items():
            st.markdown(f"**{item.stem}**")
            show_feedback(feedback(loaded, item, answered[item.id]))

    if state.phase == "evaluation":
        _evaluation(state)
    else:
        st.success("Thank you: your evaluation and reflective note are saved in your CPD record.")
        show_certificate(loaded, state)
        ev = attempts.load_evaluation(resources.store(), state.attempt_id)
        if ev is not None:
            with st.expander("Your reflective note (for your CPD portfolio)"):
                st.text(ev.reflection)
                st.caption("Intended change in practice:")
                st.text(ev.intended_change)
    _your_data(state)
    if not r.passed:
        st.subheader("Try again")
        st.caption("A new attempt, with the options in a new order. This attempt stays on your record.")
        if st.button("Start a new attempt", type="primary" if state.phase == "done" else "secondary"):
            try:
                token, new_state = attempts.retry(resources.store(), resources.current_module() or loaded,
                                                  state.attempt_id)
            except attempts.AttemptError as exc:  # e.g. already retried from another tab
                st.warning(str(exc))
                return
            remember(new_state, token)
            st.rerun()


def _your_data(state: AttemptState) -> None:
    """Learners' right of access: everything held about them, as JSON (cpd.privacy)."""
    from cpd import privacy

    learner_id = privacy.learner_of_attempt(resources.store(), state.attempt_id)
    if learner_id is not None:
        st.download_button("Download your data (JSON)", data=lambda: privacy.export_json(resources.store(), learner_id),
                           file_name="my-cpd-data.json", mime="application/json", on_click="ignore", key="your-data")


def _evaluation(state: AttemptState) -> None:
    st.subheader("Evaluation and reflection")
    st.caption("Required for your CPD record" + (" and for your certificate" if state.passed else "") + ". Plain text only.")
    scale = [1, 2, 3, 4, 5]
    with st.form("evaluation", enter_to_submit=False):
        relevance = st.radio("How relevant was this module to your practice? (1 = not at all, 5 = very)", scale,
                             index=None, horizontal=True)
        balance = st.radio("Was it balanced and free of commercial bias? (1 = not at all, 5 = fully)", scale,
                           index=None, horizontal=True)
        change = st.text_area("What will you change in your practice?")
        reflection = st.text_area("Reflective note for your CPD portfolio: what did you learn, and how will you use it?",
                                  )
        sent = st.form_submit_button("Submit evaluation", type="primary")
    if sent:
        try:
            new_state = attempts.submit_evaluation(resources.store(), state.attempt_id, relevance=relevance or 0,
                                                   balance=balance or 0, intended_change=change, reflection=reflection)
        except attempts.InvalidInput as exc:
            for msg in exc.messages:
                st.error(msg)
            return
        except attempts.AttemptError as exc:
            st.warning(str(exc))
            return
        remember(new_state)
        st.rerun()
