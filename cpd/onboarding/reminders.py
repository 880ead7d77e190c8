"""The daily job: due and expiry reminders, and renewals, for every organisation (or one).

Exactly once, even across a mail outage: each reminder is an outbox effect
whose de-duplication key names the organisation, person, reference
(assignment or certificate), reminder and recipient. Running the job again,
or on two replicas at once, adds nothing (the outbox's unique key); a mail
server that is down or refusing only delays delivery (the outbox retries), and
the Message-ID derived from the key lets a receiver drop a repeat delivery.
The app and ``python -m cpd worker`` run it hourly (``daily_loop``); ``python -m cpd onboarding run`` runs it once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cpd.content.loader import LoadedModule
from cpd.onboarding import overview
from cpd.onboarding.assignments import fresh_token, personal_link, renew_if_due
from cpd.onboarding.status import due_reminder, expiry_reminder, renewal_due
from cpd.outbox.mail import enqueue_mail
from cpd.storage.db import transaction
from cpd.storage.tables import Account, AccountRole, Assignment, OutboxEffect, StaffMember

HEADLINES = {
    "due-7": ("Training due within 7 days", "is due on {due}."),
    "due-today": ("Training due today", "is due today ({due})."),
    "overdue": ("Training overdue", "was due on {due} and is not complete."),
    "expiry-90": ("Certificate expires in 3 months", "certificate expires on {until}."),
    "expiry-60": ("Certificate expires in 2 months", "certificate expires on {until}; the renewal is open."),
    "expiry-30": ("Certificate expires within 30 days", "certificate expires on {until}."),
}


@dataclass(frozen=True)
class JobResult:
    reminders_queued: int
    renewals: int


def managers(session: Session, organisation_id: str) -> list[Account]:
    return list(session.scalars(select(Account).join(AccountRole, AccountRole.account_id == Account.id).where(
        Account.organisation_id == organisation_id, AccountRole.role == "manager", Account.disabled_at.is_(None))))


def run(factory: sessionmaker[Session], today: date, modules: Callable[[str], LoadedModule | None], *,
        public_url: str, organisation_id: str | None = None) -> JobResult:
    with factory() as session:
        orgs = ([organisation_id] if organisation_id else
                list(session.scalars(select(Assignment.organisation_id).distinct())))
    queued = renewed = 0
    for org in orgs:
        with transaction(factory) as session:
            q, r = _run_org(session, org, today, modules, public_url)
            queued, renewed = queued + q, renewed + r
    return JobResult(queued, renewed)


def module_lookup(modules_dir: Path, questions_dir: Path) -> Callable[[str], LoadedModule | None]:
    """Every module in the content folders by id (None for one that is gone), loaded once."""
    from cpd.content.loader import load_content, resolve_module

    content = load_content([modules_dir, questions_dir])

    def modules(module_id: str) -> LoadedModule | None:
        return resolve_module(content, module_id) if module_id in content.modules else None

    return modules


DAILY_PASS_EVERY_SECONDS = 3600.0  # hourly: a pass is idempotent (each reminder's key is queued once, ever)


def daily_loop(factory: sessionmaker[Session], modules: Callable[[str], LoadedModule | None], *, public_url: str,
               stop: threading.Event, every: float = DAILY_PASS_EVERY_SECONDS) -> None:
    """Run the reminders-and-renewals pass now and then every ``every`` seconds until ``stop`` is set.

    Started by ``python -m cpd worker`` and by the app's lifespan hook, so reminders go out with no cron job;
    several processes may run it at once, since the outbox keys make a second pass queue nothing new.
    """
    log = logging.getLogger("cpd.onboarding")
    while not stop.is_set():
        try:
            result = run(factory, datetime.now(UTC).date(), modules, public_url=public_url)
            if result.reminders_queued or result.renewals:
                log.info("onboarding: %d reminder(s) queued, %d renewal(s) opened", result.reminders_queued,
                         result.renewals)
        except Exception:  # noqa: BLE001 - the database was away: try again next time, never stop the worker
            log.exception("onboarding: a pass failed; trying again in %.0f s", every)
        stop.wait(every)


def _run_org(session: Session, org: str, today: date, modules: Callable[[str], LoadedModule | None],
             public_url: str) -> tuple[int, int]:
    queued = renewed = 0
    boss = managers(session, org)
    now = datetime.now(UTC)
    for row in overview.rows(session, org, today):
        loaded = modules(row.module_id)
        title = loaded.module.title if loaded else row.module_id
        kinds: list[tuple[str, str, str]] = []
        due_kind = due_reminder(row.due, today, done=row.cycle_passed)
        if due_kind:
            kinds.append(("due", row.assignment_id, due_kind))
        if row.certificate_id and row.valid_until:
            exp = expiry_reminder(row.valid_until, today, renewed=False)
            if exp:
                kinds.append(("expiry", row.certificate_id, exp))
        for family, ref, kind in kinds:
            headline, tail = HEADLINES[kind]
            text = tail.format(due=row.due.isoformat(), until=(row.valid_until or row.due).isoformat())
            message = f'"{title}" {text}' if family == "due" else f'Your "{title}" {text}'
            base = f"onb:{org}:{row.staff_id}:{family}:{ref}:{kind}"
            if family == "due":  # the reminder carries a fresh personal link (only if it is queued now)
                person_key = f"{base}:person"
                if not _queued_before(session, person_key):
                    a = session.get(Assignment, row.assignment_id)
                    member = session.get(StaffMember, row.staff_id)
                    assert a is not None and member is not None
                    link = personal_link(public_url, fresh_token(session, a, member, now))
                    queued += _queue(session, person_key, row.email, {
                        "name": row.name, "role": row.role, "module_title": title, "headline": headline,
                        "message": message + " Your personal link (no password needed):",
                        "about_someone": False, "link": link})
            else:  # an expiry notice: the renewal, when it opens, comes with its own link
                queued += _queue(session, f"{base}:person", row.email, {
                    "name": row.name, "role": row.role, "module_title": title, "headline": headline,
                    "message": message + " The renewal's personal link comes by e-mail when it opens.",
                    "about_someone": False, "link": ""})
            for account in boss:
                queued += _queue(session, f"{base}:manager-{account.id}", account.email, {
                    "name": row.name, "role": row.role, "module_title": title, "headline": headline,
                    "message": message, "about_someone": True,
                    "link": f"{public_url.rstrip('/')}/onboarding-dashboard"})
        if (row.cycle_passed and row.valid_until is not None and loaded is not None
                and renewal_due(row.valid_until, today, loaded.module.renew_days_before_expiry)):
            a = session.get(Assignment, row.assignment_id)
            assert a is not None
            if renew_if_due(session, a, row.valid_until, loaded, public_url=public_url, now=now):
                renewed += 1
    return queued, renewed


def _queued_before(session: Session, key: str) -> bool:
    return session.scalar(select(OutboxEffect.id).where(OutboxEffect.kind == "mail",
                                                        OutboxEffect.dedupe_key == key)) is not None


def _queue(session: Session, key: str, to: str, context: dict[str, object]) -> int:
    """1 if this reminder is new, 0 if it was queued before (by an earlier run or another replica)."""
    if _queued_before(session, key):
        return 0
    enqueue_mail(session, key, to=to, template="onboarding_reminder", context=context)
    return 1
