"""A participant's phone: join with the code, wait, answer while a question is open, see the reveal.

The seat comes back after a reload, a sleep or a server restart from the device
token in the URL (``?w=``); on another phone, from the code, the name and the
personal number shown at join. The page never shows counts, other people's
answers or the key before the facilitator reveals. Only its room area (an
``st.fragment``: the question, the waiting screen, the feedback) redraws, and only
when the room's version changes (``workshop_common.follow_room``); joins and
answers do not move that version, so they redraw no phone. An answer click reruns
the area alone and writes one answer. ``?k=`` opens the projector view of the
workshop whose unguessable projector link it is.

In a self-paced workshop each participant goes at their own pace with the module's
feedback behaviour, as on the learn page: immediate feedback after each item (then
Continue), deferred feedback all at the end; it is derived from the stored attempt,
so it survives a reload.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import streamlit as st
from sqlalchemy.orm import Session, sessionmaker
from streamlit.errors import StreamlitAPIException

from cpd import attempts
from cpd.content.loader import LoadedModule
from cpd.learners import PROFESSIONS
from cpd.presentation import PublicItem, feedback, public_item
from cpd.ui import resources
from cpd.ui.feedback_view import show_feedback
from cpd.ui.item_forms.form import item_form
from cpd.ui.workshop_common import follow_room, projector, stage_of
from cpd.workshops import poll, room
from cpd.workshops.room import Room, Seat, WorkshopError

SEAT, NUMBER, TOKEN, MINE = "ws_seat", "ws_number", "ws_token", "ws_mine"


def _client() -> str:
    ip = st.context.ip_address  # None (or nothing usable) outside a real browser connection
    return ip if isinstance(ip, str) and ip else "unknown"


def current_seat() -> Seat | None:
    token = st.query_params.get("w")
    seat: Seat | None = st.session_state.get(SEAT)
    if token and st.session_state.get(TOKEN) != token:
        seat = room.rejoin_by_device(resources.store(), token)
        if seat is None:
            st.warning("This seat link is no longer valid. Join again with the code on the screen.")
            del st.query_params["w"]
        st.session_state[SEAT], st.session_state[TOKEN] = seat, token
    return seat


def _sit(seat: Seat) -> None:
    st.session_state[SEAT] = seat
    if seat.device_token:
        st.session_state[TOKEN] = seat.device_token
        st.query_params["w"] = seat.device_token
    if seat.personal_number:
        st.session_state[NUMBER] = seat.personal_number


def page() -> None:
    key = st.query_params.get("k")
    if key:
        _projector(key)
        return
    seat = current_seat()
    if seat is None:
        _join()
        return
    store = resources.store()
    r = poll.fresh_room(store, seat.workshop_id)  # a page load reads the room now; the area shares it
    # Here, at the page load (spread over the joins), not in the room's redraw when a question opens:
    # this seat's option order and its own answers, so that redraw reads nothing from the database.
    _mine(store, seat, fresh=True)
    st.title(r.title)
    st.caption(f"You are seated as: {seat.shown_name}")
    number = st.session_state.get(NUMBER)
    if number:
        st.info(f"Your personal number is {number}. Keep it: with the code and your name it brings you back "
                "on another phone.")
    room_area(seat)


def _poll_key(seat: Seat) -> str:
    return f"room-poll-{seat.workshop_id[:8]}"


@st.fragment
def room_area(seat: Seat) -> None:
    """Everything that follows the room: redrawn alone (not the whole page) when the poller sees a new version.

    In a facilitator-paced room this redraw reads nothing from the database once the process
    holds the room's version: the room row is the process's shared copy (``poll.cached_room``),
    the content is parsed once per process, the item's public view is made once per option
    order, the seat's own answers come from the session (``_mine``) and, after a reveal, from
    one read of the closed item's answers shared by the process (``poll.closed_answers``).
    An answer click reruns only this area and writes one answer.
    """
    store = resources.store()
    seen = st.session_state.get(_poll_key(seat))
    r = poll.cached_room(store, seat.workshop_id, at_least=seen if isinstance(seen, int) else None)
    if r.status != "open":
        _finished(seat)
        return
    follow_room(r, key=_poll_key(seat))
    if r.paused:
        st.warning("The facilitator has paused the room. Please wait.", icon=":material/pause_circle:")
        return
    loaded = attempts.module_for(store, r.content_hash)  # a dictionary lookup after the first
    if r.pacing == "self":
        _self_paced(r, seat, loaded)
        return
    if r.open_item is None:
        _stage(loaded, r.stage_id)
        st.info("Waiting for the facilitator to open a question…", icon=":material/hourglass_top:")
        return
    _question(r, seat, loaded, r.open_item, store)


@dataclass
class Mine:
    """What this phone knows of its own seat: the option order (it never changes) and its own answers,
    read at each page load and replaced by what each of its answers returns."""

    attempt_id: str
    seed: int
    answers: dict[str, attempts.Answer]


def _mine(store: sessionmaker[Session], seat: Seat, *, fresh: bool = False) -> Mine:
    held: Mine | None = st.session_state.get(MINE)
    if fresh or held is None or held.attempt_id != seat.attempt_id:
        state = attempts.load_state(store, seat.attempt_id)
        held = Mine(seat.attempt_id, state.shuffle_seed, dict(state.answered("cases")))
        st.session_state[MINE] = held
    return held


_views: dict[tuple[str, str, int], PublicItem] = {}
_views_lock = threading.Lock()


def public_view(loaded: LoadedModule, item_id: str, seed: int) -> PublicItem:
    """The item as a phone shows it, made once per process per (content, item, option order), not once per phone.

    Without shuffled options every attempt sees one order, so one view serves the whole room.
    """
    key = (loaded.content_hash, item_id, seed if loaded.module.delivery.shuffle_options else 0)
    view = _views.get(key)
    if view is None:
        view = public_item(loaded, loaded.item(item_id), seed)
        with _views_lock:
            if len(_views) > 5_000:
                _views.clear()
            _views[key] = view
    return view


def _stage_text(loaded: LoadedModule, stage_id: str | None) -> str:
    """The stage's title and narrative (our own validated content) as Markdown, to share one element with
    what follows it: every element is a message to every phone when the room changes."""
    stage = stage_of(loaded, stage_id)
    return f"### {stage.title}\n\n{stage.narrative}\n\n" if stage is not None else ""


def _stage(loaded: LoadedModule, stage_id: str | None) -> None:
    text = _stage_text(loaded, stage_id)
    if text:
        st.markdown(text)


def _question(r: Room, seat: Seat, loaded: LoadedModule, item_id: str, store: sessionmaker[Session]) -> None:
    item = loaded.item(item_id)
    lead = _stage_text(loaded, r.stage_id)
    if item_id in r.revealed:
        answer = poll.closed_answers(store, r, item_id).get(seat.attempt_id)
        st.markdown(f"{lead}**{item.stem}**")
        if answer is None:
            st.info("You did not answer this question. The room discusses the answer now.")
        else:
            show_feedback(feedback(loaded, item, answer), compact=True)
        return
    if item_id in r.closed:
        st.markdown(f"{lead}**{item.stem}**")
        st.info("Answers are closed. Waiting for the facilitator to reveal the answer…", icon=":material/lock:")
        return
    mine = _mine(store, seat)
    view = public_view(loaded, item_id, mine.seed)
    submitted = item_form(view, key=f"ws-{seat.participant_id[:8]}-{item_id}", lead=lead)
    if submitted is not None:
        response, certainty = submitted
        try:
            mine.answers = dict(room.answer(store, loaded, seat, item_id, response, certainty).answered("cases"))
        except attempts.InvalidInput as exc:
            for msg in exc.messages:
                st.error(msg[0].upper() + msg[1:] + ".")
        except WorkshopError as exc:
            st.warning(str(exc))
    given = mine.answers.get(item_id)
    if given is not None:  # under the button just pressed: one run per answer, no st.rerun
        st.success(f"Your answer is saved: {_describe(view.view, given.response)}. "
                   "You can change it until the facilitator closes the question.")


def _describe(view: object, response: object) -> str:
    """The saved answer in the words of its options (ids never shown)."""
    choices = {c.id: c.text for c in getattr(view, "choices", ())}
    if isinstance(response, dict):
        picked = response.get("option") or response.get("options")
        if isinstance(picked, str) and picked in choices:
            return f"“{choices[picked]}”"
        if isinstance(picked, list) and all(p in choices for p in picked):
            return ", ".join(f"“{choices[p]}”" for p in picked)
    return "given"


def _self_paced(r: Room, seat: Seat, loaded: LoadedModule) -> None:
    """Each participant at their own pace, with the module's own feedback behaviour (as on the learn page).

    Everything shown is derived from the stored attempt: the feedback still waiting for
    Continue (``feedback_pending``, set by the engine when the behaviour gives feedback after
    each answer) comes back after a reload. Only items this participant has answered ever
    have their feedback, and so their key, drawn.
    """
    state = attempts.load_state(resources.store(), seat.attempt_id)
    answered = state.answered("cases")
    if state.feedback_pending in answered and state.phase != "done":
        _self_feedback(loaded, seat, state.feedback_pending, answered)
        return
    item_id = attempts.next_item(loaded, state, room.behaviour_for(r, loaded))
    if item_id is None:
        st.success("You have answered every question. Thank you.")
        _all_feedback(loaded, answered, deferred=not room.behaviour_for(r, loaded).feedback_after_answer("cases"))
        return
    slot = st.empty()
    with slot.container():
        submitted = item_form(public_view(loaded, item_id, state.shuffle_seed), key=f"ws-self-{item_id}",
                              lead=_stage_text(loaded, _stage_id_of(loaded, item_id)))
    if submitted is None:
        return
    try:
        new_state = room.answer(resources.store(), loaded, seat, item_id, *submitted)
    except attempts.InvalidInput as exc:
        for msg in exc.messages:
            st.error(msg[0].upper() + msg[1:] + ".")
        return
    except (attempts.AttemptError, WorkshopError) as exc:
        st.warning(str(exc))
        return
    if new_state.feedback_pending == item_id:  # immediate feedback: in this same run, in place of the form
        slot.empty()
        with slot.container():
            _self_feedback(loaded, seat, item_id, new_state.answered("cases"))
        return
    try:  # deferred feedback: straight on to the next question
        st.rerun(scope="fragment")  # this area only
    except StreamlitAPIException:  # the area ran inside a whole-page run (a page load, a test)
        st.rerun()


def _stage_id_of(loaded: LoadedModule, item_id: str) -> str | None:
    return next((s.id for c in loaded.cases for s in c.stages if any(i.id == item_id for i in s.items)), None)


def _self_feedback(loaded: LoadedModule, seat: Seat, item_id: str, answered: dict[str, attempts.Answer]) -> None:
    """The feedback on the item just answered, then Continue (which closes it in the database)."""
    item = loaded.item(item_id)
    st.markdown(f"### Feedback on your answer\n\n**{item.stem}**")
    show_feedback(feedback(loaded, item, answered[item_id]), compact=True)
    # The callback closes the feedback before the area's next run, so that run draws the next question.
    st.button("Continue", type="primary", on_click=attempts.close_feedback,
              args=(resources.store(), seat.attempt_id, item_id), key=f"ws-continue-{item_id}")


def _all_feedback(loaded: LoadedModule, answered: dict[str, attempts.Answer], *, deferred: bool) -> None:
    """Deferred feedback: all of it now, at the end; immediate: the same, folded away, to look back on."""
    items = [i for i in loaded.items() if i.id in answered]
    if deferred:
        st.markdown("### Feedback on your answers")
        box = st.container()
    else:
        box = st.expander("Feedback on every question")
    with box:
        for item in items:
            st.markdown(f"**{item.stem}**")
            show_feedback(feedback(loaded, item, answered[item.id]), compact=True)


def _finished(seat: Seat) -> None:
    from cpd.ui.workshop_after import finished  # evaluation and certificate (issue 11)

    finished(seat)


def _join() -> None:
    st.title("Join a workshop")
    st.caption("Type the code shown on the screen. No account or app needed.")
    with st.form("ws-join", enter_to_submit=False):
        code = st.text_input("Workshop code", value=st.query_params.get("code", ""), max_chars=12, key="ws-code")
        name = st.text_input("Your name (as it should appear on your certificate)", key="ws-name")
        profession = st.selectbox("Profession", PROFESSIONS, index=None, placeholder="Choose your profession",
                                  key="ws-profession", required=True)  # no clear button to swallow a space
        registration = st.text_input("Professional registration number (optional)", key="ws-reg")
        email = st.text_input("E-mail (optional: to send your certificate)", key="ws-email")
        go = st.form_submit_button("Join", type="primary")
    if go:
        try:
            seat = room.join(resources.store(), _module_for_code(code), code,
                             {"name": name, "profession": profession or "", "registration_number": registration,
                              "email": email}, client=_client())
        except WorkshopError as exc:
            st.error(str(exc))
            return
        _sit(seat)
        st.rerun()
    with st.expander("Joined already on another phone? Take your seat back"):
        with st.form("ws-rejoin", enter_to_submit=False):
            code2 = st.text_input("Workshop code", key="ws-code2")
            name2 = st.text_input("Your name, exactly as shown when you joined", key="ws-name2")
            number = st.text_input("Your personal number", max_chars=4, key="ws-number")
            again = st.form_submit_button("Take my seat back")
        if again:
            try:
                _sit(room.rejoin_by_number(resources.store(), code2, name2, number, client=_client()))
            except WorkshopError as exc:
                st.error(str(exc))
                return
            st.rerun()


def _module_for_code(code: str) -> LoadedModule:
    """The content the workshop runs on (the snapshot saved when it was created)."""
    r = room.find_open(resources.store(), code, client=_client())
    return resources.module_of(r.content_hash)


def _projector(key: str) -> None:
    r = room.by_projector_key(resources.store(), key)
    if r is None:
        st.error("This projector link is not valid (a newer one may have replaced it).")
        return
    st.set_page_config(layout="wide", initial_sidebar_state="collapsed")
    projector_live(r.id)


@st.fragment(run_every=1.5)
def projector_live(workshop_id: str) -> None:
    """Few projectors per room: a timed fragment keeps counts and the reveal fresh without a reload."""
    r = room.room(resources.store(), workshop_id)
    projector(r, resources.module_of(r.content_hash))
