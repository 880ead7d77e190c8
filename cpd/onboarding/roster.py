"""The roster in the database: add one person, import a checked file all-or-nothing, change a job role.

An import is one transaction: every row, and its audit entry, is written or
none is (a crash half-way leaves the roster as it was). A file with problems
imports nothing unless the manager confirms importing only the good rows, and
then the audit entry records how many lines were left out.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from cpd import audit
from cpd.onboarding.roster_csv import ParsedRoster, RosterRow, parse_roster
from cpd.storage.db import transaction
from cpd.storage.tables import StaffMember

if TYPE_CHECKING:
    from cpd.onboarding.assignments import Rules


class RosterError(ValueError):
    """Nothing was written; the message says why, for the manager."""


@dataclass(frozen=True)
class ImportResult:
    imported: int
    skipped_lines: tuple[int, ...]


def existing_emails(factory: sessionmaker[Session], organisation_id: str) -> frozenset[str]:
    with factory() as session:
        return frozenset(session.scalars(select(StaffMember.email).where(StaffMember.organisation_id == organisation_id)))


def check_file(factory: sessionmaker[Session], organisation_id: str, data: bytes, *,
               allow_windows_1252: bool = False) -> ParsedRoster:
    """Parse against this organisation's roster (a person already on it is a duplicate); writes nothing."""
    return parse_roster(data, existing_emails=existing_emails(factory, organisation_id),
                        allow_windows_1252=allow_windows_1252)


def import_roster(factory: sessionmaker[Session], organisation_id: str, parsed: ParsedRoster, *,
                  good_rows_only: bool = False, actor_id: str | None = None,
                  on_row: Callable[[RosterRow], None] | None = None, rules: Rules | None = None) -> ImportResult:
    """Write the parsed rows in one transaction; refuses a file with problems unless ``good_rows_only``.

    ``on_row`` is called before each row is written (progress; tests use it to crash half-way).
    With ``rules``, new starters get the modules their role carries (and their links) in the same transaction.
    """
    if parsed.needs_encoding_confirmation:
        raise RosterError("The file is not UTF-8: confirm the Windows-1252 preview of the names first. Nothing was imported.")
    if parsed.problems and not good_rows_only:
        raise RosterError(f"{len(parsed.bad_lines)} line(s) have problems; nothing was imported. "
                          "Fix them, or confirm importing only the good rows.")
    if not parsed.rows:
        raise RosterError("No good rows to import; nothing was imported.")
    now = datetime.now(UTC)
    try:
        with transaction(factory) as session:
            added = []
            for row in parsed.rows:
                if on_row is not None:
                    on_row(row)
                added.append(_member(organisation_id, row.name, row.email, row.role, row.start_date,
                                     row.registration_number, now))
                session.add(added[-1])
            session.flush()
            _apply(session, added, rules, actor_id)
            audit.append(session, "roster.import", organisation_id=organisation_id, actor_id=actor_id,
                         details={"rows": len(parsed.rows), "skipped_lines": len(parsed.bad_lines),
                                  "encoding": parsed.encoding})
    except IntegrityError:
        raise RosterError("Someone added one of these people a moment ago; nothing was imported. "
                          "Check the file again.") from None
    return ImportResult(len(parsed.rows), tuple(parsed.bad_lines))


def add_person(factory: sessionmaker[Session], organisation_id: str, *, name: str, email: str, role: str,
               start_date: date, registration_number: str | None = None, actor_id: str | None = None,
               rules: Rules | None = None) -> StaffMember:
    """One person, checked by the same rules as a file row."""
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer).writerows([["name", "email", "role", "start date", "registration number"],
                                  [name, email, role, start_date.isoformat(), registration_number or ""]])
    parsed = check_file(factory, organisation_id, buffer.getvalue().encode("utf-8"))
    if parsed.problems:
        raise RosterError("; ".join(p.message for p in parsed.problems))
    row = parsed.rows[0]
    member = _member(organisation_id, row.name, row.email, row.role, row.start_date, row.registration_number,
                     datetime.now(UTC))
    try:
        with transaction(factory) as session:
            session.add(member)
            session.flush()
            audit.append(session, "staff.add", organisation_id=organisation_id, actor_id=actor_id,
                         targets={"staff": member.id})
            _apply(session, [member], rules, actor_id)
    except IntegrityError:
        raise RosterError(f"{row.email} is already on the roster") from None
    return member


def change_role(factory: sessionmaker[Session], organisation_id: str, staff_id: str, role: str, *,
                actor_id: str | None = None, rules: Rules | None = None) -> StaffMember:
    from cpd.text import clean_text

    clean = clean_text(role, field="Role", max_len=80)
    with transaction(factory) as session:
        member = get_member(session, organisation_id, staff_id)
        if member is None:
            raise RosterError("No such person on your roster")
        member.job_role = clean
        audit.append(session, "staff.role_change", organisation_id=organisation_id, actor_id=actor_id,
                     targets={"staff": member.id})
        session.flush()
        _apply(session, [member], rules, actor_id)
        return member


def _apply(session: Session, members: list[StaffMember], rules: Rules | None, actor_id: str | None) -> None:
    if rules is not None:
        from cpd.onboarding.assignments import apply_rules

        apply_rules(session, members, rules, actor_id=actor_id)


def get_member(session: Session, organisation_id: str, staff_id: str) -> StaffMember | None:
    """The person only if they are on this organisation's roster (a guessed id from elsewhere finds nothing)."""
    member = session.get(StaffMember, staff_id)
    return member if member is not None and member.organisation_id == organisation_id else None


def list_members(factory: sessionmaker[Session], organisation_id: str) -> list[StaffMember]:
    with factory() as session:
        return list(session.scalars(select(StaffMember).where(StaffMember.organisation_id == organisation_id)
                                    .order_by(StaffMember.name)))


def _member(organisation_id: str, name: str, email: str, role: str, start: date, reg: str | None,
            now: datetime) -> StaffMember:
    return StaffMember(id=str(uuid.uuid4()), organisation_id=organisation_id, name=name, email=email, job_role=role,
                       start_date=start, registration_number=reg, created_at=now)
