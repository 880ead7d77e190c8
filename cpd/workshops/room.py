"""A live workshop: create, join, rejoin, the facilitator's controls, answers and the revealed distribution.

Everything is in the database (``cpd.storage.tables.Workshop`` and friends), so two
app processes on one PostgreSQL show the same room and a restart loses nothing.
Participants' answers are ordinary attempt responses (delivery format
``workshop``, the workshop's venue), stored through ``cpd.attempts.submit_answer``
under the facilitator-paced behaviour: an answer may change while its item is
open, and is final once the facilitator closes it.

Views handed to pages never carry the answer key; counts and the distribution
come only from ``revealed_distribution``, which refuses before the reveal.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session, sessionmaker

from cpd import attempts, audit, tokens
from cpd.accounts.directory import Principal
from cpd.analysis import distribution
from cpd.behaviours.feedback import Behaviour, FacilitatorPaced
from cpd.behaviours.navigation import FacilitatorDriven
from cpd.content.loader import LoadedModule
from cpd.items.registry import type_of
from cpd.learners import PROFESSIONS
from cpd.storage.db import transaction
from cpd.storage.tables import Learner, Response, Workshop, WorkshopJoinFailure, WorkshopParticipant
from cpd.text import InvalidText, clean_text
from cpd.timeutil import as_utc
from cpd.workshops import codes

PACINGS = ("facilitator", "self")
DEVICE_TTL = timedelta(days=2)  # a seat's device token outlives the day of the workshop, not much more
FAIL_WINDOW = timedelta(minutes=10)
ANSWERS_CLOSED = "This question is closed: answers can no longer change."
FAILS_ALLOWED = 10  # wrong codes (or personal numbers) per client in the window before it must wait
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_REG = re.compile(r"^[\w ./-]+$", re.UNICODE)


class WorkshopError(Exception):
    """A problem the user can act on; the message is shown as is."""


class NotAllowed(WorkshopError):
    pass


class JoinRefused(WorkshopError):
    pass


@dataclass(frozen=True)
class Room:
    """The room as any page may see it: settings and state, no key, no counts."""

    id: str
    title: str
    held_on: str
    venue: str
    cpd_hours: float
    assessed: bool
    pacing: str
    anonymous: bool
    module_id: str
    content_hash: str
    join_code: str
    status: str
    stage_id: str | None
    open_item: str | None
    item_opened_at: datetime | None
    closed: frozenset[str]
    revealed: frozenset[str]
    paused: bool
    version: int
    facilitator_id: str
    organisation_id: str | None

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def behaviour(self) -> FacilitatorPaced:
        return FacilitatorPaced(FacilitatorDriven(None if self.paused else self.open_item, self.closed), self.revealed)


@dataclass(frozen=True)
class Seat:
    """A participant's seat; ``device_token`` and ``personal_number`` only right after joining (shown once)."""

    participant_id: str
    workshop_id: str
    attempt_id: str
    shown_name: str
    device_token: str | None = None
    personal_number: str | None = None


@dataclass(frozen=True)
class Created:
    room: Room
    projector_key: str  # the unguessable projector link's secret, shown to the facilitator


def _now(now: datetime | None) -> datetime:
    return as_utc(now) or datetime.now(UTC)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _room(w: Workshop) -> Room:
    return Room(w.id, w.title, w.held_on, w.venue, w.cpd_hours, w.assessed, w.pacing, w.anonymous, w.module_id,
                w.content_hash, w.shown_code, w.status, w.stage_id, w.open_item, as_utc(w.item_opened_at),
                frozenset(json.loads(w.closed_json)), frozenset(json.loads(w.revealed_json)), w.paused, w.version,
                w.facilitator_id, w.organisation_id)


# --- creating ----------------------------------------------------------------

def _check_hours(value: object) -> float:
    try:
        hours = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise WorkshopError("CPD hours: a number such as 1.5") from None
    if not (0 < hours <= 24) or (hours * 4) != int(hours * 4):
        raise WorkshopError("CPD hours: more than 0, at most 24, in steps of 0.25 (e.g. 0.75, 1.5, 3.25)")
    return hours


def _may_facilitate(who: Principal) -> None:
    if not (who.is_admin or "facilitator" in who.roles):
        raise NotAllowed("Only a facilitator (or an administrator) can run workshops.")


