"""The learner's attempt: every step is written to the database at once.

Pages and the CLI call these functions with a session factory; they hold no
state of their own, so a closed tab, a refresh or a restarted server resumes
exactly where the learner was (by the resume token in the URL).

Resume links are tokens of purpose ``resume`` from the one token service
(``cpd.tokens``), subject = the attempt id: stored hashed, expiring (90 days),
revocable. Once an attempt is finished (its evaluation submitted) its link
still opens it, read-only: results and certificate, nothing to submit.
"""

from __future__ import annotations

import json
import math
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from cpd import tokens
from cpd.behaviours.feedback import Behaviour, for_feedback
from cpd.behaviours.grading import grade, passed
from cpd.content.loader import LoadedModule
from cpd.content.models import Case, Module
from cpd.learners import LearnerInput
from cpd.lti import hooks as lti_hooks
from cpd.scoring import InvalidResponse, ItemScore, incomplete, max_points, own_response, score_item
from cpd.storage.db import transaction
from cpd.storage.tables import Attempt, ContentSnapshot, Evaluation, Learner, Response
from cpd.text import InvalidText, clean_text
from cpd.timeutil import as_utc
from cpd.xapi import hooks as xapi_hooks

DELIVERY_FORMATS = ("online", "workshop")  # self-paced online, or in a room with a facilitator


class AttemptError(Exception):
    """A problem the learner can act on; the message is shown as is."""


class InvalidInput(AttemptError):
    def __init__(self, messages: list[str], fields: list[str] | None = None) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages
        self.fields = fields or [""] * len(messages)  # the input each message is about ("" for none)

    def by_field(self) -> dict[str, str]:
        """Message per input, so a form shows each next to its field."""
        out: dict[str, str] = {}
        for name, message in zip(self.fields, self.messages, strict=True):
            out[name] = f"{out[name]} {message}" if name in out else message
        return out


class InvalidToken(AttemptError):
    pass


LINK_NOT_VALID = "This resume link is not valid. Check that you copied all of it."
LINK_EXPIRED = ("This resume link has expired. Use \"Find my attempts and certificates\" to get a new link "
                "by e-mail, or start the module again.")


class OutOfOrder(AttemptError):
    pass


@dataclass(frozen=True)
class Answer:
    phase: str
    item_id: str
    response: Mapping[str, Any]
    certainty: int | None
    points: float
    max_points: float
    correct: bool
    cbm_marks: float | None = None
    active_seconds: float | None = None  # None: answered before active time was recorded


@dataclass(frozen=True)
class AttemptState:
    """What a page needs to render an attempt: ids and learner's own answers, no answer key."""

    attempt_id: str
    learner_name: str
    learner_registration: str | None
    module_id: str
    module_version: str
    content_hash: str
    attempt_number: int
    shuffle_seed: int
    phase: str
    delivery_format: str
    venue: str | None
    started_at: datetime
    completed_at: datetime | None
    percent: float | None
    passed: bool | None
    answers: tuple[Answer, ...] = field(default=())
    feedback_pending: str | None = None  # answered item whose feedback the learner has not closed yet

    @property
    def finished(self) -> bool:
        """Evaluation submitted: the attempt is closed for writing; its link shows results and certificate only."""
        return self.phase == "done"

    def answered(self, phase: str) -> dict[str, Answer]:
        return {a.item_id: a for a in self.answers if a.phase == phase}

    @property
    def active_seconds(self) -> float:
        """Active time recorded over the attempt (each answer capped; see ``active_time``)."""
        return sum(a.active_seconds or 0.0 for a in self.answers)


def _now(now: datetime | None) -> datetime:
    """Times are stored in UTC: SQLite keeps a datetime's wall time and drops its zone."""
    return as_utc(now) or datetime.now(UTC)



def parse_learner(data: Mapping[str, Any]) -> LearnerInput:
    try:
        return LearnerInput.model_validate(dict(data))
    except ValidationError as exc:
        errors = exc.errors()
        raise InvalidInput([e["msg"].removeprefix("Value error, ") for e in errors],
                           [str(e["loc"][0]) if e["loc"] else "" for e in errors]) from None


# --- content snapshots -------------------------------------------------------

def _snapshot_json(loaded: LoadedModule) -> str:
    return json.dumps(
        {"module": loaded.module.model_dump(mode="json"), "cases": [c.model_dump(mode="json") for c in loaded.cases]},
        sort_keys=True,
        ensure_ascii=False,
    )


