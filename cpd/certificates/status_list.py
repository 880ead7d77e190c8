"""Machine-readable revocation: a W3C Bitstring Status List credential.

Each badge carries a ``BitstringStatusListEntry`` naming one bit of a list the
app serves at a stable URL; the bit is 1 once the certificate is revoked. A
wallet fetches the list (one signed credential covering 131,072 certificates,
the Recommendation's minimum for herd privacy, so fetching it does not tell us
which certificate is being checked) and reads the bit.

Indexes are drawn at random (not in issue order, which would leak how many
certificates exist and when each was issued) and made unique by the primary key
of ``status_list_entries``: two replicas drawing the same index both try to
insert it and the second retries. The list credential is built on request from
the database, signed with the current key, and served with a short cache time.
"""

from __future__ import annotations

import base64
import gzip
import secrets
from datetime import UTC, datetime
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cpd.certificates.did import did_web, verification_method_id
from cpd.certificates.keys import key_id
from cpd.certificates.openbadge import KeyRing, StatusEntry, check_proof, sign_credential
from cpd.storage.tables import Certificate, StatusListEntry

LIST_SIZE: Final = 131_072  # bits per list: the Bitstring Status List minimum
CACHE_SECONDS: Final = 300
TTL_MS: Final = CACHE_SECONDS * 1000


class StatusListFull(RuntimeError):
    pass


def status_list_url(public_url: str, list_id: int) -> str:
    return f"{public_url.rstrip('/')}/credentials/status/{list_id}"


def allocate_index(session: Session, public_url: str, now: datetime | None = None, *, tries: int = 64) -> StatusEntry:
    """A fresh, unique (list, index) for one certificate; flushes inside a savepoint per try."""
    when = (now or datetime.now(UTC)).astimezone(UTC)
    used = session.scalar(select(func.count()).select_from(StatusListEntry)) or 0
    list_id = used // LIST_SIZE + 1  # a new list only once the earlier ones are full
    for _ in range(tries):
        idx = secrets.randbelow(LIST_SIZE)
        try:
            with session.begin_nested():
                session.add(StatusListEntry(list_id=list_id, idx=idx, certificate_id=None, allocated_at=when))
        except IntegrityError:
            continue
        return StatusEntry(status_list_url(public_url, list_id), idx, list_id)
    raise StatusListFull(f"no free index found in status list {list_id} after {tries} tries")


def encode_bits(set_bits: set[int], size: int = LIST_SIZE) -> str:
    """Multibase base64url (no padding, prefix ``u``) of the GZIP-compressed bitstring; bit 0 is the first byte's highest bit."""
    raw = bytearray(size // 8)
    for i in set_bits:
        raw[i // 8] |= 0x80 >> (i % 8)
    packed = gzip.compress(bytes(raw), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")


def bit_is_set(encoded: str, index: int) -> bool:
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise ValueError("encodedList is not multibase base64url")
    body = encoded[1:]
    raw = gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    if not 0 <= index < len(raw) * 8:
        raise ValueError(f"status index {index} is outside the list of {len(raw) * 8} entries")
    return bool(raw[index // 8] & (0x80 >> (index % 8)))


def revoked_indexes(session: Session, list_id: int) -> set[int]:
    rows = session.scalars(
        select(Certificate.status_list_index).where(
            Certificate.status_list_id == list_id, Certificate.revoked_at.is_not(None)
        )
    )
    return {i for i in rows if i is not None}


def list_exists(session: Session, list_id: int) -> bool:
    """List 1 always exists (it is where the first certificate goes); later ones once an index is drawn in them."""
    if list_id == 1:
        return True
    found = session.scalar(select(func.count()).select_from(StatusListEntry).where(StatusListEntry.list_id == list_id))
    return bool(found)


def status_list_credential(
    session: Session, public_url: str, private_key: Ed25519PrivateKey, list_id: int, now: datetime | None = None
) -> dict[str, Any]:
    """The signed ``BitstringStatusListCredential`` for list ``list_id``, as of now."""
    when = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    url = status_list_url(public_url, list_id)
    did = did_web(public_url)
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did,
        "validFrom": when.isoformat().replace("+00:00", "Z"),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_bits(revoked_indexes(session, list_id)),
            "ttl": TTL_MS,
        },
    }
    return sign_credential(credential, private_key, when, verification_method_id(did, key_id(private_key)))


def badge_revoked(badge: dict[str, Any], list_credential: Any, keys: KeyRing) -> bool:
    """Read a badge's revocation bit from its (already fetched) status list credential, checking everything."""
    entry = badge.get("credentialStatus")
    if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
        raise ValueError("the badge has no BitstringStatusListEntry")
    if entry.get("statusPurpose") != "revocation":
        raise ValueError("the badge's status entry is not for revocation")
    check = check_proof(list_credential, keys)
    if not check.ok:
        raise ValueError(f"the status list credential is not genuine: {check.reason}")
    if list_credential.get("id") != entry.get("statusListCredential"):
        raise ValueError("the status list fetched is not the one the badge names")
    issuer = badge.get("issuer", {})
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if list_credential.get("issuer") != issuer_id:
        raise ValueError("the status list was issued by someone else than the badge")
    subject = list_credential.get("credentialSubject", {})
    if subject.get("statusPurpose") != "revocation":
        raise ValueError("the status list is not a revocation list")
    return bit_is_set(subject.get("encodedList"), int(entry.get("statusListIndex", "-1")))
