"""An answer racing the facilitator's close is either in before the close or told "closed": never taken after.

Threads answer (and change their answers) as fast as the store lets them while
another thread closes the question, on SQLite and on PostgreSQL. Afterwards every
stored answer is timed before the close's audit entry, nothing stored changed
after the close returned, every refusal said the question is closed, and each
phone's last accepted answer is the one stored.
"""

from __future__ import annotations

import json
import threading
import time

from sqlalchemy import select
from workshop_helpers import person

from cpd.storage.tables import AuditEntry, Response, WorkshopParticipant
from cpd.timeutil import as_utc
from cpd.workshops import room

SEATS, THREADS = 16, 4
ITEM = "q-source"


def _stored(store, workshop_id: str) -> dict[str, tuple[str, object]]:
    with store() as s:
        rows = s.execute(select(Response.attempt_id, Response.answer_json, Response.submitted_at)
                         .join(WorkshopParticipant, WorkshopParticipant.attempt_id == Response.attempt_id)
                         .where(WorkshopParticipant.workshop_id == workshop_id, Response.item_id == ITEM)).all()
    return {a: (json.loads(answer)["option"], as_utc(at)) for a, answer, at in rows}


def test_no_answer_is_taken_after_the_close(store, mini):
    fac = person(store, "fac@soc.example", "facilitator")
    r = room.create(store, mini, fac, title="Race", held_on="2026-12-02", venue="Leeds", cpd_hours=1).room
    seats = [room.join(store, mini, r.join_code, {"name": f"P {i}", "profession": "Other"}, client="192.0.2.1")
             for i in range(SEATS)]
    room.open_item(store, mini, r.id, ITEM, fac)

    accepted: dict[str, str] = {}  # attempt -> the last answer the phone was told was taken
    refusals: list[str] = []
    errors: list[BaseException] = []
    taken = threading.Semaphore(0)
    stop = threading.Event()

    def phone_hands(mine: list[room.Seat]) -> None:
        n = 0
        while not stop.is_set():
            for seat in mine:
                option = "ab"[n % 2]
                n += 1
                try:
                    room.answer(store, mini, seat, ITEM, {"option": option}, 2)
                except room.WorkshopError as exc:
                    refusals.append(str(exc))
                except BaseException as exc:  # noqa: BLE001 - a lock timeout or a crash fails the test below
                    errors.append(exc)
                    return
                else:
                    accepted[seat.attempt_id] = option
                    taken.release()

    workers = [threading.Thread(target=phone_hands, args=(seats[i::THREADS],)) for i in range(THREADS)]
    for w in workers:
        w.start()
    for _ in range(3 * SEATS):  # let the room be busy answering before the close
        assert taken.acquire(timeout=60), errors
    room.close_item(store, r.id, fac)
    at_close = _stored(store, r.id)
    time.sleep(0.3)  # the phones keep pressing after the close
    stop.set()
    for w in workers:
        w.join(60)

    assert not errors
    with store() as s:
        closed_at = as_utc(s.scalar(select(AuditEntry.at).where(AuditEntry.action == "workshop.close_item")))
    after = _stored(store, r.id)
    assert after == at_close  # nothing taken or changed once the close returned
    assert all(at < closed_at for _, at in after.values())
    assert {a: option for a, (option, _) in after.items()} == accepted  # each phone's last "taken" is what counts
    assert refusals and set(refusals) == {room.ANSWERS_CLOSED}