def save_snapshot(session: Session, loaded: LoadedModule, now: datetime) -> None:
    """Insert-if-absent: a room of learners starting at once all try to save the same snapshot."""
    if session.get(ContentSnapshot, loaded.content_hash) is not None:
        return
    insert: Any = {"postgresql": pg_insert, "sqlite": sqlite_insert}[session.get_bind().dialect.name]
    session.execute(
        insert(ContentSnapshot)
        .values(
            content_hash=loaded.content_hash,
            module_id=loaded.module.id,
            module_version=loaded.module.version,
            content_json=_snapshot_json(loaded),
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["content_hash"])
    )


_snapshots: dict[str, LoadedModule] = {}  # content hash -> parsed content; content never changes under a hash


def module_for(factory: sessionmaker[Session], content_hash: str) -> LoadedModule:
    """The content an attempt was started on: read and parsed once per process per hash."""
    cached = _snapshots.get(content_hash)
    if cached is not None:
        return cached
    with factory() as session:
        snap = session.get(ContentSnapshot, content_hash)
        if snap is None:
            raise AttemptError("the content this attempt was started on is no longer available")
        data = json.loads(snap.content_json)
    loaded = LoadedModule(Module.model_validate(data["module"]),
                          tuple(Case.model_validate(c) for c in data["cases"]), content_hash)
    _snapshots[content_hash] = loaded
    return loaded


# --- state -------------------------------------------------------------------

def _state(session: Session, attempt: Attempt) -> AttemptState:
    learner = session.get_one(Learner, attempt.learner_id)
    rows = session.scalars(select(Response).where(Response.attempt_id == attempt.id).order_by(Response.id)).all()
    answers = tuple(
        Answer(r.phase, r.item_id, json.loads(r.answer_json), r.certainty, r.points, r.max_points, r.correct, r.cbm_marks,
               r.active_seconds)
        for r in rows
    )
    return AttemptState(
        attempt_id=attempt.id,
        learner_name=learner.name,
        learner_registration=learner.registration_number,
        module_id=attempt.module_id,
        module_version=attempt.module_version,
        content_hash=attempt.content_hash,
        attempt_number=attempt.attempt_number,
        shuffle_seed=attempt.shuffle_seed,
        phase=attempt.phase,
        delivery_format=attempt.delivery_format,
        venue=attempt.venue,
        started_at=as_utc(attempt.started_at),
        completed_at=as_utc(attempt.completed_at),
        percent=attempt.percent,
        passed=attempt.passed,
        answers=answers,
        feedback_pending=attempt.feedback_pending,
    )


def load_state(factory: sessionmaker[Session], attempt_id: str) -> AttemptState:
    with factory() as session:
        attempt = session.get(Attempt, attempt_id)
        if attempt is None:
            raise AttemptError("no such attempt")
        return _state(session, attempt)


def check_delivery(delivery_format: object, venue: object) -> tuple[str, str | None]:
    """A workshop names its venue (it goes on the certificate); online attempts have none."""
    if delivery_format not in DELIVERY_FORMATS:
        raise InvalidInput([f"Delivery format: choose {' or '.join(DELIVERY_FORMATS)}, not {delivery_format!r}"])
    assert isinstance(delivery_format, str)
    if delivery_format == "online":
        if venue not in (None, ""):
            raise InvalidInput(["Venue: only a workshop has a venue; leave it empty for online learning"])
        return delivery_format, None
    try:
        return delivery_format, clean_text(venue, field="Venue", max_len=200)
    except InvalidText as exc:
        raise InvalidInput([str(exc)]) from None


def _new_attempt(session: Session, learner_id: str, loaded: LoadedModule, now: datetime, *, number: int,
                 pretest: bool, delivery_format: str, venue: str | None,
                 retry_of: str | None = None) -> tuple[Attempt, tokens.IssuedToken]:
    attempt = Attempt(
        id=str(uuid.uuid4()),
        learner_id=learner_id,
        module_id=loaded.module.id,
        module_version=loaded.module.version,
        content_hash=loaded.content_hash,
        attempt_number=number,
        shuffle_seed=secrets.randbelow(2**31),
        phase="pretest" if pretest and loaded.module.pretest else "cases",
        delivery_format=delivery_format,
        venue=venue,
        retry_of=retry_of,
        started_at=now,
    )
    session.add(attempt)
    session.flush()
    return attempt, issue_resume_link(session, attempt.id, now)


