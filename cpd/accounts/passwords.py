"""Passwords are kept only as argon2id hashes (argon2-cffi's defaults)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 1024  # argon2 takes anything, but a megabyte "password" is only a way to burn CPU

_hasher = PasswordHasher()
# Checked against when no account matches, so an unknown e-mail costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash("no account has this password; it only keeps timing even")


class WeakPassword(ValueError):
    pass


def hash_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise WeakPassword(f"use at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"use at most {MAX_LENGTH} characters")
    if not password.strip():
        raise WeakPassword("a password of spaces only is not accepted")
    return _hasher.hash(password)


def check_password(password_hash: str | None, password: str) -> bool:
    """False for a wrong password, and for a missing or malformed hash (the account then stays shut)."""
    if not password_hash or not password or len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def burn_time(password: str) -> None:
    """Spend what a real check costs, for a sign-in with no matching account."""
    check_password(_DUMMY_HASH, password[:MAX_LENGTH] or "x")


def looks_like_argon2(password_hash: str) -> bool:
    from argon2 import extract_parameters

    try:
        extract_parameters(password_hash)
    except (InvalidHashError, ValueError):
        return False
    return password_hash.startswith("$argon2")
