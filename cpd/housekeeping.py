"""Hourly clean-up of short-lived rows: throttle logs and expired login states.

Each throttle (sign-in failures, "find my attempts" link requests, wrong workshop codes)
deletes its own old rows when it is next used; on a quiet site that may be days later,
and the privacy notice promises that link requests go after an hour. This pass deletes
every row that no throttle reads any more, on the same hourly beat as the clinics'
reminders, in each app process and in ``python -m cpd worker``. Several processes may run
it at once: a delete of rows already deleted deletes nothing.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Delete, delete
from sqlalchemy.orm import Session, sessionmaker

from cpd.accounts import learner_access, signin
from cpd.storage.db import transaction
from cpd.storage.tables import LearnerLinkRequest, LtiLoginState, SignInFailure, WorkshopJoinFailure
from cpd.workshops import room

SWEEP_EVERY_SECONDS = 3600.0


@dataclass(frozen=True)
class Swept:
    """How many rows of each kind one pass deleted."""

    link_requests: int
    sign_in_failures: int
    join_failures: int
    lti_login_states: int

    @property
    def total(self) -> int:
        return self.link_requests + self.sign_in_failures + self.join_failures + self.lti_login_states


def sweep(factory: sessionmaker[Session], *, now: datetime | None = None) -> Swept:
    """Delete the rows past every window that reads them; one transaction."""
    now = now or datetime.now(UTC)
    with transaction(factory) as session:
        def gone(statement: Delete) -> int:
            return cast(CursorResult[Any], session.execute(statement)).rowcount

        return Swept(
            link_requests=gone(delete(LearnerLinkRequest).where(
                LearnerLinkRequest.requested_at < now - learner_access.WINDOW)),
            sign_in_failures=gone(delete(SignInFailure).where(SignInFailure.failed_at < now - signin.LIMITS.window)),
            join_failures=gone(delete(WorkshopJoinFailure).where(
                WorkshopJoinFailure.failed_at < now - 2 * room.FAIL_WINDOW)),
            lti_login_states=gone(delete(LtiLoginState).where(LtiLoginState.expires_at < now - timedelta(hours=1))),
        )


def sweep_loop(factory: sessionmaker[Session], stop: threading.Event, *, every: float = SWEEP_EVERY_SECONDS) -> None:
    """Sweep now and then every ``every`` seconds until ``stop`` is set; a failed pass is logged and retried."""
    log = logging.getLogger("cpd.housekeeping")
    while not stop.is_set():
        try:
            done = sweep(factory)
            if done.total:
                log.info("housekeeping: deleted %d expired row(s)", done.total)
        except Exception:  # noqa: BLE001 - the database was away: try again next time, never stop the process
            log.exception("housekeeping: a pass failed; trying again in %.0f s", every)
        stop.wait(every)


def start(factory: sessionmaker[Session], stop: threading.Event) -> threading.Thread:
    """The background thread the app's lifespan hook and the worker start."""
    thread = threading.Thread(target=sweep_loop, args=(factory, stop), name="cpd-housekeeping", daemon=True)
    thread.start()
    return thread
