"""The live workshop engine on both stores: create, join, rejoin, the controls, answers, the revealed distribution."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from workshop_helpers import PERSON, person

from cpd import attempts
from cpd.storage.tables import Attempt, Response
from cpd.workshops import codes, room
from cpd.workshops.room import JoinRefused, NotAllowed, WorkshopError

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def fac(store):
    return person(store, "fac@soc.example", "facilitator")


def _create(store, mini, who, **kw):
    args = dict(title="Exosomes: a reality check", held_on="2026-12-02", venue="Royal Hall, Leeds", cpd_hours=1.5)
    args.update(kw)
    return room.create(store, mini, who, **args)


def test_codes_have_no_look_alikes_and_typing_is_forgiving():
    for ch in "0OQ1IL2Z5S8B6G":
        assert ch not in codes.ALPHABET
    code = codes.new_code()
    assert len(code) == 6
    assert codes.normalise(codes.shown(code).lower()) == code
    assert codes.normalise(" " + code[:3] + " " + code[3:]) == code
    assert codes.normalise("ABC") is None and codes.normalise(None) is None and codes.normalise("O00000") is None


def test_create_checks_its_fields(store, mini, fac):
    with pytest.raises(WorkshopError, match="steps of 0.25"):
        _create(store, mini, fac, cpd_hours=1.1)
    with pytest.raises(WorkshopError, match="Title"):
        _create(store, mini, fac, title="<b>x</b>")
    with pytest.raises(WorkshopError, match="Date"):
        _create(store, mini, fac, held_on="tomorrow")
    learner_account = person(store, "author@soc.example", "author")
    with pytest.raises(NotAllowed):
        _create(store, mini, learner_account)
    created = _create(store, mini, fac, cpd_hours="0.75", anonymous=True, assessed=False)
    r = created.room
    assert (r.cpd_hours, r.anonymous, r.assessed, r.pacing, r.status) == (0.75, True, False, "facilitator", "open")
    assert room.by_projector_key(store, created.projector_key) == r
    assert room.by_projector_key(store, created.projector_key[:-2] + "xx") is None


def test_full_lifecycle(store, mini, fac):
    r = _create(store, mini, fac).room
    a = room.join(store, mini, codes.shown(r.join_code), PERSON, client="10.0.0.1")
    b = room.join(store, mini, r.join_code.lower(), {"name": "Ben Okafor", "profession": "Nurse / nurse prescriber",
                                                     "email": "Ben@Example.org", "registration_number": "NMC 12/A"},
                  client="10.0.0.1")
    assert a.device_token and a.personal_number and len(a.personal_number) == 4

    # nothing open: nobody can answer
    with pytest.raises(WorkshopError):
        room.answer(store, mini, a, "q-source", {"option": "b"}, 2)
    r = room.open_item(store, mini, r.id, "q-source", fac)
    assert r.stage_id == "notice" and r.open_item == "q-source"
    room.answer(store, mini, a, "q-source", {"option": "b"}, 2)
    room.answer(store, mini, b, "q-source", {"option": "b"}, 2)
    room.answer(store, mini, a, "q-source", {"option": "a"}, 3)  # changed while open
    assert room.my_answer(store, a, "q-source") == {"option": "a"}
    c = room.counts(store, room.get_for(store, r.id, fac))
    assert (c.joined, c.answered, c.names) == (2, 2, ("Ana Ruiz", "Ben Okafor"))
    # before the reveal: no distribution
    with pytest.raises(WorkshopError, match="after the reveal"):
        room.revealed_distribution(store, mini, room.room(store, r.id), "q-source")

    r = room.close_item(store, r.id, fac)
    with pytest.raises(WorkshopError, match="closed"):
        room.answer(store, mini, b, "q-source", {"option": "a"}, 2)
    assert room.my_answer(store, b, "q-source") == {"option": "b"}
    r = room.reveal(store, r.id, fac)
    bars = room.revealed_distribution(store, mini, r, "q-source")
    assert [(x.label, x.count, x.correct, x.misconception) for x in bars] == [
        ("Where the cells came from", 1, True, False), ("The price per vial", 1, False, True),
        ("The colour of the outer box", 0, False, False)]

    # pause freezes answers; re-open lets answers change again and hides the reveal
    r = room.open_item(store, mini, r.id, "q-checks", fac)
    r = room.pause(store, r.id, fac)
    with pytest.raises(WorkshopError, match="paused"):
        room.answer(store, mini, a, "q-checks", {"options": ["a", "b"]})
    r = room.pause(store, r.id, fac, paused=False)
    room.answer(store, mini, a, "q-checks", {"options": ["a", "b"]})
    c = room.counts(store, r)
    assert c.answered == 1 and c.not_answered == ("Ben Okafor",)
    r = room.open_item(store, mini, r.id, "q-source", fac)  # go back
    assert "q-source" not in r.revealed and "q-source" not in r.closed
    room.answer(store, mini, b, "q-source", {"option": "a"}, 1)
    assert room.my_answer(store, b, "q-source") == {"option": "a"}

    # answers are ordinary attempt responses of a workshop attempt at the venue
    with store() as s:
        att = s.get(Attempt, a.attempt_id)
        assert (att.delivery_format, att.venue, att.phase) == ("workshop", "Royal Hall, Leeds", "cases")
        assert s.scalar(select(Response).where(Response.attempt_id == b.attempt_id,
                                               Response.item_id == "q-source")).correct

    r = room.finish(store, mini, r.id, fac)
    assert r.status == "finished" and r.open_item is None
    state = attempts.load_state(store, a.attempt_id)
    assert state.phase == "evaluation" and state.percent is not None and state.completed_at is not None
    with pytest.raises(JoinRefused, match="finished"):
        room.join(store, mini, r.join_code, {"name": "Late", "profession": "Other"}, client="10.0.0.9")
    with pytest.raises(WorkshopError, match="finished"):
        room.answer(store, mini, a, "q-grid", {"rows": {"r1": "report", "r2": "watch"}})


def test_versions_move_on_room_changes_and_activity_on_joins(store, mini, fac):
    r = _create(store, mini, fac).room
    v0, a0 = room.version(store, r.id)
    seat = room.join(store, mini, r.join_code, PERSON, client="x")
    assert room.version(store, r.id) == (v0, a0 + 1)  # a join redraws no phone
    room.open_item(store, mini, r.id, "q-source", fac)
    room.answer(store, mini, seat, "q-source", {"option": "a"}, 1)
    assert room.version(store, r.id) == (v0 + 1, a0 + 1)  # an answer moves neither
    assert room.version(store, "no-such") is None


def test_duplicate_html_and_bidi_names(store, mini, fac):
    r = _create(store, mini, fac).room
    first = room.join(store, mini, r.join_code, PERSON, client="x")
    second = room.join(store, mini, r.join_code, PERSON, client="x")
    third = room.join(store, mini, r.join_code, PERSON, client="x")
    assert (first.shown_name, second.shown_name, third.shown_name) == ("Ana Ruiz", "Ana Ruiz (2)", "Ana Ruiz (3)")
    assert len({first.attempt_id, second.attempt_id, third.attempt_id}) == 3
    with pytest.raises(WorkshopError, match="HTML"):
        room.join(store, mini, r.join_code, {"name": "<img src=x onerror=alert(1)>", "profession": "Other"}, client="x")
    with pytest.raises(WorkshopError, match="direction"):
        room.join(store, mini, r.join_code, {"name": "Ana \u202eziuR", "profession": "Other"}, client="x")
    with pytest.raises(WorkshopError, match="Profession"):
        room.join(store, mini, r.join_code, {"name": "Ana", "profession": ""}, client="x")
    with pytest.raises(WorkshopError, match="E-mail"):
        room.join(store, mini, r.join_code, {**PERSON, "email": "not-an-address"}, client="x")
    assert room.participants_total(store, r.id) == 3


def test_rejoin_by_device_token_and_by_personal_number(store, mini, fac):
    r = _create(store, mini, fac).room
    seat = room.join(store, mini, r.join_code, PERSON, client="x")
    room.open_item(store, mini, r.id, "q-source", fac)
    room.answer(store, mini, seat, "q-source", {"option": "c"}, 1)
    back = room.rejoin_by_device(store, seat.device_token)
    assert back is not None and back.participant_id == seat.participant_id
    assert room.my_answer(store, back, "q-source") == {"option": "c"}
    assert room.rejoin_by_device(store, "x" * 43) is None and room.rejoin_by_device(store, None) is None
    other_phone = room.rejoin_by_number(store, r.join_code, "Ana Ruiz", seat.personal_number, client="y")
    assert other_phone.participant_id == seat.participant_id and other_phone.device_token
    assert room.rejoin_by_device(store, other_phone.device_token).attempt_id == seat.attempt_id
    wrong = "0000" if seat.personal_number != "0000" else "1111"
    with pytest.raises(JoinRefused, match="No seat"):
        room.rejoin_by_number(store, r.join_code, "Ana Ruiz", wrong, client="y")


def test_wrong_and_guessed_codes_are_refused_and_slowed_per_client(store, mini, fac):
    r = _create(store, mini, fac).room
    bad = next(c for c in ("ACDEFH", "HFEDCA", "XYXYXY") if c != r.join_code)
    for _ in range(room.FAILS_ALLOWED):
        with pytest.raises(JoinRefused, match="No workshop has this code"):
            room.find_open(store, bad, client="10.9.9.9", now=T0)
    # now even the right code waits, from this client only
    with pytest.raises(JoinRefused, match="wait"):
        room.join(store, mini, r.join_code, PERSON, client="10.9.9.9", now=T0)
    assert room.join(store, mini, r.join_code, PERSON, client="10.1.1.1", now=T0).shown_name == "Ana Ruiz"
    # after the window it may try again
    later = T0 + room.FAIL_WINDOW + timedelta(seconds=1)
    assert room.join(store, mini, r.join_code, PERSON, client="10.9.9.9", now=later).shown_name == "Ana Ruiz (2)"
    with pytest.raises(JoinRefused):
        room.find_open(store, "<script>", client="z")


def test_a_room_behind_one_address_all_gets_in(store, mini, fac):
    """300 correct joins from one address within 60 s: correct codes are never slowed."""
    r = _create(store, mini, fac).room
    for i in range(300):
        room.join(store, mini, r.join_code, {"name": f"P {i}", "profession": "Other"}, client="192.0.2.1",
                  now=T0 + timedelta(seconds=i * 0.2))
    assert room.participants_total(store, r.id) == 300


def test_a_facilitator_sees_only_their_own_workshops_unless_admin(store, mini, fac):
    other = person(store, "other@soc.example", "facilitator")
    admin = person(store, "root@deploy.example", "admin", org=None)
    mine = _create(store, mini, fac).room
    theirs = _create(store, mini, other, title="Other's").room
    assert [w.id for w in room.list_for(store, fac)] == [mine.id]
    assert {w.id for w in room.list_for(store, admin)} == {mine.id, theirs.id}
    with pytest.raises(NotAllowed):
        room.get_for(store, theirs.id, fac)
    with pytest.raises(NotAllowed):
        room.open_item(store, mini, theirs.id, "q-source", fac)
    assert room.open_item(store, mini, theirs.id, "q-source", admin).open_item == "q-source"


def test_rejoin_after_a_server_restart_keeps_the_answers(store, mini, fac):
    """A new process is a new engine on the same database: nothing of the seat lived in the old one."""
    from sqlalchemy.orm import sessionmaker

    from cpd.storage.db import make_engine

    r = _create(store, mini, fac).room
    seat = room.join(store, mini, r.join_code, PERSON, client="x")
    room.open_item(store, mini, r.id, "q-source", fac)
    room.answer(store, mini, seat, "q-source", {"option": "b"}, 2)
    bind = store.kw["bind"]
    if bind.dialect.name == "sqlite":
        fresh_engine = make_engine(bind.url.render_as_string(hide_password=False))
    else:
        fresh_engine = bind  # the PG fixture's schema lives in its URL options; a new pool on it is the same
    restarted = sessionmaker(fresh_engine, expire_on_commit=False)
    back = room.rejoin_by_device(restarted, seat.device_token)
    assert back is not None and back.attempt_id == seat.attempt_id
    assert room.my_answer(restarted, back, "q-source") == {"option": "b"}
    room.answer(restarted, mini, back, "q-source", {"option": "a"}, 2)  # still open: may change
    assert room.my_answer(store, seat, "q-source") == {"option": "a"}