def create(factory: sessionmaker[Session], loaded: LoadedModule, who: Principal, *, title: str, held_on: date | str,
           venue: str, cpd_hours: float | str, assessed: bool = True, pacing: str = "facilitator",
           anonymous: bool = False, now: datetime | None = None) -> Created:
    """A new workshop for ``loaded``, open for joining at once; the facilitator is ``who``."""
    _may_facilitate(who)
    messages: list[str] = []
    clean: dict[str, str] = {}
    for key, label, value in (("title", "Title", title), ("venue", "Venue", venue)):
        try:
            clean[key] = clean_text(value, field=label, max_len=200)
        except InvalidText as exc:
            messages.append(str(exc))
    try:
        day = held_on if isinstance(held_on, date) else date.fromisoformat(str(held_on))
    except ValueError:
        messages.append("Date: a date such as 2026-12-02")
        day = None
    try:
        hours = _check_hours(cpd_hours)
    except WorkshopError as exc:
        messages.append(str(exc))
    if pacing not in PACINGS:
        messages.append(f"Pacing: {' or '.join(PACINGS)}")
    if messages:
        raise WorkshopError("; ".join(messages))
    assert day is not None
    now = _now(now)
    key = secrets.token_urlsafe(32)
    with transaction(factory) as session:
        attempts.save_snapshot(session, loaded, now)
        w = Workshop(id=str(uuid.uuid4()), organisation_id=who.organisation_id, facilitator_id=who.account_id,
                     module_id=loaded.module.id, content_hash=loaded.content_hash, title=clean["title"],
                     held_on=day.isoformat(), venue=clean["venue"], cpd_hours=hours, assessed=bool(assessed),
                     pacing=pacing, anonymous=bool(anonymous), shown_code="",
                     projector_key_hash=_digest(key), status="open", closed_json="[]", revealed_json="[]",
                     paused=False, version=1, activity=0, created_at=now)
        session.add(w)
        session.flush()
        # the code is a token (looked up by its hash, unique, revoked at finish); the row keeps it only for showing
        w.shown_code = tokens.issue(session, tokens.Purpose.JOIN_CODE, w.id, organisation_id=who.organisation_id,
                                    alphabet=codes.ALPHABET, length=codes.LENGTH, now=now).token
        audit.append(session, "workshop.create", organisation_id=who.organisation_id, actor_id=who.account_id,
                     targets={"workshop": w.id})
        return Created(_room(w), key)


def _owned(session: Session, workshop_id: str, who: Principal, *, lock: bool = False) -> Workshop:
    q = select(Workshop).where(Workshop.id == workshop_id)
    if lock and session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update()
    w = session.scalar(q.execution_options(populate_existing=True))
    if w is None or not (who.is_admin or w.facilitator_id == who.account_id):
        raise NotAllowed("No such workshop among yours.")
    return w


def new_projector_key(factory: sessionmaker[Session], workshop_id: str, who: Principal) -> str:
    """A fresh unguessable projector link; the old one stops working (only its hash is stored)."""
    key = secrets.token_urlsafe(32)
    with transaction(factory) as session:
        w = _owned(session, workshop_id, who)
        w.projector_key_hash = _digest(key)
        audit.append(session, "workshop.projector_link", organisation_id=w.organisation_id, actor_id=who.account_id,
                     targets={"workshop": w.id})
    return key


def list_for(factory: sessionmaker[Session], who: Principal) -> list[Room]:
    """The facilitator's own workshops, newest first; an administrator sees all."""
    with factory() as session:
        q = select(Workshop).order_by(Workshop.created_at.desc())
        if not who.is_admin:
            q = q.where(Workshop.facilitator_id == who.account_id)
        return [_room(w) for w in session.scalars(q)]


def get_for(factory: sessionmaker[Session], workshop_id: str, who: Principal) -> Room:
    with factory() as session:
        return _room(_owned(session, workshop_id, who))


def room(factory: sessionmaker[Session], workshop_id: str) -> Room:
    """The room's public state (for a participant's page; no counts)."""
    with factory() as session:
        w = session.get(Workshop, workshop_id)
        if w is None:
            raise WorkshopError("This workshop no longer exists.")
        return _room(w)


