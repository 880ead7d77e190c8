"""A valid launch: find or create the learner in the platform's organisation and open their attempt.

The same platform user on the same resource link comes back to their latest
attempt (whatever its phase: results and a retry are there); a new link or a
new user starts one. The attempt's resume token is replaced at each launch
(the token service keeps only hashes, so the old one cannot be shown again;
it is revoked): the LMS is the learner's way back, and the new token goes in
the redirect to ``/?t=``.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cpd import attempts, tokens
from cpd.content.loader import LoadedModule
from cpd.learners import PROFESSION_NOT_GIVEN
from cpd.lti.launch import SCORE_SCOPE, Launch
from cpd.storage.tables import Attempt, Learner, LtiLaunch, LtiUser

PROFESSION_UNKNOWN = PROFESSION_NOT_GIVEN


def learner_for(session: Session, launch: Launch, now: datetime) -> LtiUser:
    user = session.scalar(select(LtiUser).where(LtiUser.platform_id == launch.platform_id,
                                                LtiUser.subject == launch.subject))
    if user is not None:
        learner = session.get_one(Learner, user.learner_id)
        if launch.name and launch.name != "Learner":
            learner.name = launch.name
        if launch.email:
            learner.email = launch.email
        return user
    profession = launch.custom.get("profession")
    learner = Learner(id=str(uuid.uuid4()), name=launch.name, email=launch.email or "",
                      profession=str(profession)[:120] if isinstance(profession, str) and profession.strip()
                      else PROFESSION_UNKNOWN, created_at=now)
    session.add(learner)
    session.flush()
    user = LtiUser(platform_id=launch.platform_id, subject=launch.subject, learner_id=learner.id, created_at=now)
    session.add(user)
    session.flush()
    return user


def open_for_launch(session: Session, launch: Launch, loaded: LoadedModule, *, now: datetime | None = None) -> str:
    """The resume token of the launching learner's attempt on this resource link (opened if none yet)."""
    now = now or datetime.now(UTC)
    user = learner_for(session, launch, now)
    row = session.execute(
        select(LtiLaunch, Attempt).join(Attempt, Attempt.id == LtiLaunch.attempt_id)
        .where(LtiLaunch.lti_user_id == user.id, LtiLaunch.resource_link_id == launch.resource_link_id,
               Attempt.module_id == loaded.module.id)
        .order_by(Attempt.attempt_number.desc(), Attempt.started_at.desc()).limit(1)
    ).first()
    scopes = json.dumps(list(launch.ags_scopes))
    lineitem = launch.lineitem_url if SCORE_SCOPE in launch.ags_scopes else None
    if row is not None:
        link, attempt = row
        tokens.revoke_all(session, attempt.id, tokens.Purpose.RESUME, now=now)  # the LMS is the way back
        token = attempts.issue_resume_link(session, attempt.id, now).token
        link.lineitem_url, link.ags_scopes_json, link.deployment_id = lineitem, scopes, launch.deployment_id
        session.flush()
        return token
    attempt, token = attempts.open_for_learner(session, user.learner_id, loaded, now)
    session.add(LtiLaunch(attempt_id=attempt.id, platform_id=launch.platform_id, lti_user_id=user.id,
                          deployment_id=launch.deployment_id, resource_link_id=launch.resource_link_id,
                          lineitem_url=lineitem, ags_scopes_json=scopes, created_at=now))
    session.flush()
    return token
