"""Join codes on the one token service: found by hash, dead at finish, never reissued, and kept over the upgrade."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from migration_support import engine_at
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import sessionmaker
from workshop_helpers import PERSON, person

from cpd import tokens
from cpd.storage.db import migrate
from cpd.storage.tables import Token, Workshop
from cpd.workshops import codes, room
from cpd.workshops.room import JoinRefused

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def _create(store, mini, who):
    return room.create(store, mini, who, title="Codes", held_on="2026-12-02", venue="Leeds", cpd_hours=1).room


def test_a_code_is_a_hashed_token_of_the_workshop_and_dies_at_finish(store, mini):
    fac = person(store, "fac@soc.example", "facilitator")
    r = _create(store, mini, fac)
    with store() as s:
        row = s.scalars(select(Token).where(Token.subject_id == r.id, Token.purpose == "join_code")).one()
    assert row.token_hash == tokens.hash_token(r.join_code) and row.revoked_at is None
    assert room.get_for(store, r.id, fac).join_code == r.join_code  # the console shows it again after a reload
    assert room.join(store, mini, codes.shown(r.join_code).lower(), PERSON, client="10.0.0.1").shown_name == "Ana Ruiz"
    room.finish(store, mini, r.id, fac, now=T0)
    with store() as s:
        assert s.scalars(select(Token.revoked_at).where(Token.id == row.id)).one() is not None
    with pytest.raises(JoinRefused, match="has finished"):
        room.join(store, mini, r.join_code, PERSON, client="10.0.0.1")
    with pytest.raises(JoinRefused, match="No workshop has this code"):
        room.find_open(store, next(c for c in ("ACDEFH", "HFEDCA") if c != r.join_code), client="10.0.0.1")


def test_a_finished_rooms_code_is_never_given_to_a_new_room(store, mini, monkeypatch):
    fac = person(store, "fac@soc.example", "facilitator")
    old = _create(store, mini, fac)
    room.finish(store, mini, old.id, fac)
    offered = iter([old.join_code, "KMNPRT"])
    monkeypatch.setattr(tokens, "short_code", lambda alphabet, length: next(offered))
    new = _create(store, mini, fac)
    assert new.join_code == "KMNPRT"
    assert room.find_open(store, "kmn-prt", client="x").id == new.id
    with pytest.raises(JoinRefused, match="has finished"):
        room.find_open(store, old.join_code, client="x")


# ---------------------------------------------------------------- the upgrade keeps open rooms' codes

@pytest.fixture(params=["sqlite", "postgres"])
def engine_at_0013(request, tmp_path):
    """A store migrated only to 0013 (workshops still hold their codes in a column)."""
    with engine_at(request, tmp_path, "0013_onboarding_renewal", request.param) as engine:
        yield engine


def _old_workshop(conn, workshop_id: str, code: str, status: str) -> None:
    conn.execute(text(
        "insert into workshops (id, organisation_id, facilitator_id, module_id, content_hash, title, held_on, venue, "
        "cpd_hours, assessed, pacing, anonymous, join_code, projector_key_hash, status, closed_json, revealed_json, "
        "paused, version, activity, created_at, finished_at) values (:id, null, 'fac', 'mini', 'x', 'Old', "
        "'2026-12-01', 'Leeds', 1, true, 'facilitator', false, :code, :key, :status, '[]', '[]', false, 1, 0, :t, :f)"),
        {"id": workshop_id, "code": code, "key": uuid.uuid4().hex, "status": status, "t": T0,
         "f": T0 + timedelta(hours=2) if status == "finished" else None})


def test_an_open_room_keeps_its_code_over_the_upgrade(engine_at_0013):
    with engine_at_0013.begin() as conn:
        _old_workshop(conn, "w-open", "ACDEFH", "open")
        _old_workshop(conn, "w-done", "KMNPRT", "finished")
    migrate(engine_at_0013)
    assert "join_code" not in {c["name"] for c in inspect(engine_at_0013).get_columns("workshops")}
    factory = sessionmaker(engine_at_0013, expire_on_commit=False)
    opened = room.find_open(factory, "acd-efh", client="x")
    assert (opened.id, opened.join_code) == ("w-open", "ACDEFH")
    with pytest.raises(JoinRefused, match="has finished"):
        room.find_open(factory, "KMNPRT", client="x")
    assert room.room(factory, "w-done").join_code == "KMNPRT"
    with factory() as s:
        stored = {w.id: w.shown_code for w in s.scalars(select(Workshop))}
        hashes = set(s.scalars(select(Token.token_hash).where(Token.purpose == "join_code")))
    assert stored == {"w-open": "ACDEFH", "w-done": "KMNPRT"}
    assert hashes == {tokens.hash_token("ACDEFH"), tokens.hash_token("KMNPRT")}
