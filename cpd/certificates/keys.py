"""The issuer's Ed25519 key: where it comes from and how it is named.

One key signs every certificate and badge; its public half is published on the
verification page so anyone can check a certificate without asking us.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

log = logging.getLogger(__name__)


class SigningKeyError(ValueError):
    """A key file or PEM string that is not an Ed25519 key."""


def load_private_key_pem(pem: str | bytes) -> Ed25519PrivateKey:
    """Parse a PEM private key, e.g. from Streamlit secrets (no file on disk)."""
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"not a readable unencrypted PEM private key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"the signing key must be Ed25519, got {type(key).__name__}")
    return key


def load_public_key_pem(pem: str | bytes) -> Ed25519PublicKey:
    """Parse a PEM public key; a private key PEM is accepted and its public half used."""
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    if b"PRIVATE KEY" in data:
        return load_private_key_pem(data).public_key()
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"not a readable PEM public key: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(f"the public key must be Ed25519, got {type(key).__name__}")
    return key


def load_or_create_private_key(path: Path) -> Ed25519PrivateKey:
    """Load the key at ``path``; on first run create it (mode 0600) and say so loudly.

    Creating silently would hide that certificates are being signed with a key
    nobody chose or backed up; losing it makes every issued certificate
    unverifiable, hence the WARNING with the path.

    Two processes starting together must end up with one key: the new key is
    written completely to a temporary file in the same folder and then
    hard-linked into place. ``os.link`` fails if the target exists, so the
    loser of the race reads the winner's key, which is already complete (an
    ``O_EXCL`` create followed by a write would let it read an empty file).
    """
    path = Path(path)
    try:
        return load_private_key_pem(path.read_bytes())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return load_private_key_pem(path.read_bytes())  # another process won; its file is complete
    finally:
        os.unlink(tmp)
    log.warning(
        "No certificate signing key found: created a new Ed25519 key at %s (mode 0600). "
        "Back it up; set CPD_SIGNING_KEY_FILE to use another key.",
        path.resolve(),
    )
    return key


def signing_key(key_file: Path, pem: str | None = None) -> Ed25519PrivateKey:
    """The key to sign with: a PEM string (secrets) wins over the key file."""
    if pem:
        return load_private_key_pem(pem)
    return load_or_create_private_key(key_file)


def _shared_database(settings: Any) -> bool:
    url = getattr(settings, "database_url", None) or ""
    return not url.startswith("sqlite") and bool(url)


NO_KEY_ON_SHARED_DATABASE = (
    "no certificate signing key is configured: set CPD_SIGNING_KEY_FILE to the path of the deployment's "
    "Ed25519 key (PEM) or the secret CPD_SIGNING_KEY_PEM. With a shared database (CPD_DATABASE_URL) no process "
    "creates a key by itself, because each replica would sign with a different one; make the key once with "
    "`python -m cpd key rotate --out FILE` and give it to every replica"
)


def configured_signing_key(settings: Any) -> Ed25519PrivateKey:
    """The deployment's key: ``CPD_SIGNING_KEY_PEM`` (env or secrets) wins over the key file.

    With SQLite (one process, the embedded default) a missing key file is created
    on first use. With PostgreSQL (replicas) it never is: each replica would make
    its own key, so a missing key is a ``SigningKeyError`` naming the settings.
    """
    pem = settings.signing_key_pem.get_secret_value() if settings.signing_key_pem else None
    if not pem and _shared_database(settings) and not Path(settings.effective_signing_key_file).exists():
        raise SigningKeyError(NO_KEY_ON_SHARED_DATABASE)
    return signing_key(settings.effective_signing_key_file, pem)


def write_private_key(key: Ed25519PrivateKey, path: Path) -> None:
    """Write a new private key file (mode 0600); refuses to overwrite an existing file."""
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
        fh.flush()
        os.fsync(fh.fileno())


def configured_public_key(settings: Any) -> Ed25519PublicKey | None:
    """The deployment's public key for verifying, or None if no key is configured.

    Unlike ``configured_signing_key`` this never creates a key: checking a
    certificate against a key made up on the spot would only ever say "invalid".
    """
    if settings.signing_key_pem:
        return load_private_key_pem(settings.signing_key_pem.get_secret_value()).public_key()
    try:
        data = Path(settings.effective_signing_key_file).read_bytes()
    except FileNotFoundError:
        return None
    return load_private_key_pem(data).public_key()


def _public(key: Ed25519PrivateKey | Ed25519PublicKey) -> Ed25519PublicKey:
    return key.public_key() if isinstance(key, Ed25519PrivateKey) else key


def raw_public_key(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    return _public(key).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The PEM (SubjectPublicKeyInfo) to publish for offline verification."""
    return (
        _public(key)
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def key_id(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """First 16 hex characters of SHA-256 of the raw public key: names the key on records."""
    return hashlib.sha256(raw_public_key(key)).hexdigest()[:16]
