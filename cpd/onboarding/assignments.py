"""Assignments, personal links and renewals.

A personal link is an ``assignment`` token (``cpd.tokens``: only its hash is
stored; revocable) whose subject is the assignment. Opening it starts that
person's attempt the first time and returns to it afterwards: no password, and
nothing else reachable with it. Renewals are the next cycle of the same chain;
the unique keys on (person, module, cycle) and on ``renews_id`` make a second,
parallel renewal impossible even when two workers run at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from cpd import attempts, audit, tokens
from cpd.attempts import AttemptState, InvalidToken
from cpd.content.loader import LoadedModule
from cpd.learners import PROFESSIONS
from cpd.onboarding.roster import RosterError, get_member
from cpd.onboarding.status import due_from_start
from cpd.outbox.mail import enqueue_mail
from cpd.storage.db import transaction
from cpd.storage.tables import Assignment, AssignmentRule, Attempt, Learner, StaffMember

LINK_DAYS_AFTER_DUE = 120  # a personal link stays usable well past its due date (overdue people still finish)


@dataclass(frozen=True)
class Due:
    """A fixed date, or a number of days after each person's start date."""

    on: date | None = None
    within_days_of_start: int | None = None

    def for_start(self, start: date) -> date:
        if self.on is not None:
            return self.on
        if self.within_days_of_start is None or self.within_days_of_start < 0:
            raise RosterError("Give a due date, or a number of days after the start date")
        return due_from_start(start, self.within_days_of_start)


