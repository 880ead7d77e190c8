"""The hourly sweep deletes throttle rows once no throttle reads them, and nothing newer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from cpd import housekeeping
from cpd.accounts import learner_access, signin
from cpd.storage.tables import LearnerLinkRequest, SignInFailure, WorkshopJoinFailure
from cpd.workshops import room
from cpd.workshops.room import WorkshopError

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def _counts(store) -> tuple[int, int, int]:
    with store() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in  # type: ignore[return-value]
                     (LearnerLinkRequest, SignInFailure, WorkshopJoinFailure))


def _make_rows(store, at: datetime) -> None:
    learner_access.request_link(store, "nobody@example.org", client="198.51.100.1", public_url="https://x.example",
                                now=at)
    signin.authenticate(store, "nobody@example.org", "wrong password", client="198.51.100.1", now=at)
    with pytest.raises(WorkshopError):
        room.find_open(store, "ZZZZZZ", client="198.51.100.1", now=at)


def test_the_sweep_deletes_rows_past_their_windows_and_keeps_the_rest(store):
    _make_rows(store, T0)
    assert _counts(store) == (2, 1, 1)  # a link request is logged twice: by address and by client

    def sweep_at(minutes: int) -> tuple[int, int, int]:
        done = housekeeping.sweep(store, now=T0 + timedelta(minutes=minutes))
        return done.link_requests, done.sign_in_failures, done.join_failures

    assert sweep_at(14) == (0, 0, 0)  # inside every window: nothing goes
    assert sweep_at(16) == (0, 1, 0)  # the sign-in throttle reads 15 minutes back
    assert sweep_at(21) == (0, 0, 1)  # wrong join codes: twice their 10-minute window
    assert sweep_at(59) == (0, 0, 0)
    assert sweep_at(61) == (2, 0, 0)  # the privacy notice: a link request is kept for an hour
    assert sweep_at(61) == (0, 0, 0)  # a second process sweeping too deletes nothing more
    assert _counts(store) == (0, 0, 0)


def test_the_sweep_runs_in_the_background_until_told_to_stop(store):
    import threading

    _make_rows(store, datetime.now(UTC) - timedelta(days=1))
    stop = threading.Event()
    thread = housekeeping.start(store, stop)
    try:
        for _ in range(100):
            if _counts(store) == (0, 0, 0):
                break
            threading.Event().wait(0.05)
        assert _counts(store) == (0, 0, 0)
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()
