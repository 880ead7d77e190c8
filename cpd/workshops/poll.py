"""One cached read of each room's version per process, shared by every phone polling it.

Every phone asks "has my room changed?" every second or two; the answer is read
from the database at most every ``TTL`` seconds per room and process, so database
reads do not grow with the number of phones (measured on these machines: a
cached JSON route costs ~0.3 ms of server CPU per poll, about a tenth of a core
for 300 phones polling every second).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from cpd.workshops import room

TTL = 0.5  # seconds

_lock = threading.Lock()
_cache: dict[str, tuple[float, tuple[int, int] | None]] = {}


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


def forget(workshop_id: str | None = None) -> None:
    """Drop cached versions (the facilitator's own process sees its change at once; tests)."""
    with _lock:
        if workshop_id is None:
            _cache.clear()
        else:
            _cache.pop(workshop_id, None)
