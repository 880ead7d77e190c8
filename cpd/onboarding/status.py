"""Status and reminders as pure functions of dates: no database, no clock (``today`` is always passed in).

A certificate is in force up to and including its ``valid_until`` day (the
verifier's rule). "Expiring" means within 30 days of that day, counting it;
"overdue" means the due date has passed (the due day itself is not overdue).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

EXPIRING_WITHIN_DAYS = 30
DUE_SOON_DAYS = 7
EXPIRY_REMINDER_DAYS = (90, 60, 30)


class Status(StrEnum):
    NOT_STARTED = "not started"
    IN_PROGRESS = "in progress"
    PASSED = "passed"
    FAILED = "failed"
    OVERDUE = "overdue"
    EXPIRING = "expiring within 30 days"
    EXPIRED = "expired"


# Worst first: the order gaps are listed in.
SEVERITY = (Status.EXPIRED, Status.OVERDUE, Status.FAILED, Status.EXPIRING, Status.NOT_STARTED,
            Status.IN_PROGRESS, Status.PASSED)
GAPS = frozenset({Status.EXPIRED, Status.OVERDUE, Status.FAILED, Status.NOT_STARTED, Status.IN_PROGRESS,
                  Status.EXPIRING})


@dataclass(frozen=True)
class Progress:
    """What is known about one person's work on one assignment cycle."""

    due: date
    started: bool = False
    finished: bool = False  # an attempt reached its result
    passed: bool = False
    valid_until: date | None = None  # of the newest certificate in the chain (may be from the previous cycle)


def status(p: Progress, today: date) -> Status:
    """One person's status for one module on ``today``.

    Passed means a certificate was issued (the evaluation is part of the module);
    a renewal cycle not yet passed shows the previous certificate's state
    (passed, expiring, expired), so renewing early never makes anyone look worse.
    """
    if p.valid_until is not None:
        return _certificate_status(p.valid_until, today)
    if today > p.due:
        return Status.OVERDUE
    if p.finished and not p.passed:
        return Status.FAILED
    if p.started:
        return Status.IN_PROGRESS
    return Status.NOT_STARTED


def _certificate_status(valid_until: date, today: date) -> Status:
    if today > valid_until:
        return Status.EXPIRED
    if (valid_until - today).days <= EXPIRING_WITHIN_DAYS:
        return Status.EXPIRING
    return Status.PASSED


def due_reminder(due: date, today: date, *, done: bool) -> str | None:
    """The one due reminder in force today: ``due-7`` (from 7 days before), ``due-today``, ``overdue``; None when done.

    The most advanced one is sent, so a job that did not run on the exact day still sends the right one late.
    """
    if done:
        return None
    if today > due:
        return "overdue"
    if today == due:
        return "due-today"
    if (due - today).days <= DUE_SOON_DAYS:
        return "due-7"
    return None


def expiry_reminder(valid_until: date, today: date, *, renewed: bool) -> str | None:
    """``expiry-90``/``-60``/``-30`` by the days left (the smallest threshold reached); None when renewed or expired."""
    if renewed or today > valid_until:
        return None
    left = (valid_until - today).days
    for days in sorted(EXPIRY_REMINDER_DAYS):
        if left <= days:
            return f"expiry-{days}"
    return None


def renewal_due(valid_until: date, today: date, renew_days_before: int) -> bool:
    """The renewal cycle opens ``renew_days_before`` days before the certificate's last day.

    The lead time is the module's ``renew_days_before_expiry`` setting (default 60), read when the pass runs,
    so changing it in the module's YAML moves every renewal not yet opened; one already opened stays.
    """
    return today >= valid_until - timedelta(days=renew_days_before)


def due_from_start(start: date, within_days: int) -> date:
    """A new starter's due date: ``within_days`` after their start date."""
    return start + timedelta(days=within_days)
