"""The same achievement as an Open Badges 3.0 ``OpenBadgeCredential``.

Wallets and learner records (LinkedIn, Europass, CLR) understand Open Badges,
not our PDF. The credential is a W3C Verifiable Credential 2.0 secured with a
Data Integrity proof using the ``eddsa-jcs-2022`` cryptosuite exactly as the
W3C Recommendation "Data Integrity EdDSA Cryptosuites v1.0" defines it
(reproduced by ``tests/test_certificates_w3c_vectors.py`` on the W3C vectors):

* Create Proof step 2: the proof carries the credential's ``@context``;
* ``proofConfig`` = the proof without ``proofValue`` (so *with* that
  ``@context``), ``document`` = the credential without ``proof``;
* signed bytes = SHA-256(JCS(proofConfig)) || SHA-256(JCS(document)), JCS being
  RFC 8785 (``record.canonical_bytes``);
* ``proofValue`` = "z" + base58btc(Ed25519 signature);
* ``proof`` is an array (the OB 3.0 schema requires it); ``issuer`` is our
  ``did:web`` and ``verificationMethod`` is ``<did>#<key id>``, listed in the DID
  document the app serves, so issuer, method and key are linked.

Badges issued before December 2026 used an earlier draft form (one proof
object, no ``@context`` in it, the document's ``@context`` added only when
hashing, and a ``did:key`` method). The verifier still accepts it and says so:
see ``PROOF_FORMS`` and the versioning rule in ``record.py``.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from cpd.certificates.did import (
    b58decode,
    b58encode,
    did_web,
    public_key_from_multibase,
    verification_method_id,
)
from cpd.certificates.keys import key_id, raw_public_key
from cpd.certificates.pdf import format_minutes
from cpd.certificates.record import (
    AWARDED_FOR_PARTICIPATION,
    AnyRecord,
    CertificateRecordV2,
    award_basis,
    canonical_bytes,
)

CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
CRYPTOSUITE = "eddsa-jcs-2022"

PROOF_RECOMMENDATION: Final = "recommendation"
PROOF_DRAFT: Final = "draft-2024"
PROOF_FORMS: Final[dict[str, str]] = {
    PROOF_RECOMMENDATION: "eddsa-jcs-2022 as in the W3C Recommendation (Data Integrity EdDSA Cryptosuites v1.0)",
    PROOF_DRAFT: (
        "eddsa-jcs-2022 in the earlier draft form this issuer used before December 2026 "
        "(the credential's @context was signed but not embedded in the proof); still genuine"
    ),
}

# Public key bytes are identified by key_id (16 hex characters); a verifier holds the issuer's keys by it.
KeyRing = Mapping[str, Ed25519PublicKey]


@dataclass(frozen=True)
class StatusEntry:
    """Where a badge's revocation bit lives in the W3C Bitstring Status List."""

    list_url: str
    index: int
    list_id: int = 1

    def as_credential_status(self) -> dict[str, Any]:
        return {
            "id": f"{self.list_url}#{self.index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(self.index),
            "statusListCredential": self.list_url,
        }


def keyring(*keys: Ed25519PrivateKey | Ed25519PublicKey) -> dict[str, Ed25519PublicKey]:
    """A verifier's keys by key id, from key objects (e.g. one pinned public key)."""
    out: dict[str, Ed25519PublicKey] = {}
    for k in keys:
        pub = k.public_key() if isinstance(k, Ed25519PrivateKey) else k
        out[key_id(pub)] = pub
    return out


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def achievement_url(public_url: str, record: AnyRecord) -> str:
    """The achievement a badge is for: passing the module version's assessment, or (a separate achievement,
    with its own criteria) taking part in an attendance-based live workshop on it."""
    url = f"{public_url.rstrip('/')}/achievements/{record.module_id}/{record.module_version}"
    return f"{url}/participation" if award_basis(record) == AWARDED_FOR_PARTICIPATION else url