def by_projector_key(factory: sessionmaker[Session], key: object) -> Room | None:
    if not isinstance(key, str) or not (20 <= len(key) <= 100):
        return None
    with factory() as session:
        w = session.scalar(select(Workshop).where(Workshop.projector_key_hash == _digest(key)))
        return _room(w) if w is not None else None


def version(factory: sessionmaker[Session], workshop_id: str) -> tuple[int, int] | None:
    """(version, activity) of a room, or None: one indexed read, for the polling route."""
    with factory() as session:
        row = session.execute(select(Workshop.version, Workshop.activity).where(Workshop.id == workshop_id)).first()
        return (int(row[0]), int(row[1])) if row else None


# --- joining -----------------------------------------------------------------

def client_key(client: str) -> str:
    return _digest("workshop-client:" + (client or "unknown"))


def _throttled(session: Session, ckey: str, now: datetime) -> timedelta:
    since = now - FAIL_WINDOW
    times = sorted(as_utc(t) for t in session.scalars(
        select(WorkshopJoinFailure.failed_at).where(WorkshopJoinFailure.client_key == ckey,
                                                    WorkshopJoinFailure.failed_at > since)
        .order_by(WorkshopJoinFailure.failed_at.desc()).limit(FAILS_ALLOWED)))
    if len(times) < FAILS_ALLOWED:
        return timedelta(0)
    return times[0] + FAIL_WINDOW - now


def _fail(factory: sessionmaker[Session], ckey: str, now: datetime, message: str) -> JoinRefused:
    with transaction(factory) as session:
        session.add(WorkshopJoinFailure(client_key=ckey, failed_at=now))
        session.execute(delete(WorkshopJoinFailure).where(WorkshopJoinFailure.failed_at < now - 2 * FAIL_WINDOW))
    return JoinRefused(message)


