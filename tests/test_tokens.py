"""The token service: unguessable, stored hashed, bound to a purpose, expiring, single-use, revocable."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from cpd import tokens
from cpd.storage.db import transaction
from cpd.storage.tables import Token
from cpd.tokens import Purpose

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _issue(store, purpose=Purpose.SIGN_IN_LINK, subject="user-1", **kw):
    with transaction(store) as s:
        return tokens.issue(s, purpose, subject, now=kw.pop("now", T0), **kw)


def _lookup(store, purpose, token, now=T0):
    with store() as s:
        return tokens.lookup(s, purpose, token, now=now)


def _redeem(store, purpose, token, now=T0):
    with transaction(store) as s:
        return tokens.redeem(s, purpose, token, now=now)


def test_a_token_opens_its_subject_and_the_database_keeps_only_its_hash(store):
    issued = _issue(store, Purpose.INVITE, "invitation-7", organisation_id="org-1", data={"role": "manager"})
    assert len(issued.token) == 43  # 32 random bytes, base64url
    record = _lookup(store, Purpose.INVITE, issued.token)
    assert (record.subject_id, record.organisation_id, record.data) == ("invitation-7", "org-1", {"role": "manager"})
    assert record.expires_at == T0 + tokens.POLICIES[Purpose.INVITE].ttl
    with store() as s:
        row = s.scalar(select(Token))
        stored = " ".join(str(v) for v in vars(row).values())
    assert issued.token not in stored
    assert row.token_hash == tokens.hash_token(issued.token)


def test_every_token_is_different(store):
    with transaction(store) as s:
        minted = {tokens.issue(s, Purpose.RESUME, f"attempt-{i}", now=T0).token for i in range(200)}
    assert len(minted) == 200


@pytest.mark.parametrize("guess", ["", "x" * 43, "a" * 10, "é" * 43, None, 12345, "x" * 5000])
def test_forged_or_malformed_tokens_open_nothing(store, guess):
    _issue(store)
    assert _lookup(store, Purpose.SIGN_IN_LINK, guess) is None
    assert _redeem(store, Purpose.SIGN_IN_LINK, guess) is None


def test_a_token_is_refused_for_any_other_purpose(store):
    issued = _issue(store, Purpose.PASSWORD_RESET)
    assert _lookup(store, Purpose.SESSION, issued.token) is None
    assert _redeem(store, Purpose.SIGN_IN_LINK, issued.token) is None
    assert _redeem(store, Purpose.PASSWORD_RESET, issued.token) is not None


def test_a_token_expires(store):
    issued = _issue(store, Purpose.SIGN_IN_LINK, ttl=timedelta(minutes=10))
    assert _lookup(store, Purpose.SIGN_IN_LINK, issued.token, now=T0 + timedelta(minutes=9)) is not None
    assert _lookup(store, Purpose.SIGN_IN_LINK, issued.token, now=T0 + timedelta(minutes=10)) is None
    assert _redeem(store, Purpose.SIGN_IN_LINK, issued.token, now=T0 + timedelta(minutes=11)) is None


def test_a_single_use_link_works_once(store):
    issued = _issue(store, Purpose.SIGN_IN_LINK)
    assert _lookup(store, Purpose.SIGN_IN_LINK, issued.token) is not None  # looking does not use it up
    first = _redeem(store, Purpose.SIGN_IN_LINK, issued.token)
    assert first is not None and first.uses == 1
    assert _redeem(store, Purpose.SIGN_IN_LINK, issued.token) is None
    assert _lookup(store, Purpose.SIGN_IN_LINK, issued.token) is None


def test_a_single_use_link_opened_at_once_by_many_replicas_succeeds_once(store):
    issued = _issue(store, Purpose.PASSWORD_RESET)
    barrier = threading.Barrier(12)
    results: list[object] = []

    def use() -> None:
        barrier.wait()
        results.append(_redeem(store, Purpose.PASSWORD_RESET, issued.token))

    threads = [threading.Thread(target=use) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r is not None for r in results) == 1


def test_a_use_limit_above_one_counts_uses(store):
    issued = _issue(store, Purpose.ASSIGNMENT, max_uses=3)
    assert [(_redeem(store, Purpose.ASSIGNMENT, issued.token) is not None) for _ in range(4)] == [True, True, True, False]


def test_a_session_lapses_when_idle_but_activity_keeps_it_until_its_absolute_end(store):
    policy = tokens.POLICIES[Purpose.SESSION]
    issued = _issue(store, Purpose.SESSION)
    step = policy.idle - timedelta(minutes=1)
    now = T0
    while now + step < T0 + policy.ttl:  # used often enough: stays signed in
        now += step
        assert _redeem(store, Purpose.SESSION, issued.token, now=now) is not None
    assert _redeem(store, Purpose.SESSION, issued.token, now=T0 + policy.ttl) is None  # absolute limit

    idle = _issue(store, Purpose.SESSION, subject="user-2")
    late = T0 + policy.idle + timedelta(seconds=1)
    assert _lookup(store, Purpose.SESSION, idle.token, now=late) is None
    assert _redeem(store, Purpose.SESSION, idle.token, now=late) is None


def test_revoking_one_token_or_all_of_a_subjects(store):
    a = _issue(store, Purpose.SESSION, "user-1")
    b = _issue(store, Purpose.SESSION, "user-1")
    c = _issue(store, Purpose.DEVICE, "user-1")
    other = _issue(store, Purpose.SESSION, "user-2")
    with transaction(store) as s:
        assert tokens.revoke(s, Purpose.SESSION, a.token, now=T0) is True
        assert tokens.revoke(s, Purpose.SESSION, a.token, now=T0) is False  # already revoked
    assert _lookup(store, Purpose.SESSION, a.token) is None
    assert _lookup(store, Purpose.SESSION, b.token) is not None
    with transaction(store) as s:
        assert tokens.revoke_all(s, "user-1", Purpose.SESSION, now=T0) == 1  # b; a was already revoked
    assert _lookup(store, Purpose.SESSION, b.token) is None
    assert _lookup(store, Purpose.DEVICE, c.token) is not None  # another purpose stays
    assert _lookup(store, Purpose.SESSION, other.token) is not None  # another person stays
    with transaction(store) as s:
        assert tokens.revoke_id(s, c.id, now=T0) is True
    assert _lookup(store, Purpose.DEVICE, c.token) is None


def test_revoke_all_can_be_narrowed_to_one_organisation(store):
    a = _issue(store, Purpose.ASSIGNMENT, "user-1", organisation_id="org-a")
    b = _issue(store, Purpose.ASSIGNMENT, "user-1", organisation_id="org-b")
    with transaction(store) as s:
        assert tokens.revoke_all(s, "user-1", organisation_id="org-a", now=T0) == 1
    assert _lookup(store, Purpose.ASSIGNMENT, a.token) is None
    assert _lookup(store, Purpose.ASSIGNMENT, b.token) is not None


def test_a_token_issued_in_a_transaction_that_fails_does_not_exist(store):
    minted = []
    with pytest.raises(RuntimeError), transaction(store) as s:
        minted.append(tokens.issue(s, Purpose.INVITE, "invitation-1", now=T0))
        raise RuntimeError("the invitation could not be saved")
    assert _lookup(store, Purpose.INVITE, minted[0].token) is None


def test_bad_requests_are_refused_with_a_reason(store):
    with transaction(store) as s:
        with pytest.raises(tokens.TokenError, match="unknown token purpose"):
            tokens.issue(s, "coupon", "x")
        with pytest.raises(tokens.TokenError, match="short codes: give an alphabet"):
            tokens.issue(s, Purpose.JOIN_CODE, "workshop-1")
        with pytest.raises(tokens.TokenError, match="long random tokens"):
            tokens.issue(s, Purpose.SESSION, "user-1", alphabet="ACDEFHJKMNPRTUVWXY3479", length=6)
        with pytest.raises(tokens.TokenError, match="live for some time"):
            tokens.issue(s, Purpose.INVITE, "x", ttl=timedelta(0))
        with pytest.raises(tokens.TokenError, match="max_uses"):
            tokens.issue(s, Purpose.INVITE, "x", max_uses=0)


def test_a_revocation_is_seen_at_once_by_the_session_that_made_it(store):
    issued = _issue(store, Purpose.SESSION)
    with transaction(store) as s:
        assert tokens.lookup(s, Purpose.SESSION, issued.token, now=T0) is not None
        tokens.revoke_all(s, "user-1", Purpose.SESSION, now=T0)
        assert tokens.lookup(s, Purpose.SESSION, issued.token, now=T0) is None


# ---------------------------------------------------------------- short codes (workshop join codes)

ALPHABET = "ACDEFHJKMNPRTUVWXY3479"


def test_a_short_code_uses_the_callers_alphabet_and_is_stored_only_as_its_hash(store):
    issued = _issue(store, Purpose.JOIN_CODE, "workshop-1", alphabet=ALPHABET, length=6)
    assert len(issued.token) == 6 and set(issued.token) <= set(ALPHABET)
    with store() as s:
        row = s.scalars(select(Token).where(Token.id == issued.id)).one()
    assert row.token_hash == tokens.hash_token(issued.token) and issued.token not in row.token_hash
    assert _lookup(store, Purpose.JOIN_CODE, issued.token).subject_id == "workshop-1"
    assert _lookup(store, Purpose.INVITE, issued.token) is None  # a code is only a code
    long = _issue(store, Purpose.INVITE, "invitation-1")
    assert len(long.token) >= 43  # every other purpose keeps its 256-bit tokens


def test_a_short_code_must_not_be_too_short_or_from_a_tiny_alphabet(store):
    with transaction(store) as s:
        with pytest.raises(tokens.TokenError, match="6 to 200"):
            tokens.issue(s, Purpose.JOIN_CODE, "w", alphabet=ALPHABET, length=4)
        with pytest.raises(tokens.TokenError, match="distinct printable"):
            tokens.issue(s, Purpose.JOIN_CODE, "w", alphabet="0123456789", length=6)
        with pytest.raises(tokens.TokenError, match="distinct printable"):
            tokens.issue(s, Purpose.JOIN_CODE, "w", alphabet=ALPHABET[:-1] + "A", length=6)
        with pytest.raises(tokens.TokenError, match="both"):
            tokens.issue(s, Purpose.JOIN_CODE, "w", alphabet=ALPHABET)


def test_a_taken_short_code_is_replaced_without_undoing_the_callers_work(store, monkeypatch):
    first = _issue(store, Purpose.JOIN_CODE, "workshop-1", alphabet=ALPHABET, length=6)
    with transaction(store) as s:
        tokens.revoke_all(s, "workshop-1", Purpose.JOIN_CODE, now=T0)  # revoked codes are not handed out again either
    offered = iter([first.token, first.token, "KMNPRT"])
    monkeypatch.setattr(tokens, "short_code", lambda alphabet, length: next(offered))
    with transaction(store) as s:
        before = tokens.issue(s, Purpose.INVITE, "invitation-1", now=T0)  # work done earlier in the same transaction
        second = tokens.issue(s, Purpose.JOIN_CODE, "workshop-2", alphabet=ALPHABET, length=6, now=T0)
    assert second.token == "KMNPRT"
    assert _lookup(store, Purpose.INVITE, before.token) is not None
    assert _lookup(store, Purpose.JOIN_CODE, "KMNPRT").subject_id == "workshop-2"
    monkeypatch.setattr(tokens, "short_code", lambda alphabet, length: "KMNPRT")
    with pytest.raises(tokens.TokenError, match="no free short code"), transaction(store) as s:
        tokens.issue(s, Purpose.JOIN_CODE, "workshop-3", alphabet=ALPHABET, length=6, now=T0)
