"""Our badges against the standards themselves: the W3C eddsa-jcs-2022 test vectors and the OB 3.0 JSON Schema.

The data is read from ``../shared/credentials-spec`` (see its SOURCES.md), never copied into the project.
"""

from __future__ import annotations

import copy
import hashlib
import json

import jsonschema
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from test_certificates_support import (  # noqa: F401
    NOW,
    PUBLIC_URL,
    SPEC,
    design,
    make_request,
    private_key,
)

from cpd.certificates.bundle import sign_record
from cpd.certificates.did import b58decode, did_key_method
from cpd.certificates.openbadge import (
    PROOF_RECOMMENDATION,
    StatusEntry,
    build_badge,
    check_proof,
    keyring,
    sign_credential,
)
from cpd.certificates.record import canonical_bytes
from cpd.certificates.request import build_record
from cpd.certificates.verify import Status, verify_file

VECTORS = SPEC / "w3c_vc_di_eddsa_testvectors"


def _text(name: str) -> str:
    return (VECTORS / name).read_text().strip()


def _json(name: str):
    return json.loads((VECTORS / name).read_text())


def w3c_test_key() -> Ed25519PrivateKey:
    from test_certificates_support import w3c_test_key as key

    return key()


def test_jcs_reproduces_the_w3c_canonical_forms():
    assert canonical_bytes(_json("unsigned.json")).decode() == _text("canonDocJCS.txt")
    assert hashlib.sha256(canonical_bytes(_json("unsigned.json"))).hexdigest() == _text("docHashJCS.txt")
    assert canonical_bytes(_json("proofConfigJCS.json")).decode() == _text("proofCanonJCS.txt")
    assert hashlib.sha256(canonical_bytes(_json("proofConfigJCS.json"))).hexdigest() == _text("proofHashJCS.txt")


def test_jcs_number_rule():
    # RFC 8785 writes numbers as ECMAScript does: 100.0 is 100.
    assert canonical_bytes({"b": 100.0, "a": [2.50, 1e21, 0.1, -0.0, "é"]}) == '{"a":[2.5,1e+21,0.1,0,"é"],"b":100}'.encode()
    with pytest.raises(ValueError):
        canonical_bytes({"x": float("nan")})


def test_signing_reproduces_the_w3c_signed_credential():
    key = w3c_test_key()
    proof_vector = _json("signedJCS.json")["proof"]
    assert proof_vector["verificationMethod"] == did_key_method(key)
    from datetime import datetime

    created = datetime.fromisoformat(proof_vector["created"].replace("Z", "+00:00"))
    signed = sign_credential(_json("unsigned.json"), key, created, proof_vector["verificationMethod"])
    assert signed["proof"] == [proof_vector]  # ours is the array form; the proof itself is byte for byte theirs
    assert proof_vector["proofValue"] == _text("sigBTC58JCS.txt")
    assert b58decode(proof_vector["proofValue"][1:]).hex() == _text("sigHexJCS.txt")
    assert {k: v for k, v in signed.items() if k != "proof"} == _json("unsigned.json")


def test_our_verifier_accepts_the_w3c_signed_credential_and_refuses_a_change():
    key = w3c_test_key()
    vector = _json("signedJCS.json")  # single proof object, as the vectors publish it
    check = check_proof(vector, keyring(key))
    assert check.ok and check.form == PROOF_RECOMMENDATION, check.reason
    changed = copy.deepcopy(vector)
    changed["credentialSubject"]["alumniOf"] = "Another School"
    assert "does not match" in check_proof(changed, keyring(key)).reason
    context_dropped = copy.deepcopy(vector)
    context_dropped["proof"]["@context"] = ["https://www.w3.org/ns/credentials/v2", "https://evil.example/v1"]
    assert "@context" in check_proof(context_dropped, keyring(key)).reason
    assert "different key" in check_proof(vector, keyring(Ed25519PrivateKey.generate())).reason


def test_our_badge_is_verified_by_the_same_code_path_as_the_vectors(design, private_key):
    record = build_record(make_request(), design=design, public_url=PUBLIC_URL, issued_at=NOW)
    badge = build_badge(record, private_key, PUBLIC_URL)
    proof = badge["proof"][0]
    # Rebuild the signed bytes by hand, as the Recommendation's Verify Proof does.
    document = {k: v for k, v in badge.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    data = hashlib.sha256(canonical_bytes(options)).digest() + hashlib.sha256(canonical_bytes(document)).digest()
    private_key.public_key().verify(b58decode(proof["proofValue"][1:]), data)
    assert check_proof(badge, keyring(private_key)).form == PROOF_RECOMMENDATION


def _schema_errors(badge) -> list[str]:
    schema = json.loads((SPEC / "ob_v3p0_achievementcredential_schema.json").read_text())
    validator = jsonschema.Draft201909Validator(schema, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER)
    return [f"{list(e.absolute_path)}: {e.message[:120]}" for e in validator.iter_errors(badge)]


@pytest.mark.parametrize("workshop", [False, True, "participation"])
def test_badge_validates_against_the_official_ob3_schema(design, private_key, workshop):
    request = make_request(delivery_format="workshop", venue="Leeds") if workshop else make_request()
    if workshop == "participation":  # an attendance workshop's certificate: no score, no pass mark
        request = make_request(delivery_format="workshop", venue="Leeds", awarded_for="participation",
                               score_percent=None, pass_mark_percent=None)
    record = build_record(request, design=design, public_url=PUBLIC_URL, issued_at=NOW)
    badge = build_badge(record, private_key, PUBLIC_URL, StatusEntry(f"{PUBLIC_URL}/credentials/status/1", 4242))
    assert _schema_errors(badge) == []
    assert badge["credentialStatus"]["type"] == "BitstringStatusListEntry"
    assert badge["image"]["id"].startswith("data:image/svg+xml;base64,")
    assert verify_file(canonical_bytes(badge), private_key.public_key()).status is Status.VALID


def test_the_schema_catches_what_it_should(design, private_key):
    # Control: the schema is not a rubber stamp; the old single-object proof fails it.
    record = build_record(make_request(), design=design, public_url=PUBLIC_URL, issued_at=NOW)
    badge = build_badge(record, private_key, PUBLIC_URL)
    badge["proof"] = badge["proof"][0]
    assert any("['proof']" in e for e in _schema_errors(badge))
    signed = sign_record(record, private_key)
    assert signed.record == record
