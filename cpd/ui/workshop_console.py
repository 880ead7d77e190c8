"""The facilitator's console: create a workshop, the lobby, the controls, a timer, who has not answered.

For signed-in facilitators (their own workshops) and administrators (all); every
control is checked again by the engine against who is signed in. Laid out in one
column so it works on a phone. ``?projector=<id>`` opens the projector view of one
of the facilitator's workshops in this signed-in browser.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import streamlit as st

from cpd.accounts.directory import Principal
from cpd.content.loader import LoadedModule
from cpd.ui import resources, staff, workshop_results
from cpd.ui.workshop_common import join_url, projector, qr_image
from cpd.workshops import codes, poll, room
from cpd.workshops.room import Room, WorkshopError

CHOSEN = "ws_console_chosen"


def may_run(who: Principal | None) -> bool:
    return who is not None and (who.is_admin or "facilitator" in who.roles)


def page() -> None:
    who = staff.current()
    if who is None or not may_run(who):
        st.title("Workshops")
        st.info("Sign in with a facilitator account to run workshops.")
        staff.same_tab_link(staff.sign_in_url("/workshops"), "Sign in")
        return
    show = st.query_params.get("projector")
    if show:
        try:
            r = room.get_for(resources.store(), show, who)
        except WorkshopError as exc:
            st.error(str(exc))
            return
        st.set_page_config(layout="wide", initial_sidebar_state="collapsed")
        _projector_live(r.id, who)
        return
    st.title("Workshops")
    _create(who)
    mine = room.list_for(resources.store(), who)  # after the form, so a new workshop is listed at once
    if not mine:
        st.caption("No workshops yet.")
        return
    labels = {r.id: f"{r.title} · {r.held_on} · {r.venue}" + (" (finished)" if r.status != "open" else "")
              for r in mine}
    chosen = st.selectbox("Workshop", list(labels), format_func=labels.__getitem__, key=CHOSEN)
    r = next(x for x in mine if x.id == chosen)
    _console(r, who)


def _create(who: Principal) -> None:
    content = resources.content()
    modules = sorted(content.modules) if content is not None else []
    with st.expander("Create a workshop", expanded=False), st.form("ws-create", enter_to_submit=False):
        module_id = st.selectbox("Module", modules, key="ws-module")
        title = st.text_input("Title", key="ws-title")
        held_on = st.date_input("Date", value=date.today(), key="ws-date")
        venue = st.text_input("Venue", key="ws-venue")
        hours = st.number_input("CPD hours", min_value=0.25, max_value=24.0, value=1.0, step=0.25, key="ws-hours")
        assessed = st.radio("Certificate", ["Assessed: certificate on passing", "Attendance: certificate of participation"],
                            key="ws-assessed")
        pacing = st.radio("Pacing", ["Facilitator-paced", "Self-paced within the workshop"], key="ws-pacing")
        anonymous = st.checkbox("Anonymous: nobody sees who answered what (answers are still kept per person)",
                                key="ws-anon")
        go = st.form_submit_button("Create workshop", type="primary")
    if go:
        loaded = resources.module(module_id) if module_id else None
        if loaded is None:
            st.error("Choose a module.")
            return
        try:
            created = room.create(resources.store(), loaded, who, title=title, held_on=held_on, venue=venue,
                                  cpd_hours=hours, assessed=assessed.startswith("Assessed"),
                                  pacing="facilitator" if pacing.startswith("Facilitator") else "self",
                                  anonymous=anonymous)
        except WorkshopError as exc:
            st.error(str(exc))
            return
        st.session_state[CHOSEN] = created.room.id
        st.success(f"Created. Join code {codes.shown(created.room.join_code)}.")
        _show_projector_link(created.projector_key)


def _show_projector_link(key: str) -> None:
    url = f"{resources.settings().public_url.rstrip('/')}/workshop?k={key}"
    st.caption("Projector link (keep it private; it works on any screen without signing in):")
    st.code(url, language=None)


def _console(r: Room, who: Principal) -> None:
    store = resources.store()
    loaded = resources.module_of(r.content_hash)
    st.subheader(r.title)
    st.text(f"{r.held_on} · {r.venue} · {r.cpd_hours:g} CPD hours · "
            f"{'assessed' if r.assessed else 'attendance'} · {'anonymous' if r.anonymous else 'named'}")
    st.markdown(f"### Join code: `{codes.shown(r.join_code)}`")
    with st.expander("Join link and QR code"):
        st.code(join_url(r), language=None)
        qr_image(join_url(r), 220)
    staff.same_tab_link(f"/workshops?projector={r.id}", "Open the projector view (this browser)")
    if st.button("Make a new projector link", key="ws-newkey"):
        _show_projector_link(room.new_projector_key(store, r.id, who))
    if r.status != "open":
        st.info("This workshop has finished.")
        _live(r.id, who)
        workshop_results.section(r, loaded, who)
        return
    _controls(r, loaded, who)
    _live(r.id, who)
    with st.expander("Results so far"):
        workshop_results.section(r, loaded, who)


def _act(fn, *args, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003 - any engine control
    try:
        r = fn(*args, **kwargs)
    except WorkshopError as exc:
        st.error(str(exc))
        return
    poll.forget(r.id)
    st.rerun()


def _controls(r: Room, loaded: LoadedModule, who: Principal) -> None:
    store = resources.store()
    st.markdown("**Controls**")
    if r.pacing == "self":
        st.caption("Self-paced: participants answer at their own pace while the workshop is open.")
    else:
        items = [(s, i) for c in loaded.cases for s in c.stages for i in s.items]
        labels = {i.id: f"{s.title}: {i.stem[:70]}" for s, i in items}
        ids = list(labels)
        default = ids.index(r.open_item) if r.open_item in ids else 0
        item_id = st.selectbox("Question", ids, index=default, format_func=labels.__getitem__, key="ws-item")
        stages = {s.id: s.title for c in loaded.cases for s in c.stages}
        a, b = st.columns(2)
        if a.button("Open question", type="primary", key="ws-open", use_container_width=True):
            _act(room.open_item, store, loaded, r.id, item_id, who)
        stage_id = next(s.id for s, i in items if i.id == item_id)
        if b.button(f"Show stage only: {stages[stage_id][:30]}", key="ws-stage", use_container_width=True):
            _act(room.open_stage, store, loaded, r.id, stage_id, who)
        c1, c2, c3 = st.columns(3)
        if c1.button("Close answers", key="ws-close", disabled=r.open_item is None or r.open_item in r.closed,
                     use_container_width=True):
            _act(room.close_item, store, r.id, who)
        if c2.button("Reveal", key="ws-reveal", disabled=r.open_item is None or r.open_item in r.revealed,
                     use_container_width=True):
            _act(room.reveal, store, r.id, who)
        if c3.button("Resume" if r.paused else "Pause", key="ws-pause", use_container_width=True):
            _act(room.pause, store, r.id, who, not r.paused)
    with st.popover("Finish the workshop"):
        st.caption("Closes every question, stops the join code and totals everyone's score.")
        if st.button("Finish now", key="ws-finish"):
            _act(room.finish, store, loaded, r.id, who)


@st.fragment(run_every=2)
def _live(workshop_id: str, who: Principal) -> None:
    """Counts, the timer and who has not answered: refreshed every 2 s (one console per room)."""
    r = room.get_for(resources.store(), workshop_id, who)
    c = room.counts(resources.store(), r)
    state = "finished" if r.status != "open" else "paused" if r.paused else (
        "lobby" if r.open_item is None else "revealed" if r.open_item in r.revealed
        else "closed" if r.open_item in r.closed else "answering")
    st.text(f"Joined: {c.joined} · Answered the open question: {c.answered} · Room: {state}")
    if r.item_opened_at is not None and r.open_item is not None and r.open_item not in r.closed:
        seconds = int((datetime.now(UTC) - r.item_opened_at).total_seconds())
        st.text(f"Timer: {seconds // 60}:{seconds % 60:02d} since the question opened")
    if not r.anonymous and c.not_answered:
        with st.expander(f"Not answered yet ({len(c.not_answered)})"):
            st.text("\n".join(c.not_answered))
    elif r.anonymous:
        st.caption("Anonymous workshop: names are not shown.")


@st.fragment(run_every=1.5)
def _projector_live(workshop_id: str, who: Principal) -> None:
    r = room.get_for(resources.store(), workshop_id, who)
    projector(r, resources.module_of(r.content_hash))
