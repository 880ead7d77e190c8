"""Resume links on the one token service: old links survive the upgrade; expired and unknown are told apart."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from migration_support import engine_at
from mini_answers import LEARNER, RIGHT, finish
from sqlalchemy import inspect, text
from sqlalchemy.orm import sessionmaker

from cpd import attempts, tokens
from cpd.attempts import InvalidToken, OutOfOrder
from cpd.storage.db import migrate
from cpd.storage.tables import Token

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


# ---------------------------------------------------------------- the token service tells expired from unknown

def test_check_says_valid_expired_used_revoked_or_unknown(store):
    with store() as s:
        resume = tokens.issue(s, tokens.Purpose.RESUME, "attempt-1", now=T0)
        once = tokens.issue(s, tokens.Purpose.SIGN_IN_LINK, "learner-1", now=T0)
        gone = tokens.issue(s, tokens.Purpose.RESUME, "attempt-2", now=T0)
        s.commit()
    later = T0 + timedelta(days=1)
    with store() as s:
        assert tokens.check(s, tokens.Purpose.RESUME, resume.token, now=later).record.subject_id == "attempt-1"
        assert tokens.check(s, tokens.Purpose.RESUME, resume.token, now=T0 + timedelta(days=91)).status == "expired"
        assert tokens.check(s, tokens.Purpose.SIGN_IN_LINK, resume.token, now=later).status == "unknown"  # other purpose
        assert tokens.check(s, tokens.Purpose.RESUME, secrets.token_urlsafe(32), now=later).status == "unknown"
        assert tokens.check(s, tokens.Purpose.RESUME, "short", now=later).status == "unknown"
        assert tokens.redeem(s, tokens.Purpose.SIGN_IN_LINK, once.token, now=T0) is not None
        assert tokens.check(s, tokens.Purpose.SIGN_IN_LINK, once.token, now=T0).status == "used"
        tokens.revoke_all(s, "attempt-2", tokens.Purpose.RESUME, now=T0)
        checked = tokens.check(s, tokens.Purpose.RESUME, gone.token, now=later)
        assert (checked.status, checked.record, checked.ok) == ("revoked", None, False)


def test_a_learner_is_told_whether_a_link_expired_or_is_not_valid(store, mini):
    token, state = attempts.start_attempt(store, mini, LEARNER, pretest=False, now=T0)
    assert attempts.resume(store, token, now=T0 + timedelta(days=89)).attempt_id == state.attempt_id
    with pytest.raises(InvalidToken) as expired:
        attempts.resume(store, token, now=T0 + timedelta(days=90, seconds=1))
    assert str(expired.value) == attempts.LINK_EXPIRED
    with pytest.raises(InvalidToken) as forged:
        attempts.resume(store, secrets.token_urlsafe(32), now=T0)
    assert str(forged.value) == attempts.LINK_NOT_VALID


def test_each_attempt_gets_its_own_resume_token_in_the_token_table(store, mini):
    token, state = attempts.start_attempt(store, mini, LEARNER, pretest=False, now=T0)
    with store() as s:
        row = s.query(Token).filter_by(subject_id=state.attempt_id).one()
    assert (row.purpose, row.token_hash, row.max_uses) == ("resume", hashlib.sha256(token.encode()).hexdigest(), None)


# ---------------------------------------------------------------- a finished attempt's link is read-only

def test_a_finished_attempts_link_opens_it_read_only(store, mini):
    state = finish(store, mini, RIGHT, learner=LEARNER)
    with store() as s:
        link = attempts.issue_resume_link(s, state.attempt_id)
        s.commit()
    opened = attempts.resume(store, link.token)
    assert opened.finished and opened.phase == "done" and opened.feedback_pending is None
    with pytest.raises(OutOfOrder):
        attempts.submit_answer(store, mini, opened.attempt_id, "q-source", {"option": "a"}, 3)
    with pytest.raises(OutOfOrder):
        attempts.submit_evaluation(store, opened.attempt_id, relevance=5, balance=5, intended_change="x",
                                   reflection="y")
    assert attempts.load_state(store, opened.attempt_id).answers == opened.answers


# ---------------------------------------------------------------- the upgrade keeps old links working

@pytest.fixture(params=["sqlite", "postgres"])
def engine_at_0010(request, tmp_path):
    """A store migrated only to 0010_interop (attempts still hold their resume hashes)."""
    with engine_at(request, tmp_path, "0010_interop", request.param) as engine:
        yield engine


def _old_attempt(conn, attempt_id: str, token: str, expires_at: datetime | None) -> None:
    conn.execute(text("insert into learners (id, name, email, profession, created_at) "
                      "values (:id, 'Ann Old', 'ann@example.org', 'Nurse', :t)"), {"id": f"l-{attempt_id}", "t": T0})
    conn.execute(text("insert into attempts (id, learner_id, resume_token_hash, module_id, module_version, content_hash, "
                      "attempt_number, shuffle_seed, phase, delivery_format, started_at, expires_at) values "
                      "(:id, :learner, :hash, 'mini', '1', 'x', 1, 7, 'cases', 'online', :t, :exp)"),
                 {"id": attempt_id, "learner": f"l-{attempt_id}", "hash": hashlib.sha256(token.encode()).hexdigest(),
                  "t": T0, "exp": expires_at})


def test_a_link_handed_out_before_the_upgrade_keeps_resuming(engine_at_0010):
    live, expired, undated = (secrets.token_urlsafe(32) for _ in range(3))
    with engine_at_0010.begin() as conn:
        _old_attempt(conn, "a-live", live, datetime.now(UTC) + timedelta(days=30))
        _old_attempt(conn, "a-expired", expired, T0 + timedelta(days=1))
        _old_attempt(conn, "a-undated", undated, None)
    migrate(engine_at_0010)
    columns = {c["name"] for c in inspect(engine_at_0010).get_columns("attempts")}
    assert not {"resume_token_hash", "expires_at"} & columns
    factory = sessionmaker(engine_at_0010, expire_on_commit=False)
    resumed = attempts.resume(factory, live)
    assert (resumed.attempt_id, resumed.learner_name, resumed.phase) == ("a-live", "Ann Old", "cases")
    assert attempts.resume(factory, undated).attempt_id == "a-undated"  # no expiry before: the policy's 90 days now
    with pytest.raises(InvalidToken, match="expired"):
        attempts.resume(factory, expired)
    with factory() as s:
        assert tokens.lookup(s, tokens.Purpose.RESUME, undated).expires_at > datetime.now(UTC) + timedelta(days=89)