def personal_link(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/?assignment={token}"


def assign(factory: sessionmaker[Session], organisation_id: str, module: LoadedModule, due: Due, *,
           staff_ids: Iterable[str] = (), role: str | None = None, public_url: str, actor_id: str | None = None,
           today: date | None = None) -> list[str]:
    """Assign the module to the given people and/or everyone with ``role``; each gets a link by e-mail.

    People who already have this module assigned are left as they are. Returns the new assignment ids.
    When the renewal opens is the module's setting (``renew_days_before_expiry``), not the assignment's.
    """
    now = datetime.now(UTC)
    created: list[str] = []
    with transaction(factory) as session:
        members: dict[str, StaffMember] = {}
        for sid in staff_ids:
            member = get_member(session, organisation_id, sid)
            if member is None:
                raise RosterError("No such person on your roster")
            members[member.id] = member
        if role:
            _save_rule(session, organisation_id, module.module.id, role, due, now, actor_id)
            for member in session.scalars(select(StaffMember).where(StaffMember.organisation_id == organisation_id,
                                                                    StaffMember.job_role == role)):
                members[member.id] = member
        if not members:
            raise RosterError("Nobody to assign: choose people or a role that someone on the roster has")
        already = set(session.scalars(select(Assignment.staff_id).where(
            Assignment.organisation_id == organisation_id, Assignment.module_id == module.module.id,
            Assignment.staff_id.in_(list(members)))))
        for member in members.values():
            if member.id in already:
                continue
            a = _new_assignment(session, member, module, due.for_start(member.start_date), cycle=1, renews_id=None,
                                now=now, actor_id=actor_id)
            _send_link(session, a, member, module, public_url, now)
            audit.append(session, "assignment.create", organisation_id=organisation_id, actor_id=actor_id,
                         targets={"assignment": a.id, "staff": member.id, "module": module.module.id})
            created.append(a.id)
    return created


@dataclass(frozen=True)
class Rules:
    """What applying role rules to new or changed people needs: the modules (for the e-mail) and the public URL."""

    modules: Callable[[str], LoadedModule | None]
    public_url: str


def _save_rule(session: Session, organisation_id: str, module_id: str, role: str, due: Due, now: datetime,
               actor_id: str | None) -> None:
    exists = session.scalar(select(AssignmentRule.id).where(
        AssignmentRule.organisation_id == organisation_id, AssignmentRule.module_id == module_id,
        AssignmentRule.job_role == role))
    if exists is None:
        session.add(AssignmentRule(id=str(uuid.uuid4()), organisation_id=organisation_id, module_id=module_id,
                                   job_role=role, due_on=due.on, within_days=due.within_days_of_start,
                                   created_at=now, created_by=actor_id))
        session.flush()


def apply_rules(session: Session, members: Iterable[StaffMember], rules: Rules, *, actor_id: str | None = None) -> int:
    """Assign each person the modules their role carries (a new starter, a changed role); returns how many."""
    made = 0
    now = datetime.now(UTC)
    for member in members:
        for rule in session.scalars(select(AssignmentRule).where(
                AssignmentRule.organisation_id == member.organisation_id, AssignmentRule.job_role == member.job_role)):
            loaded = rules.modules(rule.module_id)
            if loaded is None or session.scalar(select(Assignment.id).where(
                    Assignment.staff_id == member.id, Assignment.module_id == rule.module_id)) is not None:
                continue
            due = Due(on=rule.due_on, within_days_of_start=rule.within_days).for_start(member.start_date)
            a = _new_assignment(session, member, loaded, due, cycle=1, renews_id=None, now=now, actor_id=actor_id)
            _send_link(session, a, member, loaded, rules.public_url, now)
            audit.append(session, "assignment.create", organisation_id=member.organisation_id, actor_id=actor_id,
                         targets={"assignment": a.id, "staff": member.id, "module": rule.module_id},
                         details={"rule": rule.id})
            made += 1
    return made


def _new_assignment(session: Session, member: StaffMember, module: LoadedModule, due: date, *, cycle: int,
                    renews_id: str | None, now: datetime, actor_id: str | None) -> Assignment:
    a = Assignment(id=str(uuid.uuid4()), organisation_id=member.organisation_id, staff_id=member.id,
                   module_id=module.module.id, cycle=cycle, renews_id=renews_id, due_date=due,
                   created_at=now, created_by=actor_id)
    session.add(a)
    session.flush()
    return a


def fresh_token(session: Session, a: Assignment, member: StaffMember, now: datetime) -> str:
    """One more personal link for this assignment (earlier ones stay live until withdrawn); returns its token.

    A due reminder carries one, so the person need not dig out the first e-mail; withdrawing the
    link (or re-sending it) revokes every link of the assignment at once.
    """
    ttl = max(timedelta(days=1), datetime.combine(a.due_date, datetime.min.time(), tzinfo=UTC) - now
              + timedelta(days=LINK_DAYS_AFTER_DUE))
    issued = tokens.issue(session, tokens.Purpose.ASSIGNMENT, a.id, organisation_id=a.organisation_id, ttl=ttl,
                          data={"staff": member.id}, now=now)
    a.link_token_id = issued.id
    return issued.token


def _revoke_links(session: Session, a: Assignment, now: datetime | None = None) -> bool:
    """Withdraw every personal link of the assignment (the first e-mail's and any a reminder carried)."""
    return tokens.revoke_all(session, a.id, tokens.Purpose.ASSIGNMENT, organisation_id=a.organisation_id,
                             now=now) > 0


def _send_link(session: Session, a: Assignment, member: StaffMember, module: LoadedModule, public_url: str,
               now: datetime) -> str:
    token = fresh_token(session, a, member, now)
    enqueue_mail(session, f"onb:{a.organisation_id}:{member.id}:link:{a.link_token_id}", to=member.email,
                 template="onboarding_assignment",
                 context={"name": member.name, "module_title": module.module.title, "due": a.due_date.isoformat(),
                          "link": personal_link(public_url, token), "renewal": a.cycle > 1,
                          "minutes": module.module.estimated_minutes})
    return token


def resend_link(factory: sessionmaker[Session], organisation_id: str, assignment_id: str, module: LoadedModule, *,
                public_url: str, actor_id: str | None = None) -> str:
    """Revoke the old link and e-mail a new one (a lost or forwarded link); returns the new link."""
    now = datetime.now(UTC)
    with transaction(factory) as session:
        a = get_assignment(session, organisation_id, assignment_id)
        if a is None:
            raise RosterError("No such assignment in your organisation")
        _revoke_links(session, a, now)
        member = session.get(StaffMember, a.staff_id)
        assert member is not None
        token = _send_link(session, a, member, module, public_url, now)
        audit.append(session, "assignment.link_revoke", organisation_id=organisation_id, actor_id=actor_id,
                     targets={"assignment": a.id}, details={"reissued": True})
        return personal_link(public_url, token)


def revoke_link(factory: sessionmaker[Session], organisation_id: str, assignment_id: str, *,
                actor_id: str | None = None) -> bool:
    """The personal link stops working at once; True if it was live."""
    with transaction(factory) as session:
        a = get_assignment(session, organisation_id, assignment_id)
        if a is None:
            raise RosterError("No such assignment in your organisation")
        live = _revoke_links(session, a)
        audit.append(session, "assignment.link_revoke", organisation_id=organisation_id, actor_id=actor_id,
                     targets={"assignment": a.id}, details={"reissued": False})
        return live


def get_assignment(session: Session, organisation_id: str, assignment_id: str) -> Assignment | None:
    a = session.get(Assignment, assignment_id)
    return a if a is not None and a.organisation_id == organisation_id else None


def _profession(job_role: str) -> str:
    lowered = job_role.lower()
    for p in PROFESSIONS:
        if p.lower() == lowered or p.lower().split(" / ")[0] == lowered:
            return p
    return "Other"


def open_link(factory: sessionmaker[Session], token: str, modules: Callable[[str], LoadedModule | None], *,
              now: datetime | None = None) -> tuple[AttemptState, str | None]:
    """The person's attempt for the assignment behind ``token``: started now (with a new resume token) or resumed.

    The assignment row is updated first in the transaction, which locks it, so two
    tabs opening the same link at once start one attempt, not two.
    """
    now = now or datetime.now(UTC)
    with transaction(factory) as session:
        record = tokens.lookup(session, tokens.Purpose.ASSIGNMENT, token, now=now)
        if record is None:
            raise InvalidToken("This personal link is not valid any more (it was replaced, withdrawn or has expired). "
                               "Ask your manager for a new one.")
        a = session.get(Assignment, record.subject_id)
        # Any live link of the assignment opens it (the first e-mail's, a reminder's); withdrawing revokes them all.
        if a is None or a.organisation_id != record.organisation_id:
            raise InvalidToken("This personal link is not valid any more. Ask your manager for a new one.")
        session.execute(update(Assignment).where(Assignment.id == a.id).values(attempt_id=Assignment.attempt_id))
        session.refresh(a)
        member = session.get(StaffMember, a.staff_id)
        assert member is not None
        if a.attempt_id is not None and member.learner_id is not None:
            newest = session.scalar(select(Attempt).where(
                Attempt.learner_id == member.learner_id, Attempt.module_id == a.module_id,
                Attempt.started_at >= a.created_at).order_by(Attempt.started_at.desc()).limit(1))
            if newest is not None:
                return attempts.state_of(session, newest), None
        loaded = modules(a.module_id)
        if loaded is None:
            raise InvalidToken("The assigned module is not available right now. Please try again later.")
        if member.learner_id is None:
            learner = Learner(id=str(uuid.uuid4()), name=member.name[:120], email=member.email,
                              profession=_profession(member.job_role),
                              registration_number=member.registration_number, created_at=now)
            session.add(learner)
            session.flush()
            member.learner_id = learner.id
        attempt, resume_token = attempts.open_for_learner(session, member.learner_id, loaded, now)
        a.attempt_id = attempt.id
        return attempts.state_of(session, attempt), resume_token


def renew_if_due(session: Session, a: Assignment, valid_until: date, module: LoadedModule, *, public_url: str,
                 now: datetime) -> str | None:
    """Open the next cycle of ``a``'s chain (once); None if it exists already. Runs in a savepoint."""
    member = session.get(StaffMember, a.staff_id)
    assert member is not None
    try:
        with session.begin_nested():
            nxt = _new_assignment(session, member, module, valid_until, cycle=a.cycle + 1, renews_id=a.id,
                                  now=now, actor_id=None)
    except IntegrityError:
        return None
    _send_link(session, nxt, member, module, public_url, now)
    audit.append(session, "assignment.renew", organisation_id=a.organisation_id,
                 targets={"assignment": nxt.id, "renews": a.id, "staff": member.id, "module": a.module_id})
    return nxt.id


def revoke_certificate(factory: sessionmaker[Session], organisation_id: str, certificate_id: str, reason: str, *,
                       actor_id: str | None = None) -> None:
    """A manager revokes a certificate of one of their own staff (e.g. issued to the wrong person).

    Refused for any certificate not held by someone on this organisation's roster;
    recorded in the organisation's audit chain (the reason stays on the certificate).
    """
    from cpd.certificates.service import find_certificate, revoke
    from cpd.text import clean_text

    text = clean_text(reason, field="Reason", max_len=1000, multiline=True)
    with transaction(factory) as session:
        cert = find_certificate(session, certificate_id.strip())
        attempt = session.get(Attempt, cert.attempt_id) if cert is not None else None
        owner = attempt is not None and session.scalar(select(StaffMember.id).where(
            StaffMember.organisation_id == organisation_id, StaffMember.learner_id == attempt.learner_id))
        if cert is None or not owner:
            raise RosterError("No such certificate among your staff's certificates")
        revoke(session, cert.id, text)
        audit.append(session, "certificate.revoke", organisation_id=organisation_id, actor_id=actor_id,
                     targets={"certificate": cert.id, "staff": str(owner)})
