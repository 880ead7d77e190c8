"""The self-paced learner journey: start, pre-test, cases, results, evaluation.

The page keeps only the attempt's state (no answer key) in the session; every
answer goes to the database at once, and the resume token in the URL brings a
learner back after a closed tab, a refresh or a server restart.
"""

from __future__ import annotations

import base64
import time

import streamlit as st
from sqlalchemy.exc import OperationalError

from cpd import attempts
from cpd.attempts import AttemptError, AttemptState
from cpd.behaviours.grading import start_page_note
from cpd.certificates.qr import qr_svg
from cpd.content.loader import LoadedModule
from cpd.learners import PROFESSIONS
from cpd.presentation import feedback, public_item
from cpd.ui import focus, resources
from cpd.ui.feedback_view import reference_markdown, show_feedback
from cpd.ui.item_forms.form import item_form
from cpd.ui.results_view import show_results
from cpd.ui.session import SHOWN, current_state, current_token, notice, pop_notice, remember

READ_ONLY = ("This attempt is finished: your results and certificate are shown read-only; "
             "nothing in it can be changed.")


def resume_link(token: str) -> str:
    return attempts.resume_url(resources.settings().public_url, token)


def page() -> None:
    focus.style()
    state = current_state()
    if state is None:
        loaded = resources.current_module()
        if loaded is None:
            st.error("The module is not available right now: its content did not validate. "
                      "An administrator can run `python -m cpd validate` to see why.")
            return
        _start(loaded)
        return
    loaded = resources.module_of(state.content_hash)
    st.title(loaded.module.title, anchor="module-title")
    _resume_box(expanded=not state.answers)  # open until the first answer: save it now
    if (message := pop_notice()) is not None:
        st.info(message, icon=":material/sync:")
    if state.finished:  # its link opens it read-only: results and certificate, no form that writes to it
        st.session_state.pop(SHOWN, None)
        st.info(READ_ONLY, icon=":material/lock:")
        show_results(loaded, state)
    elif st.session_state.get(SHOWN):
        _after_answer(loaded, state, st.session_state[SHOWN])
    elif state.phase == "pretest":
        _pretest(loaded, state)
    elif state.phase == "cases":
        _cases(loaded, state)
    else:
        show_results(loaded, state)


def _resume_box(*, expanded: bool) -> None:
    token = current_token()
    if token:
        with st.expander("Your resume link (keep it private: it opens your attempt)", expanded=expanded):
            link = resume_link(token)
            st.code(link, language=None, wrap_lines=True)  # wrapped: never cut off in a sideways scroll on a phone
            st.caption("We have also e-mailed it to you. Open it to come back exactly where you are, on any device. "
                       "The copy button is at the right of the link; on a phone, scan the code below from another device.")
            svg = base64.b64encode(qr_svg(link).encode()).decode()
            st.html(f'<img src="data:image/svg+xml;base64,{svg}" width="160" height="160" '
                    'alt="QR code of your resume link" style="background:#fff;padding:8px">')


START_ERRORS = "start_errors"


def _field_error(problems: dict[str, str], field: str) -> None:
    if field in problems:
        st.error(problems[field], icon=":material/error:")