def issue_resume_link(session: Session, attempt_id: str, now: datetime | None = None) -> tokens.IssuedToken:
    """A new resume link for the attempt (earlier links keep working until they expire or are revoked)."""
    return tokens.issue(session, tokens.Purpose.RESUME, attempt_id, now=_now(now))


def resume_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/?t={token}"


def _mail_resume_link(session: Session, attempt: Attempt, learner: Learner, loaded: LoadedModule,
                      issued: tokens.IssuedToken, public_url: str) -> None:
    """The resume link by e-mail (through the outbox, in the attempt's own transaction), so it is never lost."""
    from cpd.outbox.mail import enqueue_mail  # the outbox imports storage only; kept local to keep this module light

    enqueue_mail(session, f"resume:{attempt.id}", to=learner.email, template="resume_link",
                 context={"name": learner.name, "module": loaded.module.title,
                          "link": resume_url(public_url, issued.token), "expires": f"on {issued.expires_at:%d %B %Y}"})


def start_attempt(
    factory: sessionmaker[Session],
    loaded: LoadedModule,
    learner_data: Mapping[str, Any],
    *,
    pretest: bool = True,
    delivery_format: str = "online",
    venue: str | None = None,
    now: datetime | None = None,
    public_url: str | None = None,
) -> tuple[str, AttemptState]:
    """Register the learner and open an attempt; returns the resume token (shown once) and state.

    With ``public_url`` the resume link is also e-mailed to the learner (the outbox sends it).
    """
    learner_in = parse_learner(learner_data)
    delivery_format, venue = check_delivery(delivery_format, venue)
    now = _now(now)
    with transaction(factory) as session:
        save_snapshot(session, loaded, now)
        learner = Learner(id=str(uuid.uuid4()), created_at=now, **learner_in.model_dump())
        session.add(learner)
        session.flush()
        attempt, issued = _new_attempt(session, learner.id, loaded, now, number=1, pretest=pretest,
                                       delivery_format=delivery_format, venue=venue)
        if public_url:
            _mail_resume_link(session, attempt, learner, loaded, issued, public_url)
        xapi_hooks.attempt_started(session, attempt, module_title=loaded.module.title)
        return issued.token, _state(session, attempt)


def open_for_learner(session: Session, learner_id: str, loaded: LoadedModule, now: datetime, *,
                     pretest: bool = True, delivery_format: str = "online",
                     venue: str | None = None) -> tuple[Attempt, str]:
    """A new attempt for a learner who is already known, in the caller's transaction.

    The one door for a clinic's personal link, an LMS launch and a workshop seat: numbered after the
    learner's earlier attempts, on a saved snapshot of the content, with its xAPI "attempted" queued.
    Returns the attempt and its resume token.
    """
    delivery_format, venue = check_delivery(delivery_format, venue)
    save_snapshot(session, loaded, now)
    number = session.scalar(select(func.max(Attempt.attempt_number)).where(Attempt.learner_id == learner_id)) or 0
    attempt, issued = _new_attempt(session, learner_id, loaded, now, number=number + 1, pretest=pretest,
                                   delivery_format=delivery_format, venue=venue)
    xapi_hooks.attempt_started(session, attempt, module_title=loaded.module.title)
    return attempt, issued.token


def state_of(session: Session, attempt: Attempt) -> AttemptState:
    """What a page needs of an attempt, read in the caller's session."""
    return _state(session, attempt)


def resume(factory: sessionmaker[Session], token: object, *, now: datetime | None = None) -> AttemptState:
    """Find the attempt behind a resume link; the learner is told plainly if it expired or is not valid.

    A finished attempt comes back too (``state.finished``): its page is read-only.
    """
    with factory() as session:
        checked = tokens.check(session, tokens.Purpose.RESUME, token, now=_now(now))
        if checked.status is tokens.Status.EXPIRED:
            raise InvalidToken(LINK_EXPIRED)
        attempt = session.get(Attempt, checked.record.subject_id) if checked.record is not None else None
        if attempt is None:  # forged, mistyped, revoked (replaced by a newer launch), or its attempt erased
            raise InvalidToken(LINK_NOT_VALID)
        return _state(session, attempt)


def behaviour_of(loaded: LoadedModule) -> Behaviour:
    """The module's self-paced behaviour (immediate or deferred feedback); a workshop passes its own."""
    return for_feedback(loaded.module.delivery.feedback)


