"""Status and reminders as pure functions, at every boundary (no database, no clock)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cpd.onboarding.status import Progress, Status, due_from_start, due_reminder, expiry_reminder, renewal_due, status

TODAY = date(2026, 6, 15)
D = timedelta(days=1)


@pytest.mark.parametrize(("progress", "expected"), [
    (Progress(due=TODAY), Status.NOT_STARTED),  # due today: not overdue yet
    (Progress(due=TODAY - D), Status.OVERDUE),  # overdue by one day
    (Progress(due=TODAY + D, started=True), Status.IN_PROGRESS),
    (Progress(due=TODAY, started=True), Status.IN_PROGRESS),
    (Progress(due=TODAY - D, started=True), Status.OVERDUE),
    (Progress(due=TODAY + D, started=True, finished=True, passed=False), Status.FAILED),
    (Progress(due=TODAY - D, started=True, finished=True, passed=False), Status.OVERDUE),
    # passed but the evaluation (and so the certificate) is not done yet
    (Progress(due=TODAY + D, started=True, finished=True, passed=True), Status.IN_PROGRESS),
    (Progress(due=TODAY, started=True, finished=True, passed=True, valid_until=TODAY + 31 * D), Status.PASSED),
    (Progress(due=TODAY, started=True, finished=True, passed=True, valid_until=TODAY + 30 * D), Status.EXPIRING),
    (Progress(due=TODAY, started=True, finished=True, passed=True, valid_until=TODAY), Status.EXPIRING),  # last day
    (Progress(due=TODAY, started=True, finished=True, passed=True, valid_until=TODAY - D), Status.EXPIRED),  # yesterday
    # a renewal cycle not yet passed shows the previous certificate's state
    (Progress(due=TODAY + 40 * D, valid_until=TODAY + 40 * D), Status.PASSED),
    (Progress(due=TODAY + 20 * D, started=True, valid_until=TODAY + 20 * D), Status.EXPIRING),
    (Progress(due=TODAY - D, valid_until=TODAY - D), Status.EXPIRED),
    # renewed: the new certificate decides
    (Progress(due=TODAY + 20 * D, passed=True, finished=True, started=True, valid_until=TODAY + 730 * D), Status.PASSED),
])
def test_status_at_every_boundary(progress, expected):
    assert status(progress, TODAY) is expected


@pytest.mark.parametrize(("due", "done", "expected"), [
    (TODAY + 8 * D, False, None),
    (TODAY + 7 * D, False, "due-7"),
    (TODAY + D, False, "due-7"),
    (TODAY, False, "due-today"),
    (TODAY - D, False, "overdue"),
    (TODAY - D, True, None),
])
def test_due_reminders(due, done, expected):
    assert due_reminder(due, TODAY, done=done) == expected


@pytest.mark.parametrize(("left", "renewed", "expected"), [
    (91, False, None), (90, False, "expiry-90"), (61, False, "expiry-90"), (60, False, "expiry-60"),
    (31, False, "expiry-60"), (30, False, "expiry-30"), (0, False, "expiry-30"), (-1, False, None), (30, True, None),
])
def test_expiry_reminders(left, renewed, expected):
    assert expiry_reminder(TODAY + left * D, TODAY, renewed=renewed) == expected


def test_renewal_opens_the_set_number_of_days_before_expiry_and_relative_due_dates():
    until = TODAY + 60 * D
    assert renewal_due(until, TODAY, 60) and not renewal_due(until, TODAY - D, 60)
    assert not renewal_due(until, TODAY, 59)
    assert due_from_start(date(2026, 1, 30), 14) == date(2026, 2, 13)
