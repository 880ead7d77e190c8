"""What ``cpd.attempts`` calls when an attempt is graded: queue its score for the LMS it was launched from.

Only an attempt opened by an LTI launch that granted the score scope has a
line item; for every other attempt this is one primary-key read. The score is
queued in the grading transaction with the key ``lti-score:<attempt id>``, so
it is sent once even if grading is retried, and it waits in the outbox while
the platform is down.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from cpd.outbox.store import enqueue
from cpd.storage.tables import Attempt, LtiLaunch, LtiPlatform, LtiUser
from cpd.timeutil import as_utc

KIND = "lti.score"


def attempt_graded(session: Session, attempt: Attempt) -> None:
    link = session.get(LtiLaunch, attempt.id)
    if link is None or not link.lineitem_url or attempt.completed_at is None:
        return
    user = session.get_one(LtiUser, link.lti_user_id)
    platform = session.get_one(LtiPlatform, link.platform_id)
    completed = as_utc(attempt.completed_at)
    assert completed is not None
    enqueue(session, KIND, f"lti-score:{attempt.id}", {
        "platform_id": link.platform_id,
        "client_id": platform.client_id,
        "token_url": platform.token_url,
        "lineitem": link.lineitem_url,
        "score": {
            "userId": user.subject,
            "scoreGiven": round(float(attempt.percent or 0.0), 4),
            "scoreMaximum": 100,
            "activityProgress": "Completed",
            "gradingProgress": "FullyGraded",
            "timestamp": completed.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "comment": "Passed" if attempt.passed else "Not passed",
        },
    })