def item_sequence(loaded: LoadedModule, phase: str) -> list[str]:
    if phase == "pretest":
        return list(loaded.module.pretest)
    if phase == "cases":
        return [item.id for item in loaded.items()]
    return []


def next_item(loaded: LoadedModule, state: AttemptState, behaviour: Behaviour | None = None) -> str | None:
    """The item the learner may answer now (self-paced: the first unanswered one), or None."""
    nav = (behaviour or behaviour_of(loaded)).navigation
    return nav.current(item_sequence(loaded, state.phase), state.answered(state.phase))


def skip_pretest(factory: sessionmaker[Session], attempt_id: str) -> AttemptState:
    with transaction(factory) as session:
        attempt = session.get(Attempt, attempt_id)
        if attempt is None:
            raise AttemptError("no such attempt")
        if attempt.phase == "pretest":
            attempt.phase = "cases"
        return _state(session, attempt)


ACTIVE_CAP = 3  # an answer counts at most this many times its estimated time


def estimated_item_seconds(loaded: LoadedModule) -> float:
    """The module's estimated time shared over the questions a learner answers (pre-test and cases)."""
    count = len(loaded.module.pretest) + len(loaded.items())
    return loaded.module.estimated_minutes * 60 / max(count, 1)


def active_time(elapsed: timedelta, estimate_seconds: float) -> float:
    """Seconds of participation for one answer: the time since the previous step, capped.

    A pure function, so the rule is tested alone: never negative, never more than
    ``ACTIVE_CAP`` times the estimate (a tab left open overnight is not active time).
    """
    return round(min(max(elapsed.total_seconds(), 0.0), ACTIVE_CAP * estimate_seconds), 1)


def _previous_step(session: Session, attempt: Attempt) -> datetime:
    last = session.scalar(select(func.max(Response.submitted_at)).where(Response.attempt_id == attempt.id))
    return max(as_utc(last) or as_utc(attempt.started_at), as_utc(attempt.started_at))


def submit_answer(
    factory: sessionmaker[Session],
    loaded: LoadedModule,
    attempt_id: str,
    item_id: str,
    response: Mapping[str, Any],
    certainty: int | None = None,
    *,
    behaviour: Behaviour | None = None,
    now: datetime | None = None,
) -> tuple[ItemScore, AttemptState]:
    """Score and store one answer at once.

    The behaviour decides whether an answer given before may be replaced: never when
    self-paced (the unique key on responses backs that up), while the item is open
    when a facilitator paces the room (the stored answer is updated in place).
    """
    with transaction(factory) as session:
        return submit_answer_in(session, loaded, attempt_id, item_id, response, certainty, behaviour=behaviour, now=now)


def submit_answer_in(
    session: Session,
    loaded: LoadedModule,
    attempt_id: str,
    item_id: str,
    response: Mapping[str, Any],
    certainty: int | None = None,
    *,
    behaviour: Behaviour | None = None,
    now: datetime | None = None,
) -> tuple[ItemScore, AttemptState]:
    """``submit_answer`` in the caller's write transaction: a live workshop checks its room there first."""
    now = _now(now)
    behaviour = behaviour or behaviour_of(loaded)
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise AttemptError("no such attempt")
    if attempt.content_hash != loaded.content_hash:
        raise AttemptError("this attempt was started on another version of the content")
    state = _state(session, attempt)
    if next_item(loaded, state, behaviour) != item_id:
        raise OutOfOrder("This question has already been answered or is not the current one.")
    earlier = state.answered(attempt.phase).get(item_id)
    if earlier is not None and not behaviour.may_change(item_id):
        raise OutOfOrder("This question has already been answered.")
    item = loaded.item(item_id)
    try:
        response = own_response(item, response)
    except InvalidResponse as exc:
        raise InvalidInput([str(exc)]) from None
    reason = incomplete(item, response)
    if reason is not None:
        raise InvalidInput([reason])
    try:
        score = score_item(item, response, certainty, module_cbm=loaded.module.delivery.certainty_based_marking)
    except InvalidResponse as exc:
        raise InvalidInput([str(exc)]) from None
    values = dict(
        answer_json=json.dumps(dict(response), sort_keys=True),
        certainty=certainty if score.cbm_marks is not None else None,
        cbm_marks=score.cbm_marks,
        points=score.points,
        max_points=score.max_points,
        correct=score.correct,
        submitted_at=now,
        active_seconds=active_time(now - _previous_step(session, attempt), estimated_item_seconds(loaded)),
    )
    if earlier is not None:
        row = session.scalars(select(Response).where(Response.attempt_id == attempt.id, Response.phase == attempt.phase,
                                                     Response.item_id == item_id)).one()
        for key, value in values.items():
            setattr(row, key, value)
    else:
        session.add(Response(attempt_id=attempt.id, phase=attempt.phase, item_id=item_id, **values))
    if behaviour.feedback_after_answer(attempt.phase):
        attempt.feedback_pending = item_id  # until the learner presses Continue (``close_feedback``)
    try:
        session.flush()
    except IntegrityError:
        raise OutOfOrder("This question has already been answered.") from None
    xapi_hooks.answer_saved(session, attempt, attempt.phase, item_id)
    state = _finish_if_done(session, attempt, loaded, behaviour, now)
    return score, state


