"""The polling route: the room's version and nothing else, read once per half second per process."""

from __future__ import annotations

import json

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient
from workshop_helpers import PERSON, person

from cpd.settings import Settings
from cpd.web import WebContext, middleware, routes
from cpd.web.workshops import version_url
from cpd.workshops import poll, room

BASE = "http://cpd.test"


def client(store) -> TestClient:
    settings = Settings(public_url=BASE)
    app = Starlette(routes=routes(WebContext(settings=lambda: settings, store=lambda: store)),
                    middleware=middleware(lambda: settings))
    return TestClient(app, base_url=BASE)


def test_version_route_carries_no_count_and_moves_only_on_room_changes(store, mini):
    poll.forget()
    fac = person(store, "fac@soc.example", "facilitator")
    r = room.create(store, mini, fac, title="W", held_on="2026-12-02", venue="V", cpd_hours=1).room
    http = client(store)
    first = http.get(version_url(r.id))
    assert first.status_code == 200 and first.json() == {"v": r.version}
    assert first.headers["cache-control"] == "no-store" and "frame-ancestors 'none'" in first.headers["content-security-policy"]
    seat = room.join(store, mini, r.join_code, PERSON, client="x")
    room.open_item(store, mini, r.id, "q-source", fac)
    room.answer(store, mini, seat, "q-source", {"option": "b"}, 3)
    poll.forget(r.id)
    body = http.get(version_url(r.id)).json()
    assert body == {"v": r.version + 1}  # joins and answers do not move it; opening the item did
    text = json.dumps(body)
    assert "price" not in text.lower() and "1" not in text.replace(str(r.version + 1), "")
    assert http.get(version_url("00000000-0000-0000-0000-000000000000")).status_code == 404
    assert http.get("/api/workshops/..%2F..%2Fetc/version").status_code == 404


def test_the_cache_reads_the_database_at_most_every_half_second(store, mini, monkeypatch):
    poll.forget()
    fac = person(store, "fac@soc.example", "facilitator")
    r = room.create(store, mini, fac, title="W", held_on="2026-12-02", venue="V", cpd_hours=1).room
    reads = []
    real = room.version
    monkeypatch.setattr(room, "version", lambda f, w: reads.append(w) or real(f, w))
    t = [100.0]
    for _ in range(300):  # 300 phones asking within 0.4 s
        assert poll.cached_version(store, r.id, clock=lambda: t[0]) == (r.version, 0)
        t[0] += 0.4 / 300
    assert len(reads) == 1
    room.pause(store, r.id, fac)
    t[0] += 0.2
    assert poll.cached_version(store, r.id, clock=lambda: t[0]) == (r.version + 1, 0) and len(reads) == 2


def test_component_pages_may_be_framed_by_our_own_pages_only(store):
    http = client(store)
    resp = http.get("/component/anything/index.html")
    assert "frame-ancestors 'self'" in resp.headers["content-security-policy"]
    assert resp.headers["x-frame-options"] == "SAMEORIGIN"
    other = http.get(version_url("x"))
    assert other.headers["x-frame-options"] == "DENY"


def test_phones_on_one_version_share_one_read_of_the_room_row(store, mini, monkeypatch):
    """300 phones redrawing for the same version read the room once per process; a newer version reads again."""
    from concurrent.futures import ThreadPoolExecutor

    poll.forget()
    fac = person(store, "fac@soc.example", "facilitator")
    r = room.create(store, mini, fac, title="W", held_on="2026-12-02", venue="V", cpd_hours=1).room
    reads = []
    real = room.room
    monkeypatch.setattr(room, "room", lambda f, w: reads.append(w) or real(f, w))
    with ThreadPoolExecutor(8) as pool:  # redraws run on several threads of one process at once
        seen = list(pool.map(lambda _: poll.cached_room(store, r.id, at_least=r.version), range(300)))
    assert len(reads) == 1 and {x.version for x in seen} == {r.version} and seen[0].open_item is None

    room.open_item(store, mini, r.id, "q-source", fac)
    assert poll.cached_room(store, r.id, at_least=r.version).open_item is None and len(reads) == 1  # poller not there yet
    with ThreadPoolExecutor(8) as pool:
        seen = list(pool.map(lambda _: poll.cached_room(store, r.id, at_least=r.version + 1), range(300)))
    assert len(reads) == 2 and {x.open_item for x in seen} == {"q-source"}

    room.close_item(store, r.id, fac)
    assert poll.fresh_room(store, r.id).closed == {"q-source"}  # a page load reads now...
    old = poll.cached_room(store, r.id, at_least=r.version + 1)
    assert old.closed == {"q-source"} and len(reads) == 3  # ...and the redraws after it share that read


def test_at_a_reveal_the_phones_share_one_read_of_the_closed_items_answers(store, mini, monkeypatch):
    """Each phone needs its own answer for its feedback: one read per process and version, not one per phone;
    a re-open (a new version) reads again and sees the changed answer; another room's answers are not in it."""
    from concurrent.futures import ThreadPoolExecutor

    poll.forget()
    fac = person(store, "fac@soc.example", "facilitator")
    r = room.create(store, mini, fac, title="W", held_on="2026-12-02", venue="V", cpd_hours=1).room
    other = room.create(store, mini, fac, title="Other", held_on="2026-12-02", venue="V", cpd_hours=1).room
    a = room.join(store, mini, r.join_code, PERSON, client="x")
    b = room.join(store, mini, r.join_code, {"name": "Ben Ode", "profession": "Other"}, client="x")
    elsewhere = room.join(store, mini, other.join_code, PERSON, client="x")
    for w in (r, other):
        room.open_item(store, mini, w.id, "q-source", fac)
    room.answer(store, mini, a, "q-source", {"option": "a"}, 3)
    room.answer(store, mini, elsewhere, "q-source", {"option": "c"}, 1)
    with pytest.raises(ValueError):  # never while answers may still change
        poll.closed_answers(store, room.room(store, r.id), "q-source")

    revealed = room.reveal(store, r.id, fac)
    reads = []
    real = room.closed_item_answers
    monkeypatch.setattr(room, "closed_item_answers", lambda f, w, i: reads.append(i) or real(f, w, i))
    with ThreadPoolExecutor(8) as pool:
        seen = list(pool.map(lambda _: poll.closed_answers(store, revealed, "q-source"), range(300)))
    assert len(reads) == 1 and all(s is seen[0] for s in seen)
    assert set(seen[0]) == {a.attempt_id} and seen[0][a.attempt_id].response == {"option": "a"}
    assert seen[0][a.attempt_id].correct  # b did not answer; elsewhere is another room

    room.open_item(store, mini, r.id, "q-source", fac)  # the facilitator goes back
    room.answer(store, mini, a, "q-source", {"option": "b"}, 3)
    room.answer(store, mini, b, "q-source", {"option": "a"}, 2)
    again = room.reveal(store, r.id, fac)
    assert poll.closed_answers(store, revealed, "q-source") is seen[0]  # a phone still on the older version
    fresh = poll.closed_answers(store, again, "q-source")
    assert len(reads) == 2 and fresh[a.attempt_id].response == {"option": "b"} and b.attempt_id in fresh
