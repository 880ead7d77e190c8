"""The signed record as one portable JSON file: ``{"record", "signature", "key_id"}``.

The same bytes are attached to the PDF as ``certificate.json`` and offered as a
download, so a certificate can be checked offline with only the public key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cpd.certificates.keys import key_id as compute_key_id
from cpd.certificates.record import AnyRecord, canonical_json, record_to_data
from cpd.certificates.signing import sign

BUNDLE_FILENAME = "certificate.json"
SIGNATURE_ALGORITHM = "Ed25519"


@dataclass(frozen=True)
class SignedRecord:
    record: AnyRecord
    signature: str  # base64url Ed25519 signature over canonical_json(record)
    key_id: str

    def canonical(self) -> bytes:
        return canonical_json(self.record)


def sign_record(record: AnyRecord, private_key: Ed25519PrivateKey) -> SignedRecord:
    return SignedRecord(record, sign(private_key, canonical_json(record)), compute_key_id(private_key))


def bundle_bytes(signed: SignedRecord) -> bytes:
    """Human-readable JSON; verifiers re-canonicalise ``record``, so layout is free."""
    data = {
        "record": record_to_data(signed.record),
        "signature": signed.signature,
        "key_id": signed.key_id,
        "algorithm": SIGNATURE_ALGORITHM,
        "signed_form": "canonical JSON of 'record': keys sorted, no whitespace, UTF-8, integral numbers without '.0'",
    }
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")