def badge_image_data_uri(title: str) -> str:
    """A small SVG seal, inline so the badge shows an image in any wallet, online or not."""
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">'
        '<circle cx="128" cy="128" r="120" fill="#0b4f6c"/><circle cx="128" cy="128" r="100" fill="none" '
        'stroke="#f2c14e" stroke-width="6"/><path d="M88 132l28 28 52-60" fill="none" stroke="#fff" '
        'stroke-width="16" stroke-linecap="round" stroke-linejoin="round"/>'
        '<text x="128" y="214" font-family="sans-serif" font-size="22" fill="#fff" text-anchor="middle">CPD</text></svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def unsigned_credential(
    record: AnyRecord, public_url: str, status: StatusEntry | None = None
) -> dict[str, Any]:
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
    v2 = record if isinstance(record, CertificateRecordV2) else None
    hours = (f"{v2.hours_claimed:g} CPD hours claimed of a maximum {v2.maximum_hours:g}" if v2 is not None
             else f"{record.cpd_hours:g} CPD hours")
    description = f"{record.format.capitalize()} CPD activity ({hours})"
    if record.venue:
        description += f" at {record.venue}"
    if award_basis(record) == AWARDED_FOR_PARTICIPATION:
        description += "; a certificate of participation (not assessed)"
    if record.learning_objectives:
        description += ". Learning objectives: " + " ".join(record.learning_objectives)
    valid_until = datetime.combine(record.valid_until, time(23, 59, 59), tzinfo=UTC)
    achievement = achievement_url(public_url, record)
    image = {"id": badge_image_data_uri(record.activity_title), "type": "Image", "caption": record.activity_title}
    credential: dict[str, Any] = {
        "@context": list(CONTEXTS),
        "id": record.verification_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": record.activity_title,
        "image": image,
        "issuer": {"id": did_web(public_url), "type": ["Profile"], "name": record.provider, "url": base},
        "validFrom": _iso(record.issued_at),
        "validUntil": _iso(valid_until),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": identifiers,
            "activityEndDate": _iso(datetime.combine(record.completion_date, time(0, 0), tzinfo=UTC)),
            "creditsEarned": record.cpd_hours,
            "achievement": {
                "id": achievement,
                "type": ["Achievement"],
                "achievementType": "Course",
                "name": record.activity_title,
                "description": description,
                "image": image,
                "criteria": {"id": f"{achievement}/criteria", "narrative": _criteria(record)},
                "creditsAvailable": v2.maximum_hours if v2 is not None else record.cpd_hours,
                "version": record.module_version,
            },
        },
    }
    if v2 is not None:
        _add_v2_facts(credential, v2)
    if status is not None:
        credential["credentialStatus"] = status.as_credential_status()
    return credential


def _criteria(record: AnyRecord) -> str:
    if award_basis(record) == AWARDED_FOR_PARTICIPATION:
        return (f"Take part in a live, attendance-based workshop on the {record.activity_title} module "
                f"(version {record.module_version}). Awarded for participation: there is no assessment "
                f"and no pass mark.")
    return (f"Complete the {record.activity_title} module (version {record.module_version}) "
            f"and score at least {record.pass_mark_percent:g}% in its assessment.")


def _add_v2_facts(credential: dict[str, Any], record: CertificateRecordV2) -> None:
    """What record version 2 adds, in the Open Badges 3.0 fields meant for it.

    Profession: ``AchievementSubject.role`` ("role, position, or title of the learner"); hours and time
    recorded, and who signed: ``AchievementSubject.narrative``; the provider's contact:
    ``Profile.description``. Version-1 badges are built exactly as before (``upgrade_badges`` re-signs them).
    """
    subject = credential["credentialSubject"]
    if record.learner_profession:
        subject["role"] = record.learner_profession
    time = (f"active time recorded: {format_minutes(record.time_recorded_minutes)}"
            if record.time_recorded_minutes is not None else "no active time recorded (live workshop)"
            if record.format == "live workshop" else "no active time recorded")
    signatory = record.signatory
    signed_by = ", ".join(x for x in (signatory.name, signatory.qualifications, signatory.role) if x)
    basis = ("Awarded for participation in a live workshop (not assessed)" if record.for_participation
             else f"Awarded for assessment: scored at or above the pass mark of {record.pass_mark_percent:g}%")
    subject["narrative"] = (
        f"{basis}. Claimed {record.hours_claimed:g} of a maximum {record.maximum_hours:g} CPD hours; {time}. "
        f"Signed for {record.provider} by {signed_by}."
    )
    if record.provider_contact:
        credential["issuer"]["description"] = f"Contact: {record.provider_contact}"
    if record.edition_date is not None:
        achievement = subject["achievement"]
        achievement["criteria"]["narrative"] = achievement["criteria"]["narrative"].replace(
            f"(version {record.module_version})",
            f"(edition {record.module_version} of {record.edition_date.isoformat()})",
        )


def _hash_data(document: dict[str, Any], proof_config: dict[str, Any]) -> bytes:
    return hashlib.sha256(canonical_bytes(proof_config)).digest() + hashlib.sha256(canonical_bytes(document)).digest()


