"""One cached read of each room's version, and of its row, per process, shared by every phone in it.

Every phone asks "has my room changed?" every second or two; the answer is read
from the database at most every ``TTL`` seconds per room and process, so database
reads do not grow with the number of phones (measured on these machines: a
cached JSON route costs ~0.3 ms of server CPU per poll, about a tenth of a core
for 300 phones polling every second).

When the version moves, every phone on the process redraws its room area within
about one poll interval. ``cached_room`` lets them share one read of the room row:
a phone asks for "at least the version my poller saw"; the first to ask reads the
database (the others wait for that read instead of making their own), the rest
get the row from memory. A room row never goes back to an older version, so a
cached row at or above the asked version is right for that phone. The database
stays the only truth: the cache is a copy of a row keyed by its version, never
state another process would need.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from cpd import attempts
from cpd.workshops import room
from cpd.workshops.room import Room

TTL = 0.5  # seconds

_lock = threading.Lock()
_cache: dict[str, tuple[float, tuple[int, int] | None]] = {}
_rooms: dict[str, tuple[float, Room]] = {}  # workshop id -> (read at, the row as read)
_reading: dict[str, threading.Lock] = {}  # one reader at a time per room: the others wait and share its read
# (workshop id, item id) -> (room version it was read at, answers by attempt id): closed items only
_closed: dict[tuple[str, str], tuple[int, dict[str, attempts.Answer]]] = {}


def cached_version(factory: sessionmaker[Session], workshop_id: str, *,
                   clock: Callable[[], float] = time.monotonic) -> tuple[int, int] | None:
    """(version, activity) of the room, at most ``TTL`` seconds old; None for no such room."""
    now = clock()
    with _lock:
        hit = _cache.get(workshop_id)
        if hit is not None and now - hit[0] < TTL:
            return hit[1]
    value = room.version(factory, workshop_id)
    with _lock:
        _cache[workshop_id] = (now, value)
        if len(_cache) > 10_000:  # forget rooms nobody asked about lately
            for key in [k for k, (t, _) in _cache.items() if now - t > 60]:
                del _cache[key]
    return value


def peek(workshop_id: str, *, clock: Callable[[], float] = time.monotonic) -> tuple[int, int] | None:
    """The cached value if it is fresh, without touching the database (None: ask ``cached_version``)."""
    with _lock:
        hit = _cache.get(workshop_id)
        return hit[1] if hit is not None and clock() - hit[0] < TTL else None


def _usable(hit: tuple[float, Room] | None, at_least: int | None, now: float) -> Room | None:
    if hit is None:
        return None
    read_at, r = hit
    if at_least is not None:
        return r if r.version >= at_least else None
    return r if now - read_at < TTL else None


def cached_room(factory: sessionmaker[Session], workshop_id: str, *, at_least: int | None = None,
                clock: Callable[[], float] = time.monotonic) -> Room:
    """The room's row, shared by the process's phones: read once per version, not once per phone.

    ``at_least``: the version the phone's poller reported (a cached row at that version or later
    is used as is); None (no poller value yet): a row at most ``TTL`` seconds old.
    Raises ``WorkshopError`` for a room that no longer exists.
    """
    now = clock()
    with _lock:
        found = _usable(_rooms.get(workshop_id), at_least, now)
        if found is not None:
            return found
        gate = _reading.setdefault(workshop_id, threading.Lock())
    with gate:  # 300 phones seeing the new version together: the first reads, the others wait for its row
        with _lock:
            found = _usable(_rooms.get(workshop_id), at_least, clock())
        if found is not None:
            return found
        return fresh_room(factory, workshop_id, clock=clock)


def fresh_room(factory: sessionmaker[Session], workshop_id: str, *,
               clock: Callable[[], float] = time.monotonic) -> Room:
    """The room's row read now (a page's first run), kept for the phones that ask after it."""
    now = clock()
    r = room.room(factory, workshop_id)
    with _lock:
        hit = _rooms.get(workshop_id)
        if hit is None or hit[1].version <= r.version:  # never replace a newer row by an older read
            _rooms[workshop_id] = (now, r)
        if len(_rooms) > 10_000:
            for key in [k for k, (t, _) in _rooms.items() if now - t > 60]:
                del _rooms[key]
                _reading.pop(key, None)
    return r


def closed_answers(factory: sessionmaker[Session], r: Room, item_id: str) -> dict[str, attempts.Answer]:
    """The answers to a closed item of room ``r``, read once per process and version, not once per phone.

    At the reveal every phone needs its own answer for its feedback. A closed item's answers
    are final (``room.answer`` refuses them under the room's row lock once it is closed), so
    one read after the phone saw it closed is right for every phone; a re-open moves the
    version, and a phone on a newer version than the copy reads again.
    """
    if item_id not in r.closed:
        raise ValueError(f"{item_id} is not closed in this room")
    key = (r.id, item_id)
    with _lock:
        hit = _closed.get(key)
        if hit is not None and hit[0] >= r.version:
            return hit[1]
        gate = _reading.setdefault(f"answers:{r.id}", threading.Lock())
    with gate:  # the whole room asks at once: one reads, the others wait for its copy
        with _lock:
            hit = _closed.get(key)
        if hit is not None and hit[0] >= r.version:
            return hit[1]
        answers = room.closed_item_answers(factory, r.id, item_id)
        with _lock:
            _closed[key] = (r.version, answers)
            if len(_closed) > 1_000:
                _closed.clear()
                _closed[key] = (r.version, answers)
        return answers


def forget(workshop_id: str | None = None) -> None:
    """Drop cached versions and rows (the facilitator's own process sees its change at once; tests)."""
    with _lock:
        if workshop_id is None:
            _cache.clear()
            _rooms.clear()
            _closed.clear()
        else:
            _cache.pop(workshop_id, None)
            _rooms.pop(workshop_id, None)
            for key in [k for k in _closed if k[0] == workshop_id]:
                del _closed[key]
