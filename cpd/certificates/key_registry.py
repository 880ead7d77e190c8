"""The table of public signing keys: register, list (current and retired), rotate.

A key is rotated when it may have leaked or simply grows old. Certificates
signed with the old key must keep verifying, so its public half stays in
``signing_keys`` with a ``retired_at`` date and stays listed in the DID
document; only new certificates use the new key. Functions take the caller's
``Session`` and only flush; the caller commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from cpd.certificates.keys import key_id, load_public_key_pem, public_key_pem, write_private_key
from cpd.storage.tables import SigningKey

log = logging.getLogger(__name__)


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)


def register_key(session: Session, key: Ed25519PrivateKey | Ed25519PublicKey, now: datetime | None = None) -> SigningKey:
    """Record a public key the first time it signs (idempotent); a retired key is logged, not revived."""
    kid = key_id(key)
    row = session.get(SigningKey, kid)
    if row is None:
        row = SigningKey(id=kid, public_key_pem=public_key_pem(key), created_at=_now(now), retired_at=None)
        session.add(row)
        session.flush()
    elif row.retired_at is not None:
        log.warning("certificates are being signed with key %s, retired on %s: point CPD_SIGNING_KEY_FILE "
                    "(or CPD_SIGNING_KEY_PEM) at the current key", kid, row.retired_at)
    return row


def published_keys(session: Session, *extra: Ed25519PrivateKey | Ed25519PublicKey) -> dict[str, Ed25519PublicKey]:
    """Every key that ever signed (oldest first), plus ``extra`` (the configured key, even before it signed)."""
    rows = session.scalars(select(SigningKey).order_by(SigningKey.created_at, SigningKey.id)).all()
    keys = {row.id: load_public_key_pem(row.public_key_pem) for row in rows}
    for k in extra:
        keys.setdefault(key_id(k), k.public_key() if isinstance(k, Ed25519PrivateKey) else k)
    return keys


def key_rows(session: Session) -> list[SigningKey]:
    return list(session.scalars(select(SigningKey).order_by(SigningKey.created_at, SigningKey.id)))


@dataclass(frozen=True)
class Rotation:
    new_key_id: str
    retired: list[str]
    key_file: Path
    old_file_moved_to: Path | None


def rotate(
    session: Session,
    key_file: Path,
    *,
    current: Ed25519PrivateKey | None,
    replace_file: bool,
    now: datetime | None = None,
) -> Rotation:
    """Make a new key, write it to ``key_file``, register it and retire every other key.

    ``replace_file``: ``key_file`` is the configured key file; the old file is
    kept beside it as ``<name>.retired-<key id>`` (mode 0600) rather than
    deleted, so nothing is lost if the rotation was a mistake. Otherwise
    ``key_file`` must not exist (the operator puts the new PEM in the secret).
    """
    when = _now(now)
    if current is not None:
        register_key(session, current, when)
    new = Ed25519PrivateKey.generate()
    moved: Path | None = None
    if replace_file and key_file.exists():
        old_kid = key_id(current) if current is not None else "unknown"
        moved = key_file.with_name(f"{key_file.name}.retired-{old_kid}")
        staged = key_file.with_name(f".{key_file.name}.new")
        write_private_key(new, staged)
        key_file.rename(moved)
        staged.rename(key_file)
    else:
        write_private_key(new, key_file)
    new_kid = key_id(new)
    retired = []
    for row in key_rows(session):
        if row.retired_at is None and row.id != new_kid:
            row.retired_at = when
            retired.append(row.id)
    session.add(SigningKey(id=new_kid, public_key_pem=public_key_pem(new), created_at=when, retired_at=None))
    session.flush()
    return Rotation(new_kid, retired, key_file, moved)