def close_feedback(factory: sessionmaker[Session], attempt_id: str, item_id: str) -> None:
    """The learner pressed Continue on this item's feedback: a resume no longer reopens it."""
    with transaction(factory) as session:
        attempt = session.get(Attempt, attempt_id)
        if attempt is not None and attempt.phase != "done" and attempt.feedback_pending == item_id:
            attempt.feedback_pending = None


def finish_if_done(factory: sessionmaker[Session], loaded: LoadedModule, attempt_id: str, behaviour: Behaviour, *,
                   now: datetime | None = None) -> AttemptState:
    """Total the phase when the behaviour says it is over (a facilitator closed the last item)."""
    with transaction(factory) as session:
        attempt = session.get(Attempt, attempt_id)
        if attempt is None:
            raise AttemptError("no such attempt")
        return _finish_if_done(session, attempt, loaded, behaviour, _now(now))


def _finish_if_done(session: Session, attempt: Attempt, loaded: LoadedModule, behaviour: Behaviour,
                    now: datetime) -> AttemptState:
    state = _state(session, attempt)
    if attempt.phase not in ("pretest", "cases"):
        return state
    if not behaviour.navigation.phase_done(item_sequence(loaded, attempt.phase), state.answered(attempt.phase)):
        return state
    if attempt.phase == "pretest":
        attempt.phase = "cases"
        return _state(session, attempt)
    answers = state.answered("cases").values()
    # Every item of the phase counts, answered or not (a facilitator may close an item nobody answered).
    available = sum(max_points(loaded.item(i)) for i in item_sequence(loaded, "cases"))
    g = grade([ItemScore(a.points, a.max_points, a.correct, a.cbm_marks) for a in answers],
              loaded.module.delivery.grading, available)
    attempt.points, attempt.max_points = sum(a.points for a in answers), available
    attempt.percent = g.percent
    attempt.passed = passed(g.exact, loaded.module.pass_mark)
    attempt.completed_at = now
    attempt.phase = "evaluation"
    xapi_hooks.attempt_graded(session, attempt)
    lti_hooks.attempt_graded(session, attempt)
    return _state(session, attempt)


def submit_evaluation(
    factory: sessionmaker[Session],
    attempt_id: str,
    *,
    relevance: int,
    balance: int,
    intended_change: str,
    reflection: str,
    hours_claimed: float | None = None,
    commercial_bias: bool | None = None,
    comments: str = "",
    bias_asked: bool = False,
    now: datetime | None = None,
) -> AttemptState:
    """The learner's evaluation and reflective note, for their CPD portfolio: one model for every delivery.

    Relevance and balance (1-5), whether they noticed commercial bias, what they will change in practice
    and comments on the activity go to the provider's reports; the reflective note is the learner's own and
    no report, facilitator page or export for staff reads it. ``bias_asked``: the form asked about commercial
    bias, so an empty answer is refused (older callers did not ask).

    ``hours_claimed``: the CPD hours the learner claims for their participation, in 0.25 steps up to the
    module's maximum (as accredited enduring material asks: claim only what matches your participation).
    """
    messages = []
    if hours_claimed is not None:
        with factory() as session:
            found = session.get(Attempt, attempt_id)
        maximum = module_for(factory, found.content_hash).module.cpd_hours if found is not None else 0.0
        problem = hours_problem(hours_claimed, maximum)
        if problem:
            messages.append(problem)
    for label, rating in (("Relevance", relevance), ("Balance", balance)):
        if type(rating) is not int or rating not in (1, 2, 3, 4, 5):  # True == 1 and 3.0 == 3, but are no rating
            messages.append(f"{label}: choose a rating from 1 to 5")
    texts: dict[str, str] = {}
    if (bias_asked and commercial_bias is None) or (commercial_bias is not None and not isinstance(commercial_bias, bool)):
        messages.append("Commercial bias: answer yes or no")
    for key, label, value in (("intended_change", "Intended change in practice", intended_change),
                              ("reflection", "Reflective note", reflection)):
        try:
            texts[key] = clean_text(value, field=label, max_len=5000, multiline=True)
        except InvalidText as exc:
            messages.append(str(exc))
    note = ""
    try:
        note = clean_text(comments, field="Comments on the activity", max_len=5000, multiline=True, required=False) or ""
    except InvalidText as exc:
        messages.append(str(exc))
    if messages:
        raise InvalidInput(messages)
    with transaction(factory) as session:
        attempt = session.get(Attempt, attempt_id)
        if attempt is None or attempt.phase != "evaluation":
            raise OutOfOrder("The evaluation is open once all cases are answered, and only once.")
        session.add(Evaluation(attempt_id=attempt_id, relevance=relevance, balance=balance,
                               submitted_at=_now(now), hours_claimed=hours_claimed, commercial_bias=commercial_bias,
                               comments=note or None, **texts))
        attempt.phase = "done"
        attempt.feedback_pending = None  # finished: nothing is reopened on the read-only page
        try:
            session.flush()
        except IntegrityError:  # the same evaluation sent twice at once (double click, two tabs)
            raise OutOfOrder("This evaluation has already been submitted.") from None
        xapi_hooks.attempt_completed(session, attempt)
        return _state(session, attempt)