def _check_wait(factory: sessionmaker[Session], ckey: str, now: datetime) -> None:
    with factory() as session:
        wait = _throttled(session, ckey, now)
    if wait > timedelta(0):
        minutes = max(1, int(wait.total_seconds() // 60) + 1)
        raise JoinRefused(f"Too many wrong codes from this connection. Please wait {minutes} minute"
                          f"{'s' if minutes != 1 else ''}, then check the code on the screen.")


def find_open(factory: sessionmaker[Session], code: object, *, client: str, now: datetime | None = None) -> Room:
    """The open workshop behind a typed code; wrong and closed codes are refused plainly, and slowed per client."""
    now = _now(now)
    ckey = client_key(client)
    _check_wait(factory, ckey, now)
    normal = codes.normalise(code)  # junk is never looked up
    checked, w = tokens.Checked(tokens.Status.UNKNOWN), None
    if normal is not None:
        with factory() as session:
            checked = tokens.check(session, tokens.Purpose.JOIN_CODE, normal, now=now)  # by the code's hash
            if checked.record is not None:
                w = session.get(Workshop, checked.record.subject_id)
    if checked.status is tokens.Status.UNKNOWN:
        raise _fail(factory, ckey, now, "No workshop has this code. Check the code on the screen and try again.")
    if w is None or w.status != "open":  # revoked at finish (or past the code's year)
        raise _fail(factory, ckey, now, "This workshop has finished; its code no longer lets anyone join.")
    return _room(w)


@dataclass(frozen=True)
class JoinInput:
    name: str
    profession: str
    registration_number: str | None
    email: str | None


def check_join(data: Mapping[str, Any]) -> JoinInput:
    """Name and profession required; registration number and e-mail optional (needed for a certificate)."""
    messages: list[str] = []
    out: dict[str, str | None] = {}
    for key, label, max_len, required in (("name", "Name", 120, True), ("profession", "Profession", 120, True),
                                          ("registration_number", "Registration number", 40, False),
                                          ("email", "E-mail", 254, False)):
        try:
            out[key] = clean_text(data.get(key), field=label, max_len=max_len, required=required)
        except InvalidText as exc:
            messages.append(str(exc))
    if out.get("profession") and out["profession"] not in PROFESSIONS:
        messages.append("Profession: choose one from the list")
    if out.get("registration_number") and not _REG.match(out["registration_number"] or ""):
        messages.append("Registration number: letters, digits, spaces, '.', '/' and '-' only")
    if out.get("email"):
        if not _EMAIL.match(out["email"] or ""):
            messages.append("E-mail: this does not look like an e-mail address (name@example.org)")
        else:
            out["email"] = (out["email"] or "").lower()
    if messages:
        raise WorkshopError("; ".join(messages))
    return JoinInput(str(out["name"]), str(out["profession"]), out.get("registration_number"), out.get("email"))


def join(factory: sessionmaker[Session], loaded: LoadedModule, code: object, data: Mapping[str, Any], *,
         client: str, now: datetime | None = None) -> Seat:
    """A new seat: a learner, a workshop attempt, a device token and a short personal number (both shown once).

    A name already in the room gets " (2)", " (3)"... so two people called the same are
    told apart, never merged; the shown name is unique per workshop (a unique key backs it).
    """
    person = check_join(data)
    now = _now(now)
    room_ = find_open(factory, code, client=client, now=now)
    if room_.content_hash != loaded.content_hash:
        raise WorkshopError("This workshop runs another version of the module.")
    number = f"{secrets.randbelow(10_000):04d}"
    for _ in range(20):
        try:
            with transaction(factory) as session:
                taken = set(session.scalars(select(WorkshopParticipant.shown_name).where(
                    WorkshopParticipant.workshop_id == room_.id, WorkshopParticipant.name == person.name)))
                shown = person.name
                n = 1
                while shown in taken:
                    n += 1
                    shown = f"{person.name} ({n})"
                learner = Learner(id=str(uuid.uuid4()), name=person.name, email=person.email or "",
                                  profession=person.profession, registration_number=person.registration_number,
                                  created_at=now)
                session.add(learner)
                session.flush()
                attempt, _resume = attempts.open_for_learner(session, learner.id, loaded, now, pretest=False,
                                                             delivery_format="workshop", venue=room_.venue)
                seat = WorkshopParticipant(id=str(uuid.uuid4()), workshop_id=room_.id, learner_id=learner.id,
                                           attempt_id=attempt.id, name=person.name, shown_name=shown,
                                           personal_number_hash=_digest(f"{room_.id}:{number}"), joined_at=now)
                session.add(seat)
                session.flush()
                device = tokens.issue(session, tokens.Purpose.DEVICE, seat.id, organisation_id=room_.organisation_id,
                                      ttl=DEVICE_TTL, data={"workshop": room_.id}, now=now)
                session.execute(update(Workshop).where(Workshop.id == room_.id)
                                .values(activity=Workshop.activity + 1))
                return Seat(seat.id, room_.id, attempt.id, shown, device.token, number)
        except IntegrityError:  # someone of the same name joined at the same moment: count on
            continue
    raise WorkshopError("Too many people of this name joined at once; please try again.")  # pragma: no cover


def _seat(p: WorkshopParticipant) -> Seat:
    return Seat(p.id, p.workshop_id, p.attempt_id, p.shown_name)


def rejoin_by_device(factory: sessionmaker[Session], device_token: object, *, now: datetime | None = None) -> Seat | None:
    """The seat behind a device token (kept in the phone's URL): a reload, a sleep or a restart comes back here."""
    with factory() as session:
        record = tokens.lookup(session, tokens.Purpose.DEVICE, device_token, now=now)
        if record is None or "workshop" not in record.data:
            return None
        p = session.get(WorkshopParticipant, record.subject_id)
        return _seat(p) if p is not None else None


def rejoin_by_number(factory: sessionmaker[Session], code: object, name: object, personal_number: object, *,
                     client: str, now: datetime | None = None) -> Seat:
    """The fallback on another phone: code + the name shown at join + the personal number; issues a new device token."""
    now = _now(now)
    room_ = find_open(factory, code, client=client, now=now)
    try:  # a name no seat could have (control characters, markup, too long) finds none, told as any other miss
        typed = clean_text(name, field="Name", max_len=220, required=False) if isinstance(name, str) else None
    except InvalidText:
        typed = None
    number = personal_number.strip() if isinstance(personal_number, str) else ""
    with transaction(factory) as session:
        p = session.scalar(select(WorkshopParticipant).where(
            WorkshopParticipant.workshop_id == room_.id, WorkshopParticipant.shown_name == (typed or ""),
            WorkshopParticipant.personal_number_hash == _digest(f"{room_.id}:{number}")))
        if p is not None:
            device = tokens.issue(session, tokens.Purpose.DEVICE, p.id, organisation_id=room_.organisation_id,
                                  ttl=DEVICE_TTL, data={"workshop": room_.id}, now=now)
            return Seat(p.id, p.workshop_id, p.attempt_id, p.shown_name, device.token)
    raise _fail(factory, client_key(client), now,
                "No seat with this name and personal number. Type the name exactly as it was shown when you joined.")


# --- the facilitator's controls -----------------------------------------------

def _change(factory: sessionmaker[Session], workshop_id: str, who: Principal, action: str,
            apply: Any, *, now: datetime | None = None) -> Room:
    """Apply one control in one transaction, move the room's version, and audit it."""
    with transaction(factory) as session:
        w = _owned(session, workshop_id, who, lock=True)
        if w.status != "open" and action != "workshop.reopen":
            raise WorkshopError("This workshop has finished.")
        apply(w, _now(now))
        w.version += 1
        audit.append(session, action, organisation_id=w.organisation_id, actor_id=who.account_id,
                     targets={"workshop": w.id}, details={"item": w.open_item} if w.open_item else None)
        return _room(w)


def _items_of(loaded: LoadedModule) -> list[str]:
    return [i.id for i in loaded.items()]


def open_item(factory: sessionmaker[Session], loaded: LoadedModule, workshop_id: str, item_id: str, who: Principal, *,
              now: datetime | None = None) -> Room:
    """Open an item for answers (re-opening a closed one lets answers change again, and hides its reveal)."""
    if item_id not in _items_of(loaded):
        raise WorkshopError("No such question in this module.")
    stage = next(s.id for c in loaded.cases for s in c.stages if any(i.id == item_id for i in s.items))

    def apply(w: Workshop, at: datetime) -> None:
        w.closed_json = json.dumps(sorted(set(json.loads(w.closed_json)) - {item_id}))
        w.revealed_json = json.dumps(sorted(set(json.loads(w.revealed_json)) - {item_id}))
        w.open_item, w.stage_id, w.item_opened_at, w.paused = item_id, stage, at, False

    return _change(factory, workshop_id, who, "workshop.open_item", apply, now=now)


def open_stage(factory: sessionmaker[Session], loaded: LoadedModule, workshop_id: str, stage_id: str, who: Principal, *,
               now: datetime | None = None) -> Room:
    """Show a stage's narrative to the room; no item open until the facilitator opens one."""
    if not any(s.id == stage_id for c in loaded.cases for s in c.stages):
        raise WorkshopError("No such stage in this module.")

    def apply(w: Workshop, at: datetime) -> None:
        w.stage_id, w.open_item, w.item_opened_at = stage_id, None, None

    return _change(factory, workshop_id, who, "workshop.open_stage", apply, now=now)


def close_item(factory: sessionmaker[Session], workshop_id: str, who: Principal, *, now: datetime | None = None) -> Room:
    """Close the open item: answers to it are final from now on."""
    def apply(w: Workshop, at: datetime) -> None:
        if w.open_item is None:
            raise WorkshopError("No question is open.")
        w.closed_json = json.dumps(sorted(set(json.loads(w.closed_json)) | {w.open_item}))

    return _change(factory, workshop_id, who, "workshop.close_item", apply, now=now)


def reveal(factory: sessionmaker[Session], workshop_id: str, who: Principal, *, now: datetime | None = None) -> Room:
    """Reveal the open item's answer and distribution to the room (closing it first if it is still open)."""
    def apply(w: Workshop, at: datetime) -> None:
        if w.open_item is None:
            raise WorkshopError("No question is open.")
        w.closed_json = json.dumps(sorted(set(json.loads(w.closed_json)) | {w.open_item}))
        w.revealed_json = json.dumps(sorted(set(json.loads(w.revealed_json)) | {w.open_item}))

    return _change(factory, workshop_id, who, "workshop.reveal", apply, now=now)


def pause(factory: sessionmaker[Session], workshop_id: str, who: Principal, paused: bool = True, *,
          now: datetime | None = None) -> Room:
    """Freeze every phone (no answers taken) or let the room go on."""
    def apply(w: Workshop, at: datetime) -> None:
        w.paused = paused

    return _change(factory, workshop_id, who, "workshop.pause" if paused else "workshop.resume", apply, now=now)


def finish(factory: sessionmaker[Session], loaded: LoadedModule, workshop_id: str, who: Principal, *,
           now: datetime | None = None) -> Room:
    """End the workshop: every item closes, the join code stops working, every attempt is totalled."""
    now = _now(now)

    def apply(w: Workshop, at: datetime) -> None:
        w.status, w.finished_at, w.open_item, w.paused = "finished", at, None, False
        w.closed_json = json.dumps(sorted(set(_items_of(loaded))))
        session = object_session(w)
        assert session is not None
        tokens.revoke_all(session, w.id, tokens.Purpose.JOIN_CODE, now=at)  # in the same transaction as the finish

    room_ = _change(factory, workshop_id, who, "workshop.finish", apply, now=now)
    with factory() as session:
        ids = list(session.scalars(select(WorkshopParticipant.attempt_id)
                                   .where(WorkshopParticipant.workshop_id == workshop_id)))
    for attempt_id in ids:
        attempts.finish_if_done(factory, loaded, attempt_id, room_.behaviour(), now=now)
    return room_


# --- answers -------------------------------------------------------------------

def behaviour_for(r: Room, loaded: LoadedModule) -> Behaviour:
    """Facilitator-paced rooms follow the facilitator; self-paced ones the module's own behaviour while open."""
    return r.behaviour() if r.pacing == "facilitator" else attempts.behaviour_of(loaded)


def answer(factory: sessionmaker[Session], loaded: LoadedModule, seat: Seat, item_id: str,
           response: Mapping[str, Any], certainty: int | None = None, *,
           now: datetime | None = None) -> attempts.AttemptState:
    """Store (or change, while the item is open) a participant's answer as an ordinary attempt response.

    The room is read and the answer written in one transaction that holds the room's
    row (``_owned`` locks it the same way for every facilitator control), so an answer
    and a close arriving at the same instant are taken one after the other: the
    answer lands before the close, or it sees the item closed and is refused. On
    PostgreSQL that is ``SELECT ... FOR UPDATE``; SQLite's write transactions
    (``BEGIN IMMEDIATE``) are one at a time already. The answer's time is read
    after the room is held, so every stored answer is timed before the close.
    """
    with transaction(factory) as session:
        q = select(Workshop).where(Workshop.id == seat.workshop_id)
        if session.get_bind().dialect.name == "postgresql":
            q = q.with_for_update()
        w = session.scalar(q.execution_options(populate_existing=True))
        if w is None:
            raise WorkshopError("This workshop no longer exists.")
        r = _room(w)
        if not r.is_open:
            raise WorkshopError("This workshop has finished.")
        if r.paused:
            raise WorkshopError("The facilitator has paused the room; your answer was not taken. "
                                "Try again when it resumes.")
        try:
            _, state = attempts.submit_answer_in(session, loaded, seat.attempt_id, item_id, response, certainty,
                                                 behaviour=behaviour_for(r, loaded), now=_now(now))
        except attempts.OutOfOrder:
            raise WorkshopError(ANSWERS_CLOSED) from None
    return state  # no counter moves: an answer redraws no phone, and the console and projector count on their own


_ANSWER_COLUMNS = (Response.answer_json, Response.certainty, Response.points, Response.max_points, Response.correct,
                   Response.cbm_marks, Response.active_seconds)


def answer_of(factory: sessionmaker[Session], seat: Seat, item_id: str) -> attempts.Answer | None:
    """The participant's own stored answer to one item: one indexed read of plain columns."""
    with factory() as session:
        row = session.execute(select(*_ANSWER_COLUMNS)
                              .where(Response.attempt_id == seat.attempt_id, Response.phase == "cases",
                                     Response.item_id == item_id)).first()
    if row is None:
        return None
    return attempts.Answer("cases", item_id, json.loads(row[0]), *row[1:])


def closed_item_answers(factory: sessionmaker[Session], workshop_id: str, item_id: str) -> dict[str, attempts.Answer]:
    """Every participant's answer to one item, by attempt id: one read for a whole room's phones.

    Only for an item that is closed (its answers are final until a re-open, which moves the
    room's version); each phone takes its own answer from it and shows nothing else.
    """
    with factory() as session:
        rows = session.execute(select(Response.attempt_id, *_ANSWER_COLUMNS)
                               .join(WorkshopParticipant, WorkshopParticipant.attempt_id == Response.attempt_id)
                               .where(WorkshopParticipant.workshop_id == workshop_id, Response.phase == "cases",
                                      Response.item_id == item_id)).all()
    return {row[0]: attempts.Answer("cases", item_id, json.loads(row[1]), *row[2:]) for row in rows}


def my_answer(factory: sessionmaker[Session], seat: Seat, item_id: str) -> dict[str, Any] | None:
    with factory() as session:
        row = session.scalar(select(Response.answer_json).where(Response.attempt_id == seat.attempt_id,
                                                                Response.item_id == item_id))
        return json.loads(row) if row else None


# --- what the facilitator and the projector see --------------------------------

@dataclass(frozen=True)
class Counts:
    joined: int
    answered: int  # answers to the open item
    names: tuple[str, ...]  # joined participants' shown names (empty when anonymous)
    not_answered: tuple[str, ...]  # who has not answered the open item (empty when anonymous)


def counts(factory: sessionmaker[Session], r: Room) -> Counts:
    """For the console and the projector only (never a participant's page): how many joined and answered."""
    with factory() as session:
        seats = session.execute(select(WorkshopParticipant.shown_name, WorkshopParticipant.attempt_id)
                                .where(WorkshopParticipant.workshop_id == r.id)
                                .order_by(WorkshopParticipant.joined_at)).all()
        answered: set[str] = set()
        if r.open_item is not None:
            answered = set(session.scalars(
                select(Response.attempt_id).join(WorkshopParticipant, WorkshopParticipant.attempt_id == Response.attempt_id)
                .where(WorkshopParticipant.workshop_id == r.id, Response.item_id == r.open_item)))
    names = () if r.anonymous else tuple(s for s, _ in seats)
    missing = () if r.anonymous or r.open_item is None else tuple(s for s, a in seats if a not in answered)
    return Counts(len(seats), len(answered), names, missing)


@dataclass(frozen=True)
class Bar:
    part: str  # "" for a one-part item, else the row's text
    label: str
    count: int
    correct: bool
    misconception: bool  # the most-chosen wrong answer: the one to discuss


def _labels(item: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for _name, parts in item.id_lists():
        for p in parts:
            if hasattr(p, "text"):
                out.setdefault(p.id, p.text)
    return out


def revealed_distribution(factory: sessionmaker[Session], loaded: LoadedModule, r: Room, item_id: str) -> list[Bar]:
    """Answers per option (no names), after the reveal only; the most-chosen wrong answer is flagged."""
    if item_id not in r.revealed:
        raise WorkshopError("The distribution is shown after the reveal.")
    item = loaded.item(item_id)
    with factory() as session:
        rows = session.scalars(
            select(Response.answer_json).join(WorkshopParticipant, WorkshopParticipant.attempt_id == Response.attempt_id)
            .where(WorkshopParticipant.workshop_id == r.id, Response.item_id == item_id))
        responses = [json.loads(a) for a in rows]
    counted = distribution(item, responses)
    bars: list[Bar] = []
    options = getattr(item, "options", None)
    if options and all(part in ("", *(o.id for o in options)) for part in counted):
        # one bar per option in the authors' order, nobody's choice shown as 0 (single best, select all)
        for o in options:
            n = sum(c.get(o.id, 0) for c in counted.values())
            bars.append(Bar("", o.text, n, bool(o.correct), False))
    else:
        labels = _labels(item)
        fractions: dict[tuple[str, str], float] = {}
        for resp in responses:
            for c in type_of(item).classify(item, resp):
                fractions[(c.part, c.category)] = c.fraction
        for part, counter in sorted(counted.items()):
            for category, n in counter.most_common():
                bars.append(Bar(labels.get(part, part), labels.get(category, category), n,
                                fractions.get((part, category), 0.0) >= 1.0, False))
    wrong = [b for b in bars if not b.correct and b.count > 0]
    if wrong:
        top = max(wrong, key=lambda b: b.count)
        bars = [Bar(b.part, b.label, b.count, b.correct, b is top) for b in bars]
    return bars


def participants_total(factory: sessionmaker[Session], workshop_id: str) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(WorkshopParticipant)
                                  .where(WorkshopParticipant.workshop_id == workshop_id)) or 0)


__all__ = ["Bar", "Counts", "Created", "JoinRefused", "NotAllowed", "Room", "Seat", "WorkshopError"]
