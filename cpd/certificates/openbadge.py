"""The same achievement as an Open Badges 3.0 ``OpenBadgeCredential``.

Wallets and learner records (LinkedIn, Europass, CLR) understand Open Badges,
not our PDF. The credential is a W3C Verifiable Credential 2.0 secured with a
Data Integrity proof using the ``eddsa-jcs-2022`` cryptosuite, signed with the
certificate key:

* ``proofConfig`` = the proof without ``proofValue``, plus the credential's
  ``@context``; ``document`` = the credential without ``proof``;
* signed bytes = SHA-256(JCS(proofConfig)) || SHA-256(JCS(document)), JCS being
  ``record.canonical_bytes`` (sorted keys, compact, UTF-8);
* ``proofValue`` = "z" + base58btc(Ed25519 signature);
* ``verificationMethod`` = the key as a ``did:key`` (multicodec ed25519-pub),
  so any verifier can check it without fetching anything.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, time
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from cpd.certificates.keys import raw_public_key
from cpd.certificates.record import CertificateRecord, canonical_bytes

CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
CRYPTOSUITE = "eddsa-jcs-2022"
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_ED25519_PUB_MULTICODEC = b"\xed\x01"


def _b58encode(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, rem = divmod(n, 58)
        out = _B58[rem] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def _b58decode(text: str) -> bytes:
    n = 0
    for ch in text:
        idx = _B58.find(ch)
        if idx < 0:
            raise ValueError("not base58btc text")
        n = n * 58 + idx
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def did_key(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    return "did:key:z" + _b58encode(_ED25519_PUB_MULTICODEC + raw_public_key(key))


def verification_method(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    did = did_key(key)
    return f"{did}#{did.removeprefix('did:key:')}"


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def unsigned_credential(record: CertificateRecord, public_url: str) -> dict[str, Any]:
    """The OB3 credential for ``record``, before the proof is added."""
    base = public_url.rstrip("/")
    identifiers: list[dict[str, Any]] = [
        {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": record.learner_name}
    ]
    if record.registration_number:
        identifiers.append(
            {
                "type": "IdentityObject",
                "identityType": "identifier",
                "hashed": False,
                "identityHash": record.registration_number,
            }
        )
    description = f"{record.format.capitalize()} CPD activity ({record.cpd_hours:g} CPD hours)"
    if record.venue:
        description += f" at {record.venue}"
    if record.learning_objectives:
        description += ". Learning objectives: " + " ".join(record.learning_objectives)
    valid_until = datetime.combine(record.valid_until, time(23, 59, 59), tzinfo=UTC)
    return {
        "@context": list(CONTEXTS),
        "id": record.verification_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": record.activity_title,
        "issuer": {"id": base, "type": ["Profile"], "name": record.provider},
        "validFrom": _iso(record.issued_at),
        "validUntil": _iso(valid_until),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": identifiers,
            "activityEndDate": _iso(datetime.combine(record.completion_date, time(0, 0), tzinfo=UTC)),
            "creditsEarned": record.cpd_hours,
            "achievement": {
                "id": f"{base}/achievements/{record.module_id}/{record.module_version}",
                "type": ["Achievement"],
                "achievementType": "Course",
                "name": record.activity_title,
                "description": description,
                "criteria": {
                    "narrative": (
                        f"Complete the {record.activity_title} module (version {record.module_version}) "
                        f"and score at least {record.pass_mark_percent:g}% in its assessment."
                    )
                },
                "creditsAvailable": record.cpd_hours,
                "version": record.module_version,
            },
        },
        "credentialStatus": {
            "id": record.verification_url,
            "type": "1EdTechRevocationList",
        },
    }


def _hash_data(document: dict[str, Any], proof_config: dict[str, Any]) -> bytes:
    return hashlib.sha256(canonical_bytes(proof_config)).digest() + hashlib.sha256(canonical_bytes(document)).digest()


def sign_credential(credential: dict[str, Any], private_key: Ed25519PrivateKey, created: datetime) -> dict[str, Any]:
    """Return a copy of ``credential`` with an ``eddsa-jcs-2022`` DataIntegrityProof."""
    document = {k: v for k, v in credential.items() if k != "proof"}
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": _iso(created),
        "verificationMethod": verification_method(private_key),
        "proofPurpose": "assertionMethod",
    }
    signature = private_key.sign(_hash_data(document, {**proof, "@context": document["@context"]}))
    return {**document, "proof": {**proof, "proofValue": "z" + _b58encode(signature)}}


def build_badge(record: CertificateRecord, private_key: Ed25519PrivateKey, public_url: str) -> dict[str, Any]:
    """The signed OB3 credential for one certificate version."""
    return sign_credential(unsigned_credential(record, public_url), private_key, record.issued_at)


def verify_credential(credential: Any, public_key: Ed25519PublicKey) -> str | None:
    """None if the proof is valid for ``public_key``, else the reason it is not."""
    if not isinstance(credential, dict):
        return "not a JSON object"
    proof = credential.get("proof")
    if not isinstance(proof, dict):
        return "no proof (or more than one) on the credential"
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
        return f"unsupported proof: expected DataIntegrityProof / {CRYPTOSUITE}"
    if proof.get("proofPurpose") != "assertionMethod":
        return "proofPurpose is not assertionMethod"
    if proof.get("verificationMethod") != verification_method(public_key):
        return "signed with a different key than the issuer's public key"
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        return "proofValue is not base58btc multibase"
    try:
        signature = _b58decode(value[1:])
    except ValueError:
        return "proofValue is not base58btc multibase"
    document = {k: v for k, v in credential.items() if k != "proof"}
    if "@context" not in document:
        return "credential has no @context"
    proof_config = {k: v for k, v in proof.items() if k != "proofValue"}
    proof_config["@context"] = document["@context"]
    try:
        public_key.verify(signature, _hash_data(document, proof_config))
    except (InvalidSignature, ValueError):
        return "the signature does not match the credential (changed after signing, or another key)"
    return None