def _start(loaded: LoadedModule) -> None:
    m = loaded.module
    st.title(m.title)
    st.markdown(m.summary)
    covers = f" · Regulation covered as of that date: {', '.join(m.jurisdictions)}" if m.jurisdictions else ""
    st.caption(f"Content last reviewed {m.last_review_date:%d %B %Y}{covers}")
    c1, c2, c3 = st.columns(3)
    c1.metric("CPD hours", f"{m.cpd_hours:g}")
    c2.metric("Time it takes", f"about {m.estimated_minutes} min")
    c3.metric("Pass mark", f"{m.pass_mark:g} %")
    st.markdown(f"**For:** {m.audience}")
    st.subheader("Learning objectives")
    st.markdown("\n".join(f"{i}. {o.text}" for i, o in enumerate(m.objectives, 1)))
    st.caption(
        f"{len(loaded.cases)} case scenarios, {len(loaded.items())} questions, each scored against the evidence. "
        + start_page_note(m.delivery.grading, m.delivery.certainty_based_marking)
        + f"Certificate valid for {m.recertification_months} months. "
        + f"At the end you claim the CPD hours that match your participation, up to {m.cpd_hours:g}; "
          "the certificate states them beside the active time recorded."
        + (f" A certificate needs at least {m.minimum_recorded_minutes} minutes of recorded active time."
           if m.minimum_recorded_minutes else "")
    )
    with st.expander(f"References ({len(m.references)}) and the strength of their evidence"):
        for ref in m.references:
            st.markdown(f"- {reference_markdown(ref)}")
    with st.expander("Accreditation, faculty and disclosures"):
        a = m.accreditation
        st.markdown(f"**Provider:** {a.provider}\n\n{a.accreditation_statement}")
        for f in a.faculty:
            st.markdown(f"- **{f.name}**, {f.role}. Disclosures: {f.disclosures}")
        st.markdown(f"{a.mitigation_statement}\n\n**Commercial support:** {a.commercial_support}")
        st.caption(f"Released {m.release_date:%d %B %Y}; last reviewed {m.last_review_date:%d %B %Y}; "
                   f"valid for credit until {m.termination_date:%d %B %Y}. Version {m.version}.")

    st.subheader("Start the module")
    st.markdown("Started before? [Find my attempts and certificates](my-attempts): we e-mail you a link to them.")
    st.markdown("The [privacy notice](privacy) says who holds your details, what is public and how long they are kept.")
    problems: dict[str, str] = st.session_state.get(START_ERRORS, {})
    with st.form("start", enter_to_submit=False):
        _field_error(problems, "")
        name = st.text_input("Full name, as it should appear on your certificate")
        _field_error(problems, "name")
        email = st.text_input("E-mail")
        _field_error(problems, "email")
        # required: no clear button, which would take the Tab after the choice and swallow a typed space
        profession = st.selectbox("Profession", PROFESSIONS, index=None, placeholder="Choose your profession",
                                  required=True)
        _field_error(problems, "profession")
        registration = st.text_input("Professional registration number (optional)")
        _field_error(problems, "registration_number")
        pretest = False
        if m.pretest:
            pretest = st.checkbox(
                f"Take a short pre-test first ({len(m.pretest)} questions, not counted) to see what you gain",
                value=True,
            )
        st.caption("Your name, e-mail, profession and registration number are kept only to record your "
                   "progress and to issue and verify your certificate; they are not shared or used for marketing.")
        go = st.form_submit_button("Start the module", type="primary")
    if go:
        try:
            token, state = attempts.start_attempt(
                resources.store(), loaded,
                {"name": name, "email": email, "profession": profession or "", "registration_number": registration},
                pretest=pretest, public_url=resources.settings().public_url,
            )
        except attempts.InvalidInput as exc:
            st.session_state[START_ERRORS] = exc.by_field()  # drawn under each field by the next run
            st.rerun()
        st.session_state.pop(START_ERRORS, None)
        remember(state, token)
        st.rerun()


def _progress(loaded: LoadedModule, state: AttemptState, phase: str) -> None:
    seq = attempts.item_sequence(loaded, phase)
    done = len(state.answered(phase))
    if phase == "pretest":
        st.progress(done / len(seq), text=f"Pre-test (not counted): {done} of {len(seq)} answered")
        return
    answered = state.answered("cases")
    cases_done = sum(all(i.id in answered for i in c.items()) for c in loaded.cases)
    st.progress(done / len(seq), text=f"Cases done: {cases_done} of {len(loaded.cases)} · questions answered: {done} of {len(seq)}")


def _reading_start(state: AttemptState, anchor: str) -> str:
    """Just started (no answer yet): the top of the page, where the resume link is; else ``anchor``."""
    return "module-title" if not state.answers else anchor


def _pretest(loaded: LoadedModule, state: AttemptState) -> None:
    item_id = attempts.next_item(loaded, state)
    assert item_id is not None  # the pre-test phase ends with its last answer
    st.header("Pre-test", anchor="pretest")
    focus.move_to(_reading_start(state, "pretest"), nonce=f"{state.attempt_id}-pre-{item_id}")
    st.caption("A few questions before the cases, not counted in your score, so the end can show what you gained. "
               "No feedback now: you will meet these questions again in the cases.")
    _progress(loaded, state, "pretest")
    if st.button("Skip the pre-test"):
        remember(attempts.skip_pretest(resources.store(), state.attempt_id))
        st.rerun()
    slot = st.empty()
    if _ask(loaded, state, item_id, slot) is not None:
        st.rerun()  # the next pre-test question (no feedback to show in between)


