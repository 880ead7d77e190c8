"""The end of an attempt: score, breakdowns, knowledge gain, reading, evaluation, retry."""

from __future__ import annotations

import streamlit as st

from cpd import attempts
from cpd.attempts import AttemptState
from cpd.completion import enough_time
from cpd.content.loader import LoadedModule
from cpd.presentation import feedback
from cpd.results import Breakdown, summarise
from cpd.ui import focus, resources
from cpd.ui.certificate_view import show_certificate
from cpd.ui.feedback_view import reference_markdown, show_feedback
from cpd.ui.session import remember

NBSP = "\u00a0"  # "85.7 %" never wraps between the number and its sign


def pct(value: float) -> str:
    return f"{value:g} %"


def cell_pct(value: float) -> str:
    """In a narrow table column: "85.7 %" on one line."""
    return f"{value:g}{NBSP}%"


def _table(rows: tuple[Breakdown, ...], heading: str) -> str:
    lines = [f"| {heading} | Points | Score |", "|---|---:|---:|"]
    lines += [f"| {r.label} | {r.points:g}{NBSP}/{NBSP}{r.max_points:g} | {cell_pct(r.percent)} |" for r in rows]
    return "\n".join(lines)


def minutes(seconds: float) -> str:
    m = round(seconds / 60)
    return "under a minute" if m < 1 else f"{m} minute{'s' if m != 1 else ''}"


def times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n} times"


def _objectives_line(objectives: tuple[str, ...] | list[str]) -> str:
    """Objectives are sentences: join them as sentences, never as ".;"."""
    return " ".join(o if o.rstrip().endswith((".", "?", "!")) else f"{o.rstrip()}." for o in objectives)


def show_results(loaded: LoadedModule, state: AttemptState) -> None:
    """Outcome first, then the step to the certificate (evaluation, or the certificate), details below."""
    r = summarise(loaded, state)
    st.header("Your results", anchor="your-results")
    st.text(f"Learner: {state.learner_name}")  # learner text: plain, never Markdown
    note = f" {r.grading_note}" if r.grading_note else ""
    if r.passed:
        st.success(f"Passed: {pct(r.percent)} against a pass mark of {pct(r.pass_mark)}.{note}",
                   icon=":material/workspace_premium:")
    else:
        st.error(f"Not passed yet: {pct(r.percent)} against a pass mark of {pct(r.pass_mark)}.{note}",
                 icon=":material/menu_book:")

    # One reading position per step: the results when they open, the certificate when it is issued.
    if state.phase == "evaluation":
        _evaluation(loaded, state)
        focus.move_to("your-results", nonce=f"results-{state.attempt_id}")
    else:
        st.success("Thank you: your evaluation and reflective note are saved in your CPD record.")
        if state.passed and not enough_time(loaded, state):
            st.warning(f"No certificate: this module issues one after at least "
                       f"{loaded.module.minimum_recorded_minutes} minutes of recorded active time, and this attempt "
                       f"recorded {minutes(state.active_seconds)}.")
        if not show_certificate(loaded, state):
            focus.move_to("your-results", nonce=f"results-{state.attempt_id}-done")

    st.subheader("Your scores")
    st.markdown(f"Active time recorded: **{minutes(state.active_seconds)}** (each question counts at most three "
                "times its estimated time).")
    c1, c2, c3 = st.columns(3)
    c1.metric("Score", pct(r.percent))
    c2.metric("Pass mark", pct(r.pass_mark))
    c3.metric("Knowledge gain", f"{r.knowledge_gain:+g} percentage points" if r.knowledge_gain is not None
              else "no pre-test")
    if r.pretest_percent is not None and r.posttest_percent is not None:
        st.caption(f"On the pre-test questions: {pct(r.pretest_percent)} before the cases, "
                   f"{pct(r.posttest_percent)} in the cases.")
    if r.cbm_average is not None:
        st.markdown(
            f"Certainty-based marking: average **{r.cbm_average:+.2f}** per question (−6 to +3). "
            + (f"You were very sure and wrong {times(r.overconfident)}: the overconfidence this module warns about."
               if r.overconfident else "You were never very sure and wrong.")
        )
    st.markdown("**By learning objective**")
    st.markdown(_table(r.by_objective, "Objective"))
    st.markdown("**By case**")
    st.markdown(_table(r.by_case, "Case"))
    if r.read_next:
        with st.expander(f"What to read next ({len(r.read_next)} sources behind the questions you missed)"):
            for rn in r.read_next:
                st.markdown(f"- {reference_markdown(rn.reference)}  \n  For: {_objectives_line(rn.objectives)}")
    # Always offered: with deferred feedback this is the feedback; otherwise a review of it.
    with st.expander("Feedback on every question"):
        answered = state.answered("cases")
        for item in loaded.items():
            st.markdown(f"**{item.stem}**")
            show_feedback(feedback(loaded, item, answered[item.id]))
    if state.phase != "evaluation":
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
                                                  state.attempt_id, public_url=resources.settings().public_url)
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


def _evaluation(loaded: LoadedModule, state: AttemptState) -> None:
    evaluation_form(loaded, state)


def evaluation_form(loaded: LoadedModule, state: AttemptState, *, ask_hours: bool = True) -> None:
    """The one evaluation form, for every delivery (a workshop's phones use it too, without the hours claim:
    a workshop's hours are set by its facilitator)."""
    st.subheader("Evaluation and reflection")
    if state.passed and ask_hours:
        st.info("Complete the evaluation to get your certificate: it is issued as soon as you submit it.",
                icon=":material/arrow_downward:")
    st.caption("Required for your CPD record" + (" and for your certificate" if state.passed and ask_hours else "")
               + ". Plain text only.")
    scale = [1, 2, 3, 4, 5]
    with st.form("evaluation", enter_to_submit=False):
        relevance = st.radio("How relevant was this module to your practice? (1 = not at all, 5 = very)", scale,
                             index=None, horizontal=True)
        balance = st.radio("Was it balanced: fair to the evidence on every side? (1 = not at all, 5 = fully)", scale,
                           index=None, horizontal=True)
        bias = st.radio("Did you notice commercial bias (a product or company promoted)?", ["No", "Yes"], index=None,
                        horizontal=True)
        change = st.text_area("What will you change in your practice?")
        comments = st.text_area("Comments on this activity (optional; read by the provider)")
        reflection = st.text_area("Reflective note for your CPD portfolio: what did you learn, and how will you use it? "
                                  "(private: only you see it)")
        maximum = loaded.module.cpd_hours
        hours = st.select_slider(
            f"CPD hours you claim (up to {maximum:g}): claim only what matches your participation",
            options=attempts.hours_choices(maximum), value=maximum, format_func=lambda h: f"{h:g} h",
        ) if ask_hours else None
        if ask_hours:
            st.caption(f"Active time recorded for this attempt: {minutes(state.active_seconds)}.")
        sent = st.form_submit_button("Submit evaluation", type="primary")
    if sent:
        try:
            new_state = attempts.submit_evaluation(resources.store(), state.attempt_id, relevance=relevance or 0,
                                                   balance=balance or 0, intended_change=change, reflection=reflection,
                                                   hours_claimed=hours, commercial_bias=None if bias is None else bias == "Yes",
                                                   comments=comments, bias_asked=True)
        except attempts.InvalidInput as exc:
            for msg in exc.messages:
                st.error(msg)
            return
        except attempts.AttemptError as exc:
            st.warning(str(exc))
            return
        remember(new_state)
        st.rerun()