def sign_credential(
    credential: dict[str, Any], private_key: Ed25519PrivateKey, created: datetime, verification_method: str
) -> dict[str, Any]:
    """A copy of ``credential`` with one ``eddsa-jcs-2022`` DataIntegrityProof, as the Recommendation creates it."""
    document = {k: v for k, v in credential.items() if k != "proof"}
    proof: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": _iso(created),
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    if "@context" in document:  # Create Proof, step 2
        proof["@context"] = document["@context"]
    signature = private_key.sign(_hash_data(document, proof))
    return {**document, "proof": [{**proof, "proofValue": "z" + b58encode(signature)}]}


def build_badge(
    record: AnyRecord, private_key: Ed25519PrivateKey, public_url: str, status: StatusEntry | None = None
) -> dict[str, Any]:
    """The signed OB3 credential for one certificate version."""
    method = verification_method_id(did_web(public_url), key_id(private_key))
    return sign_credential(unsigned_credential(record, public_url, status), private_key, record.issued_at, method)


@dataclass(frozen=True)
class ProofCheck:
    reason: str | None  # None when the proof is genuine
    form: str | None = None  # a key of PROOF_FORMS
    key_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


def _issuer_id(credential: dict[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, str):
        return issuer
    if isinstance(issuer, dict) and isinstance(issuer.get("id"), str):
        return issuer["id"]
    return None


def _key_for(method: str, credential: dict[str, Any], keys: KeyRing) -> tuple[str, Ed25519PublicKey] | str:
    """The issuer key a verification method names, or the reason none of ours matches."""
    if method.startswith("did:key:"):
        did, _, fragment = method.partition("#")
        try:
            pub = public_key_from_multibase(did.removeprefix("did:key:"))
        except ValueError:
            return "the proof's did:key is not an Ed25519 key"
        if fragment != did.removeprefix("did:key:"):
            return "the proof's did:key verification method is malformed"
        for kid, key in keys.items():
            if raw_public_key(key) == raw_public_key(pub):
                return kid, key
        return "signed with a different key than the issuer's"
    did, sep, kid = method.partition("#")
    if not sep or not did.startswith("did:web:"):
        return f"unsupported verification method {method[:80]!r}"
    if _issuer_id(credential) != did:
        # Data Integrity: the method's controller must be the issuer, or anyone's key could vouch for us.
        return "the proof's verification method does not belong to the credential's issuer"
    found = keys.get(kid)
    if found is None:
        return f"signed with key {kid[:40]!r}, which is not one of the issuer's keys"
    return kid, found


def check_proof(credential: Any, keys: KeyRing) -> ProofCheck:
    """Verify the credential's ``eddsa-jcs-2022`` proof with the issuer's keys; says which proof form it was."""
    if not isinstance(credential, dict):
        return ProofCheck("not a JSON object")
    proofs = credential.get("proof")
    if isinstance(proofs, list):
        if len(proofs) != 1:
            return ProofCheck(f"the credential carries {len(proofs)} proofs; expected exactly one")
        proof = proofs[0]
        array_form = True
    else:
        proof, array_form = proofs, False
    if not isinstance(proof, dict):
        return ProofCheck("no proof on the credential")
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
        return ProofCheck(f"unsupported proof: expected DataIntegrityProof / {CRYPTOSUITE}")
    if proof.get("proofPurpose") != "assertionMethod":
        return ProofCheck("proofPurpose is not assertionMethod")
    method = proof.get("verificationMethod")
    if not isinstance(method, str):
        return ProofCheck("the proof names no verification method")
    found = _key_for(method, credential, keys)
    if isinstance(found, str):
        return ProofCheck(found)
    kid, public_key = found
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        return ProofCheck("proofValue is not base58btc multibase")
    try:
        signature = b58decode(value[1:])
    except ValueError:
        return ProofCheck("proofValue is not base58btc multibase")
    document = {k: v for k, v in credential.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    attempts: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    if "@context" in options:
        # Verify Proof: the document's @context must start with the proof's, in order.
        ctx, doc_ctx = options["@context"], document.get("@context")
        ctx_list = ctx if isinstance(ctx, list) else [ctx]
        doc_list = doc_ctx if isinstance(doc_ctx, list) else [doc_ctx]
        if doc_list[: len(ctx_list)] != ctx_list:
            return ProofCheck("the proof's @context does not match the credential's")
        attempts.append((PROOF_RECOMMENDATION, {**document, "@context": ctx}, options))
    else:
        attempts.append((PROOF_RECOMMENDATION, document, options))
        if "@context" in document and not array_form:
            attempts.append((PROOF_DRAFT, document, {**options, "@context": document["@context"]}))
    for form, doc, config in attempts:
        try:
            public_key.verify(signature, _hash_data(doc, config))
        except (InvalidSignature, ValueError):
            continue
        return ProofCheck(None, form, kid)
    return ProofCheck("the signature does not match the credential (changed after signing, or another key)")
