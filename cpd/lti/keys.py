"""The LTI tool's own RSA key: separate from the certificate signing key, published as a JWKS.

The private key comes from ``CPD_LTI_KEY_PEM`` (secret) or ``CPD_LTI_KEY_FILE``
(default ``<data>/lti-key.pem``, created on first use with SQLite only, like
the signing key). Every public key the tool has used is kept in
``lti_tool_keys``; retired keys stay in the JWKS, so a platform holding a
token signed just before a rotation can still check it.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey, generate_private_key
from sqlalchemy import select
from sqlalchemy.orm import Session

from cpd.settings import Settings
from cpd.storage.tables import LtiToolKey

log = logging.getLogger("cpd.lti")


class ToolKeyError(Exception):
    """The tool key is missing or unreadable; the message names the setting."""


def _b64(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def public_pem(key: RSAPublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def key_id(key: RSAPublicKey) -> str:
    """The JWK ``kid``: 16 hex characters of SHA-256 over the DER public key."""
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()[:16]


def jwk(key: RSAPublicKey) -> dict[str, str]:
    numbers = key.public_numbers()
    return {"kty": "RSA", "alg": "RS256", "use": "sig", "kid": key_id(key), "n": _b64(numbers.n), "e": _b64(numbers.e)}


def _load(pem: bytes) -> RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise ToolKeyError(f"the LTI tool key is not a readable PEM private key: {exc}") from None
    if not isinstance(key, RSAPrivateKey):
        raise ToolKeyError("the LTI tool key must be an RSA key (LTI 1.3 signs with RS256)")
    return key


def _create(path: Path) -> RSAPrivateKey:
    path.parent.mkdir(parents=True, exist_ok=True)
    key = generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        try:
            os.link(tmp, path)
        except FileExistsError:  # another process made it first: use theirs
            return _load(path.read_bytes())
    finally:
        os.unlink(tmp)
    log.warning("No LTI tool key found: created a new RSA key at %s (mode 0600). Back it up; platforms trust "
                "its public half through /lti/jwks.json.", path.resolve())
    return key


def tool_key(settings: Settings) -> RSAPrivateKey:
    """``CPD_LTI_KEY_PEM`` wins over the key file; with a shared database no process creates a key by itself."""
    if settings.lti_key_pem is not None:
        return _load(settings.lti_key_pem.get_secret_value().encode("ascii"))
    path = settings.effective_lti_key_file
    if path.exists():
        return _load(path.read_bytes())
    url = settings.database_url or ""
    if url and not url.startswith("sqlite"):
        raise ToolKeyError("no LTI tool key: set CPD_LTI_KEY_FILE or the secret CPD_LTI_KEY_PEM (an RSA private key, "
                           "PEM); with a shared database each replica would otherwise make its own")
    return _create(path)


def registered(session: Session, key: RSAPrivateKey) -> bool:
    """Is this key on record as the current one (nothing to write)?"""
    row = session.get(LtiToolKey, key_id(key.public_key()))
    return row is not None and row.retired_at is None


def register(session: Session, key: RSAPrivateKey, *, now: datetime | None = None) -> str:
    """Record the key's public half (once) and retire every other key; returns its kid."""
    public = key.public_key()
    kid = key_id(public)
    now = now or datetime.now(UTC)
    if session.get(LtiToolKey, kid) is None:
        session.add(LtiToolKey(id=kid, public_key_pem=public_pem(public), created_at=now))
    for other in session.scalars(select(LtiToolKey).where(LtiToolKey.id != kid, LtiToolKey.retired_at.is_(None))):
        other.retired_at = now
    session.flush()
    return kid


def jwks(session: Session, current: RSAPrivateKey | None = None) -> dict[str, Any]:
    """The tool's JWKS: the current key first, then every key in the table (retired ones too)."""
    keys: list[dict[str, str]] = []
    seen: set[str] = set()
    if current is not None:
        keys.append(jwk(current.public_key()))
        seen.add(keys[0]["kid"])
    for row in session.scalars(select(LtiToolKey).order_by(LtiToolKey.created_at.desc())):
        if row.id in seen:
            continue
        public = serialization.load_pem_public_key(row.public_key_pem.encode("ascii"))
        if isinstance(public, RSAPublicKey):
            keys.append(jwk(public))
    return {"keys": keys}
