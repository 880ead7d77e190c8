"""Find my attempts and certificates (engine): one reply for any address, throttled, a one-time link, the learner's list."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from mini_answers import LEARNER, RIGHT, WRONG, finish
from sqlalchemy import func, select

from cpd import attempts, audit, tokens
from cpd.accounts import directory, learner_access
from cpd.accounts.directory import Principal
from cpd.accounts.learner_access import PER_ADDRESS, PER_CLIENT, SENT, AccessError, Throttled
from cpd.certificates.design import load_default_design
from cpd.completion import certificate_for
from cpd.storage.tables import AuditEntry, Learner, OutboxEffect

PUBLIC = "https://cpd.example.org"
ROOT_DIR = __import__("pathlib").Path(__file__).resolve().parent.parent


def mails(store) -> list[dict]:
    with store() as s:
        return [json.loads(p) for p in s.scalars(select(OutboxEffect.payload_json).where(OutboxEffect.kind == "mail")
                                                 .order_by(OutboxEffect.id))]


def access_token(mail: dict) -> str:
    return re.search(r"/my-attempts\?access=([\w-]+)", mail["text"]).group(1)


def ask(store, email, client="203.0.113.5", now=None) -> str:
    return learner_access.request_link(store, email, client=client, public_url=PUBLIC, now=now)


def test_the_reply_is_the_same_for_a_known_and_an_unknown_address_and_only_the_known_one_gets_mail(store, mini):
    finish(store, mini, RIGHT)
    before = len(mails(store))
    assert ask(store, "nobody@example.org") == ask(store, LEARNER["email"].upper()) == SENT
    (mail,) = mails(store)[before:]
    assert mail["to"] == LEARNER["email"] and mail["template"] == "learner_access"
    assert f"{PUBLIC}/my-attempts?access=" in mail["text"]
    with pytest.raises(AccessError, match="E-mail"):
        ask(store, "not an address")


def test_requests_are_throttled_per_address_and_per_client_alike_for_known_and_unknown(store, mini):
    finish(store, mini, RIGHT)
    t0 = datetime.now(UTC)
    for address in (LEARNER["email"], "nobody@example.org"):
        for i in range(PER_ADDRESS):
            ask(store, address, client=f"198.51.100.{i}", now=t0)
        with pytest.raises(Throttled) as refused:
            ask(store, address, client="198.51.100.99", now=t0)
        assert str(refused.value) == learner_access.THROTTLED  # the same words whether or not the address is known
    for i in range(PER_CLIENT):
        ask(store, f"x{i}@example.org", client="192.0.2.1", now=t0)
    with pytest.raises(Throttled):
        ask(store, "fresh@example.org", client="192.0.2.1", now=t0)
    assert ask(store, "fresh@example.org", client="192.0.2.2", now=t0) == SENT  # another client is not held up
    assert ask(store, LEARNER["email"], client="198.51.100.99", now=t0 + timedelta(hours=1, seconds=1)) == SENT


def test_the_link_works_once_proves_the_address_and_lists_every_attempt_and_certificate_with_it(store, mini):
    passed = finish(store, mini, RIGHT)
    cert = certificate_for(store, mini, passed, design=load_default_design(ROOT_DIR / "certificates"),
                           private_key=Ed25519PrivateKey.generate(), public_url=PUBLIC)
    _, open_one = attempts.start_attempt(store, mini, {**LEARNER, "email": "ZOE@example.org"}, pretest=False)
    stranger = finish(store, mini, WRONG, learner={**LEARNER, "email": "someone.else@example.org"})
    ask(store, LEARNER["email"])
    token = access_token(mails(store)[-1])
    assert learner_access.link_status(store, token) is tokens.Status.VALID
    view = learner_access.open_link(store, token)
    assert learner_access.link_status(store, token) is tokens.Status.USED
    with pytest.raises(AccessError, match="used or has expired"):
        learner_access.open_link(store, token)
    with store() as s:  # both records with the address are proven now
        assert s.scalar(select(func.count()).select_from(Learner).where(Learner.email_verified_at.is_not(None))) == 2

    found = learner_access.overview(store, view)
    assert found is not None and found.email == LEARNER["email"]
    assert {a.attempt_id for a in found.attempts} == {passed.attempt_id, open_one.attempt_id}
    assert {a.attempt_id: a.finished for a in found.attempts} == {passed.attempt_id: True, open_one.attempt_id: False}
    assert [c.certificate_id for c in found.certificates] == [cert.id]
    assert found.attempts[0].module_title == mini.module.title
    assert learner_access.certificate_pdf(store, view, cert.id).startswith(b"%PDF")

    # Opening an attempt from the list: a fresh resume link; a finished one opens read-only.
    resumed = attempts.resume(store, learner_access.open_attempt(store, view, open_one.attempt_id))
    assert resumed.attempt_id == open_one.attempt_id and not resumed.finished
    assert attempts.resume(store, learner_access.open_attempt(store, view, passed.attempt_id)).finished
    with pytest.raises(AccessError, match="not one of yours"):
        learner_access.open_attempt(store, view, stranger.attempt_id)
    learner_access.close_view(store, view)
    assert learner_access.overview(store, view) is None


def test_the_link_expires_after_30_minutes(store, mini):
    finish(store, mini, RIGHT)
    ask(store, LEARNER["email"])
    token = access_token(mails(store)[-1])
    later = datetime.now(UTC) + timedelta(minutes=31)
    with store() as s:
        assert tokens.check(s, tokens.Purpose.SIGN_IN_LINK, token, now=later).status is tokens.Status.EXPIRED
    with pytest.raises(AccessError):
        learner_access.open_link(store, token, now=later)
    assert learner_access.link_status(store, "x" * 43) is tokens.Status.UNKNOWN


def _admin(store) -> Principal:
    account = directory.create_account(store, "root@example.org", role="admin",
                                       password="correct horse battery staple")
    with store() as s:
        return directory.principal(s, account.id)


def test_an_administrator_resends_the_link_and_it_is_audited(store, mini):
    finish(store, mini, RIGHT)
    who = _admin(store)
    assert [r[:2] for r in learner_access.find_learners(store, LEARNER["email"], actor=who)] == [(LEARNER["name"], 1)]
    assert learner_access.resend_link(store, LEARNER["email"], actor=who, public_url=PUBLIC) == 1
    assert mails(store)[-1]["to"] == LEARNER["email"]
    with pytest.raises(AccessError, match="No learner"):
        learner_access.resend_link(store, "nobody@example.org", actor=who, public_url=PUBLIC)
    with store() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "learner.access_link_resent")).one()
        assert entry.actor_id == who.account_id and LEARNER["email"] not in entry.targets_json
        assert all(r.ok for r in audit.verify(s, all_chains=True))