def _cases(loaded: LoadedModule, state: AttemptState) -> None:
    """One run per submitted answer: the feedback replaces the form in the same run, no st.rerun."""
    item_id = attempts.next_item(loaded, state)
    assert item_id is not None  # the cases phase ends with its last answer
    progress = st.empty()
    with progress:
        _progress(loaded, state, "cases")
    case, stage = next((c, s) for c in loaded.cases for s in c.stages if any(i.id == item_id for i in s.items))
    # The reading position: a new case starts at its title, any other question at its stage.
    first_of_case = case.stages[0] is stage and stage.items[0].id == item_id
    st.header(case.title, anchor="case")
    st.subheader(stage.title, anchor="stage")
    focus.move_to(_reading_start(state, "case" if first_of_case else "stage"), nonce=f"{state.attempt_id}-{item_id}")
    st.markdown(stage.narrative)
    slot = st.empty()
    immediate = attempts.behaviour_of(loaded).feedback_after_answer(state.phase)
    new_state = _ask(loaded, state, item_id, slot, feedback_next=immediate)
    if new_state is None:
        return
    if not immediate:
        st.rerun()  # deferred feedback: straight on to the next question
    with progress:
        _progress(loaded, new_state, "cases")
    with slot.container():
        _feedback_and_continue(loaded, new_state, item_id)


def _ask(loaded: LoadedModule, state: AttemptState, item_id: str, slot, *,  # noqa: ANN001 - st.empty
         feedback_next: bool = False) -> AttemptState | None:
    """Show the item in ``slot``; on a valid submission store it, clear the slot and return the new state."""
    item = loaded.item(item_id)
    with slot.container():
        submitted = item_form(public_item(loaded, item, state.shuffle_seed),
                              key=f"{state.attempt_id[:8]}-{state.phase}-{item_id}")
    if submitted is None:
        return None
    response, certainty = submitted
    saving_notice = st.empty()
    try:
        _, new_state = _saving(saving_notice, lambda: attempts.submit_answer(
            resources.store(), loaded, state.attempt_id, item_id, response, certainty))
    except OperationalError:
        saving_notice.error("Could not save your answer: the database is not answering. Your choices are still in the "
                            "form; press Submit again in a minute. Nothing you saved before is lost.")
        return None
    except attempts.InvalidInput as exc:
        for msg in exc.messages:
            st.error(msg[0].upper() + msg[1:] + ".")
        return None
    except AttemptError as exc:  # e.g. answered meanwhile in another tab: catch up with the attempt
        notice(f"{exc} Here is where your attempt is now.")
        remember(attempts.load_state(resources.store(), state.attempt_id))
        st.rerun()
    saving_notice.empty()
    remember(new_state)
    if feedback_next:  # before any further st.* call: an interrupted run must still show this feedback
        st.session_state[SHOWN] = item_id
    slot.empty()
    return new_state


SAVE_RETRY_PAUSES = (0.5, 1.0, 2.0, 4.0)  # seconds: a database restart or fail-over of a few seconds is ridden out


def _saving(saving_notice, save):  # noqa: ANN001, ANN202 - st.empty and the engine call
    """Run ``save``; while the database is unreachable, say so and retry (an answer is stored once: unique key)."""
    for pause in SAVE_RETRY_PAUSES:
        try:
            return save()
        except OperationalError:
            saving_notice.warning("Could not save your answer just now: the database did not answer. Retrying…")
            time.sleep(pause)
    return save()


def _close_feedback(attempt_id: str, item_id: str) -> None:
    st.session_state.pop(SHOWN, None)
    attempts.close_feedback(resources.store(), attempt_id, item_id)


def _after_answer(loaded: LoadedModule, state: AttemptState, item_id: str) -> None:
    """Feedback still open on a later rerun (e.g. after opening the resume link expander)."""
    _progress(loaded, state, "cases")
    _feedback_and_continue(loaded, state, item_id)


def _feedback_and_continue(loaded: LoadedModule, state: AttemptState, item_id: str) -> None:
    answer = state.answered("cases")[item_id]
    item = loaded.item(item_id)
    focus.heading("Feedback on your answer", anchor="verdict", nonce=f"{state.attempt_id}-fb-{item_id}", level=3)
    st.markdown(f"**{item.stem}**")
    show_feedback(feedback(loaded, item, answer))
    label = "Continue" if attempts.next_item(loaded, state) is not None else "See your results"
    # The callback closes the feedback before the next run, so that run draws the next question at once.
    st.button(label, type="primary", on_click=_close_feedback, args=(state.attempt_id, item_id),
              key=f"continue-{item_id}")
