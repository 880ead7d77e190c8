"""A learner's attempts come together only after a one-time link proves the address; names keep their history."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from mini_answers import LEARNER, RIGHT, finish
from sqlalchemy import select

from cpd.accounts import learner_links
from cpd.accounts.names import name_history
from cpd.certificates.design import load_default_design
from cpd.completion import certificate_for, correct_name
from cpd.storage.tables import Attempt, OutboxEffect

PUBLIC = "https://cpd.example.org"


def learner_of(store, state) -> str:
    with store() as s:
        return s.get(Attempt, state.attempt_id).learner_id


def proof_token(store, learner_id) -> str:
    learner_links.send_email_proof(store, learner_id, public_url=PUBLIC)
    with store() as s:
        payload = json.loads(s.scalars(select(OutboxEffect.payload_json).order_by(OutboxEffect.id.desc())).first())
    link = next(line for line in payload["text"].splitlines() if line.startswith(PUBLIC))
    assert link.startswith(f"{PUBLIC}/auth/confirm-email?token=")
    return payload["to"], link.split("token=", 1)[1]


def test_typing_someones_address_links_nothing_until_the_link_is_used(store, mini):
    first = learner_of(store, finish(store, mini, RIGHT))
    to, token = proof_token(store, first)
    assert to == LEARNER["email"]
    assert learner_links.confirm_email_proof(store, token) == first

    impostor = learner_of(store, finish(store, mini, RIGHT, learner={**LEARNER, "name": "Someone Else"}))
    # Same typed address, no proof: neither sees the other's attempts.
    assert learner_links.history(store, impostor).learner_ids == (impostor,)
    assert impostor not in learner_links.history(store, first).learner_ids

    # The proof goes to the address itself, never to one the requester chooses.
    to, token = proof_token(store, impostor)
    assert to == LEARNER["email"]
    assert learner_links.is_email_proof(store, token)
    assert learner_links.confirm_email_proof(store, token) == first
    both = learner_links.history(store, impostor)
    assert set(both.learner_ids) == {first, impostor} and len(both.attempt_ids) == 2
    assert learner_links.history(store, first) == both
    with pytest.raises(learner_links.ProofError, match="does not work any more"):
        learner_links.confirm_email_proof(store, token)  # one use only


def test_an_unverified_row_is_never_pulled_in(store, mini):
    verified = learner_of(store, finish(store, mini, RIGHT))
    learner_links.confirm_email_proof(store, proof_token(store, verified)[1])
    typed_only = learner_of(store, finish(store, mini, RIGHT))
    assert typed_only not in learner_links.history(store, verified).learner_ids
    with pytest.raises(learner_links.ProofError):
        learner_links.confirm_email_proof(store, "not-a-real-token-" + "x" * 30)


def test_certificates_follow_the_linked_attempts(store, mini):
    design, key = load_default_design(ROOT / "certificates"), Ed25519PrivateKey.generate()
    state_a = finish(store, mini, RIGHT)
    cert_a = certificate_for(store, mini, state_a, design=design, private_key=key, public_url=PUBLIC)
    a = learner_of(store, state_a)
    b = learner_of(store, finish(store, mini, RIGHT))
    learner_links.confirm_email_proof(store, proof_token(store, a)[1])
    assert cert_a.id not in learner_links.history(store, b).certificate_ids
    learner_links.confirm_email_proof(store, proof_token(store, b)[1])
    assert cert_a.id in learner_links.history(store, b).certificate_ids


def test_a_name_correction_keeps_the_old_name_in_the_history(store, mini):
    design, key = load_default_design(ROOT / "certificates"), Ed25519PrivateKey.generate()
    state = finish(store, mini, RIGHT, learner={**LEARNER, "name": "Zoe Angstrom"})
    cert = certificate_for(store, mini, state, design=design, private_key=key, public_url=PUBLIC)
    v2 = correct_name(store, cert.id, "Zoë Ångström", design=design, private_key=key, public_url=PUBLIC,
                      actor_id="acct-1")
    v3 = correct_name(store, v2.id, "Zoë Ångström-Li", design=design, private_key=key, public_url=PUBLIC)
    history = name_history(store, learner_of(store, state))
    assert [(h.old_name, h.new_name, h.changed_by, h.certificate_id) for h in history] == [
        ("Zoe Angstrom", "Zoë Ångström", "acct-1", v2.id),
        ("Zoë Ångström", "Zoë Ångström-Li", None, v3.id),
    ]
