"""From a passed attempt to its certificate: the one place that joins the two engines.

Issuing is idempotent per attempt, so the results page can call it on every
visit (and a learner coming back by the resume link downloads the same,
frozen bytes).
"""

from __future__ import annotations

from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from cpd import audit
from cpd.accounts.names import record_name_change
from cpd.attempts import AttemptState
from cpd.certificates.design import Design
from cpd.certificates.service import (
    IssueRequest,
    current_certificate_for_attempt,
    prepare_certificate,
    reissue_corrected,
    store_certificate,
)
from cpd.certificates.status_list import allocate_index
from cpd.content.loader import LoadedModule
from cpd.learners import PROFESSION_NOT_GIVEN
from cpd.storage.db import transaction
from cpd.storage.tables import Attempt, Certificate, Evaluation, Learner
from cpd.text import clean_text


def printed_profession(profession: str | None) -> str | None:
    """The profession a certificate states: none for "Other" or a learning platform that gave none."""
    if not profession or profession in _NOT_A_PROFESSION:
        return None
    return profession


_NOT_A_PROFESSION = frozenset({"Other", PROFESSION_NOT_GIVEN})


def issue_request(loaded: LoadedModule, state: AttemptState, hours: float | None = None,
                  profession: str | None = None) -> IssueRequest:
    """What the certificate states, taken from the attempt and the content it was scored on.

    ``hours``: the hours the learner claimed at the evaluation (the module's maximum when none was asked).
    The certificate also states the module's maximum, the active time recorded (online only: a workshop
    seat's time is the room's, not the learner's) and the edition's date (the module's last review).
    """
    m = loaded.module
    return IssueRequest(
        attempt_id=state.attempt_id,
        learner_name=state.learner_name,
        registration_number=state.learner_registration,
        module_title=m.title,
        module_id=m.id,
        module_version=state.module_version,
        content_hash=state.content_hash,
        learning_objectives=[o.text for o in m.objectives],
        cpd_hours=hours if hours is not None else m.cpd_hours,
        maximum_hours=m.cpd_hours,
        active_seconds=state.active_seconds if state.delivery_format == "online" else None,
        profession=printed_profession(profession),
        edition_date=m.last_review_date,
        # The learner passed the assessment (online, or their own attempt in a workshop): awarded for it.
        awarded_for="assessment",
        score_percent=state.percent or 0.0,
        pass_mark_percent=m.pass_mark,
        recertification_months=m.recertification_months,
        completed_at=state.completed_at or datetime.now(UTC),
        delivery_format=state.delivery_format,  # type: ignore[arg-type]
        venue=state.venue,
    )


def enough_time(loaded: LoadedModule, state: AttemptState) -> bool:
    """The module's minimum recorded active time (if it sets one) is met: below it no certificate is issued."""
    minimum = loaded.module.minimum_recorded_minutes
    return minimum is None or state.active_seconds >= minimum * 60


def certificate_for(
    factory: sessionmaker[Session],
    loaded: LoadedModule,
    state: AttemptState,
    *,
    design: Design,
    private_key: Ed25519PrivateKey,
    public_url: str,
) -> Certificate | None:
    """The attempt's certificate, issued now if it passed, finished the evaluation and has none yet."""
    if not state.passed or state.phase != "done":
        return None
    with factory() as session:
        existing = current_certificate_for_attempt(session, state.attempt_id)
        if existing is not None:
            return existing
        evaluation = session.get(Evaluation, state.attempt_id)
        hours = evaluation.hours_claimed if evaluation is not None else None
        attempt = session.get(Attempt, state.attempt_id)
        learner = session.get(Learner, attempt.learner_id) if attempt is not None else None
        profession = learner.profession if learner is not None else None
    if not enough_time(loaded, state):
        return None
    # The revocation bit is claimed first (its own short transaction), then the page is rendered
    # outside any transaction; the unique (attempt, version) key settles any race.
    with transaction(factory) as session:
        status = allocate_index(session, public_url)
    row = prepare_certificate(issue_request(loaded, state, hours, profession), design=design, private_key=private_key,
                              public_url=public_url, status=status)
    try:
        with transaction(factory) as session:
            if current_certificate_for_attempt(session, state.attempt_id) is None:
                store_certificate(session, row, private_key)
    except IntegrityError:  # another replica issued it a moment ago: that one stands
        pass
    with factory() as session:
        return current_certificate_for_attempt(session, state.attempt_id)


def correct_name(
    factory: sessionmaker[Session],
    certificate_id: str,
    new_name: str,
    *,
    design: Design,
    private_key: Ed25519PrivateKey,
    public_url: str,
    actor_id: str | None = None,
) -> Certificate:
    """A misspelt name: a new signed version supersedes the old, and the learner's profile is fixed too.

    The audit entry records the ids (certificates and learner), never the names.
    """
    name = clean_text(new_name, field="Name", max_len=120)
    with transaction(factory) as session:
        row = reissue_corrected(session, certificate_id, design=design, private_key=private_key,
                                public_url=public_url, new_name=name)
        attempt = session.get(Attempt, row.attempt_id)
        learner = session.get(Learner, attempt.learner_id) if attempt is not None else None
        if learner is not None:
            record_name_change(session, learner.id, learner.name, name, changed_by=actor_id, certificate_id=row.id)
            learner.name = name
        audit.append(session, "certificate.correct_name", actor_id=actor_id,
                     targets={"certificate": row.id, "supersedes": row.supersedes_id,
                              "learner": learner.id if learner is not None else None})
        return row
