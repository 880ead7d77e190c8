"""Ed25519 signatures over canonical JSON, written as unpadded base64url."""

from __future__ import annotations

import base64
import binascii

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict decode: anything but the base64url alphabet is an error, not ignored."""
    if not isinstance(text, str) or any(c not in _ALPHABET for c in text):
        raise ValueError("not base64url text")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:
        raise ValueError(f"not base64url text: {exc}") from exc


_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def sign(private_key: Ed25519PrivateKey, message: bytes) -> str:
    """Sign ``message`` (canonical JSON bytes); returns base64url without padding."""
    return b64url_encode(private_key.sign(message))


def verify(public_key: Ed25519PublicKey, message: bytes, signature: str) -> bool:
    """True only for a well-formed signature by ``public_key`` over exactly ``message``."""
    try:
        raw = b64url_decode(signature)
    except ValueError:
        return False
    if len(raw) != 64:
        return False
    try:
        public_key.verify(raw, message)
    except InvalidSignature:
        return False
    return True