HOURS_STEP = 0.25


def hours_choices(maximum: float) -> list[float]:
    """0.25, 0.5, ... up to the module's maximum (the maximum itself always offered)."""
    steps = [round(HOURS_STEP * i, 2) for i in range(1, int(maximum / HOURS_STEP + 1e-9) + 1)]
    return steps if steps and steps[-1] == maximum else [*steps, maximum]


def hours_problem(hours: object, maximum: float) -> str | None:
    """Why a claim is refused (not a number, not a 0.25 step, above the maximum), or None."""
    if isinstance(hours, bool) or not isinstance(hours, int | float) or (isinstance(hours, float) and not math.isfinite(hours)):
        return "CPD hours claimed: choose a number of hours"  # NaN compares false with every bound
    if hours <= 0 or hours > maximum + 1e-9:
        return f"CPD hours claimed: choose from 0.25 to {maximum:g} hours"
    if abs(hours / HOURS_STEP - round(hours / HOURS_STEP)) > 1e-9 and hours != maximum:
        return "CPD hours claimed: choose a multiple of 0.25 hours"
    return None


def load_evaluation(factory: sessionmaker[Session], attempt_id: str) -> Evaluation | None:
    with factory() as session:
        return session.get(Evaluation, attempt_id)


def retry(factory: sessionmaker[Session], loaded: LoadedModule, attempt_id: str, *, now: datetime | None = None,
          public_url: str | None = None) -> tuple[str, AttemptState]:
    """A failed attempt may be retried once, as a new attempt on the current content, options reshuffled.

    Two tabs (or two replicas) retrying at once make one new attempt: the unique
    ``retry_of`` column refuses the second, which is told where to go on.
    """
    now = _now(now)
    already = OutOfOrder("This attempt has already been retried: continue with the new attempt "
                         "(its resume link was shown where you started it, and e-mailed to you).")
    with transaction(factory) as session:
        old = session.get(Attempt, attempt_id)
        if old is None or old.phase not in ("evaluation", "done") or old.passed:
            raise OutOfOrder("Only a finished, failed attempt can be retried.")
        if session.scalar(select(Attempt.id).where(Attempt.retry_of == old.id)) is not None:
            raise already
        save_snapshot(session, loaded, now)
        number = session.scalar(select(func.max(Attempt.attempt_number)).where(Attempt.learner_id == old.learner_id)) or 1
        try:
            attempt, issued = _new_attempt(session, old.learner_id, loaded, now, number=number + 1, pretest=False,
                                           delivery_format=old.delivery_format, venue=old.venue, retry_of=old.id)
        except IntegrityError:  # the other tab's retry committed between our read and our insert
            raise already from None
        if public_url:
            _mail_resume_link(session, attempt, session.get_one(Learner, old.learner_id), loaded, issued, public_url)
        xapi_hooks.attempt_started(session, attempt, module_title=loaded.module.title)
        return issued.token, _state(session, attempt)
