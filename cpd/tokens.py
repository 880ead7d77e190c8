"""One token service for every link and code the product hands out.

A token is 256 random bits (``secrets.token_urlsafe(32)``) shown once to its
holder; the database keeps only its SHA-256, so a leaked backup opens nothing.
Each token has a purpose (a session token is no password-reset link), a
subject (what it opens), an optional organisation, an expiry, and a use limit:
single-use links are redeemed by one conditional UPDATE, so two replicas
redeeming the same link at once succeed exactly once.

Timing: a token is found by an indexed equality lookup on the SHA-256 of the
presented string. The attacker chooses the string, not its hash, so how far a
B-tree comparison gets tells them nothing about any stored token; the one
comparison left in Python uses ``hmac.compare_digest``.

Short human codes (workshop join codes, ``Purpose.JOIN_CODE``) are the one
exception to "256 random bits": only a purpose whose policy says
``short_codes`` may be issued with a caller-supplied alphabet and length
(``issue(..., alphabet=, length=)``); every other purpose refuses them and keeps
its long tokens. The caller normalises what a person types (case, spaces,
dashes) before ``check``. Such a code has far fewer bits (22^6 is about 2^27),
so its hash can be reversed by trying every code: hashing keeps the lookup
uniform with every other token, but the protection is that the caller slows
wrong guesses per client and revokes the code when it should stop working.
Short codes are unique: a collision with any code ever issued (the unique index
on the hash) is retried with a fresh code inside a savepoint, so a code is never
handed out twice and a revoked code keeps meaning "this has ended".

Calls take a ``Session`` and never commit: the token is written in the same
transaction as the change it belongs to (use ``cpd.storage.db.transaction``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cpd.storage.tables import Token
from cpd.timeutil import as_utc


class Purpose(StrEnum):
    RESUME = "resume"  # a learner's link back into an attempt
    ASSIGNMENT = "assignment"  # a personal link a manager sends to a learner
    SESSION = "session"  # a signed-in browser (the sign-in cookie)
    SIGN_IN_LINK = "sign_in_link"  # a one-time link that signs in (or proves an e-mail address)
    INVITE = "invite"  # a one-time link that creates an account
    PASSWORD_RESET = "password_reset"
    DEVICE = "device"  # a long-lived token for a kiosk or integration
    LEARNER_VIEW = "learner_view"  # a learner's list of attempts and certificates, after a proven sign-in link
    JOIN_CODE = "join_code"  # a workshop's short join code (subject: the workshop), live while it is open


@dataclass(frozen=True)
class Policy:
    """Defaults per purpose; ``issue`` may shorten or lengthen the lifetime."""

    ttl: timedelta
    max_uses: int | None  # 1 = single use; None = until expiry or revocation
    idle: timedelta | None = None  # refused when unused for this long (sessions)
    short_codes: bool = False  # the issuer supplies a short alphabet and length (join codes)


POLICIES: dict[Purpose, Policy] = {
    Purpose.RESUME: Policy(timedelta(days=90), None),
    Purpose.ASSIGNMENT: Policy(timedelta(days=60), None),
    Purpose.SESSION: Policy(timedelta(hours=12), None, idle=timedelta(hours=1)),
    Purpose.SIGN_IN_LINK: Policy(timedelta(minutes=30), 1),
    Purpose.INVITE: Policy(timedelta(days=7), 1),
    Purpose.PASSWORD_RESET: Policy(timedelta(hours=1), 1),
    Purpose.DEVICE: Policy(timedelta(days=365), None),
    Purpose.LEARNER_VIEW: Policy(timedelta(hours=4), None, idle=timedelta(hours=1)),
    # live until the workshop finishes (revoked then); the year only bounds a room nobody finished
    Purpose.JOIN_CODE: Policy(timedelta(days=365), None, short_codes=True),
}

MIN_LENGTH, MAX_LENGTH = 20, 200  # anything outside is refused before hashing
SHORT_MIN_LENGTH, SHORT_MIN_ALPHABET = 6, 16  # the least a short code may be: 16^6 is 2^24 codes
SHORT_TRIES = 20  # fresh codes tried when a short code is taken already


class TokenError(ValueError):
    """A token cannot be issued as asked (unknown purpose, bad lifetime)."""


@dataclass(frozen=True)
class IssuedToken:
    """The secret (give it to the holder once; it is not stored) and the row id (store and revoke by it)."""

    token: str
    id: str
    purpose: Purpose
    expires_at: datetime


@dataclass(frozen=True)
class TokenRecord:
    """What a valid token opens; never carries the secret or its hash."""

    id: str
    purpose: Purpose
    subject_id: str
    organisation_id: str | None
    data: dict[str, Any]
    created_at: datetime
    expires_at: datetime
    uses: int
    max_uses: int | None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue(
    session: Session,
    purpose: Purpose | str,
    subject_id: str,
    *,
    organisation_id: str | None = None,
    ttl: timedelta | None = None,
    max_uses: int | None | Literal["policy"] = "policy",
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
    alphabet: str | None = None,
    length: int | None = None,
) -> IssuedToken:
    """Mint a token for ``subject_id``; the caller's transaction stores its hash.

    ``data`` holds ids and flags the redeemer needs (a role to grant, a page to
    open); it is stored in clear, so never a secret. ``alphabet`` and ``length``
    make a short code instead of a 256-bit token, for purposes whose policy
    allows it only (join codes); a short code taken already is replaced by another.
    """
    p = _purpose(purpose)
    if p not in POLICIES:
        raise TokenError(f"tokens for {p.value!r} are not issued yet")
    policy = POLICIES[p]
    short = alphabet is not None or length is not None
    if short:
        if not policy.short_codes:
            raise TokenError(f"tokens for {p.value!r} are long random tokens; no alphabet or length")
        if alphabet is None or length is None:
            raise TokenError("a short code needs both an alphabet and a length")
        _check_short(alphabet, length)
    elif policy.short_codes:
        raise TokenError(f"tokens for {p.value!r} are short codes: give an alphabet and a length")
    life = policy.ttl if ttl is None else ttl
    if life <= timedelta(0):
        raise TokenError("a token must live for some time")
    uses_limit = policy.max_uses if max_uses == "policy" else max_uses
    if uses_limit is not None and (not isinstance(uses_limit, int) or uses_limit < 1):
        raise TokenError("max_uses must be a positive whole number or None")
    if not subject_id:
        raise TokenError("a token needs a subject")
    now = _now(now)

    def row_for(token: str) -> Token:
        return Token(
            id=str(uuid.uuid4()),
            token_hash=hash_token(token),
            purpose=p.value,
            subject_id=subject_id,
            organisation_id=organisation_id,
            data_json=json.dumps(data or {}, sort_keys=True, separators=(",", ":")),
            created_at=now,
            expires_at=now + life,
            max_uses=uses_limit,
            uses=0,
        )

    if not short:
        token = secrets.token_urlsafe(32)
        row = row_for(token)
        session.add(row)
        session.flush()
        return IssuedToken(token=token, id=row.id, purpose=p, expires_at=row.expires_at)
    assert alphabet is not None and length is not None
    for _ in range(SHORT_TRIES):
        token = short_code(alphabet, length)
        row = row_for(token)
        try:
            with session.begin_nested():  # a taken code rolls back only this insert, not the caller's work
                session.add(row)
                session.flush()
        except IntegrityError:
            continue
        return IssuedToken(token=token, id=row.id, purpose=p, expires_at=row.expires_at)
    raise TokenError("no free short code found; the code space is nearly full or the alphabet too small")


def short_code(alphabet: str, length: int) -> str:
    """A fresh random code from ``alphabet`` (``secrets``, so unpredictable); a seam for collision tests."""
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _check_short(alphabet: str, length: int) -> None:
    if not isinstance(length, int) or not (SHORT_MIN_LENGTH <= length <= MAX_LENGTH):
        raise TokenError(f"a short code has {SHORT_MIN_LENGTH} to {MAX_LENGTH} characters")
    if (not isinstance(alphabet, str) or len(set(alphabet)) != len(alphabet) or len(alphabet) < SHORT_MIN_ALPHABET
            or not alphabet.isascii() or not all(ch.isprintable() and not ch.isspace() for ch in alphabet)):
        raise TokenError(f"a short code's alphabet is at least {SHORT_MIN_ALPHABET} distinct printable ASCII characters")


class Status(StrEnum):
    """Why a presented token does or does not open anything (``check``)."""

    VALID = "valid"
    EXPIRED = "expired"  # past its expiry, or idle too long: "ask for a new link" is the honest answer
    USED = "used"  # a single-use link already redeemed
    REVOKED = "revoked"  # replaced or withdrawn
    UNKNOWN = "unknown"  # forged, mistyped, cut short, or of another purpose


@dataclass(frozen=True)
class Checked:
    """A lookup that says why a token is refused, so a learner can be told "expired" rather than "not valid"."""

    status: Status
    record: TokenRecord | None = None  # set only when ``status`` is VALID

    @property
    def ok(self) -> bool:
        return self.status is Status.VALID


def check(session: Session, purpose: Purpose | str, token: object, *, now: datetime | None = None) -> Checked:
    """The token's status and, if valid, its record, without using it up.

    The same single indexed lookup as ``lookup`` (by the SHA-256 of the presented
    string), so telling expired from unknown costs no extra query and leaks
    nothing about other tokens: only the holder of a real token learns that it
    expired. Junk of the wrong shape is UNKNOWN without touching the database.
    """
    p, digest = _prepare(purpose, token)
    if digest is None:
        return Checked(Status.UNKNOWN)
    now = _now(now)
    row = session.scalar(  # populate_existing: a revoke or redeem earlier in this session is seen
        select(Token).where(Token.token_hash == digest, Token.purpose == p.value).execution_options(populate_existing=True)
    )
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return Checked(Status.UNKNOWN)
    status = _status(row, p, now)
    return Checked(status, _record(row) if status is Status.VALID else None)


def lookup(session: Session, purpose: Purpose | str, token: object, *, now: datetime | None = None) -> TokenRecord | None:
    """The token's record if it is valid for ``purpose`` now, without using it up.

    For tokens used many times (sessions, resume and assignment links) and for
    showing a confirmation page before a single-use link is redeemed. None for
    anything forged, expired, idle too long, used up, revoked or of another purpose.
    """
    return check(session, purpose, token, now=now).record


def redeem(session: Session, purpose: Purpose | str, token: object, *, now: datetime | None = None) -> TokenRecord | None:
    """Use the token once: counts the use and returns its record, or None if it is not valid now.

    One conditional UPDATE both checks and counts, so a single-use link opened
    twice at the same moment (two tabs, two replicas) succeeds exactly once:
    PostgreSQL re-checks the WHERE clause after the row lock; SQLite writes one
    transaction at a time. Sessions are kept alive by redeeming (it moves the
    idle clock).
    """
    p, digest = _prepare(purpose, token)
    if digest is None:
        return None
    now = _now(now)
    policy = POLICIES.get(p)
    conditions = [
        Token.token_hash == digest,
        Token.purpose == p.value,
        Token.revoked_at.is_(None),
        Token.expires_at > now,
        or_(Token.max_uses.is_(None), Token.uses < Token.max_uses),
    ]
    if policy is not None and policy.idle is not None:
        cutoff = now - policy.idle
        conditions.append(or_(Token.last_used_at > cutoff, Token.last_used_at.is_(None) & (Token.created_at > cutoff)))
    result = session.execute(
        update(Token).where(*conditions).values(uses=Token.uses + 1, last_used_at=now).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    row = session.scalar(select(Token).where(Token.token_hash == digest).execution_options(populate_existing=True))
    if row is None or not hmac.compare_digest(row.token_hash, digest):  # pragma: no cover - updated a moment ago
        return None
    return _record(row)


def revoke(session: Session, purpose: Purpose | str, token: object, *, now: datetime | None = None) -> bool:
    """Revoke the token its holder presents (sign-out); True if it was live."""
    p, digest = _prepare(purpose, token)
    if digest is None:
        return False
    return _revoke_where(session, _now(now), Token.token_hash == digest, Token.purpose == p.value) == 1


def revoke_id(session: Session, token_id: str, *, now: datetime | None = None) -> bool:
    """Revoke one token by its row id (from ``IssuedToken.id``); True if it was live."""
    return _revoke_where(session, _now(now), Token.id == token_id) == 1


def revoke_all(
    session: Session,
    subject_id: str,
    purpose: Purpose | str | None = None,
    *,
    organisation_id: str | None = None,
    now: datetime | None = None,
) -> int:
    """Revoke every live token of a subject (of one purpose, or all), e.g. all sessions after a password change.

    Returns how many were revoked. ``organisation_id`` narrows it to one organisation's tokens.
    """
    conditions: list[Any] = [Token.subject_id == subject_id]
    if purpose is not None:
        conditions.append(Token.purpose == _purpose(purpose).value)
    if organisation_id is not None:
        conditions.append(Token.organisation_id == organisation_id)
    return _revoke_where(session, _now(now), *conditions)


def _revoke_where(session: Session, now: datetime, *conditions: Any) -> int:
    result = session.execute(
        update(Token).where(*conditions, Token.revoked_at.is_(None)).values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _purpose(purpose: Purpose | str) -> Purpose:
    try:
        return Purpose(purpose)
    except ValueError:
        raise TokenError(f"unknown token purpose {purpose!r}") from None


def _prepare(purpose: Purpose | str, token: object) -> tuple[Purpose, str | None]:
    """The purpose, and the hash of a plausibly shaped token (None for junk, which is never looked up)."""
    p = _purpose(purpose)
    policy = POLICIES.get(p)
    least = SHORT_MIN_LENGTH if policy is not None and policy.short_codes else MIN_LENGTH
    if not isinstance(token, str) or not (least <= len(token) <= MAX_LENGTH) or not token.isascii():
        return p, None
    return p, hash_token(token)


def _status(row: Token, purpose: Purpose, now: datetime) -> Status:
    if row.revoked_at is not None:
        return Status.REVOKED
    if row.max_uses is not None and row.uses >= row.max_uses:
        return Status.USED
    if as_utc(row.expires_at) <= now:
        return Status.EXPIRED
    policy = POLICIES.get(purpose)
    if policy is not None and policy.idle is not None:
        last = as_utc(row.last_used_at or row.created_at)
        if last <= now - policy.idle:
            return Status.EXPIRED
    return Status.VALID


def _record(row: Token) -> TokenRecord:
    return TokenRecord(
        id=row.id,
        purpose=Purpose(row.purpose),
        subject_id=row.subject_id,
        organisation_id=row.organisation_id,
        data=json.loads(row.data_json or "{}"),
        created_at=as_utc(row.created_at),
        expires_at=as_utc(row.expires_at),
        uses=row.uses,
        max_uses=row.max_uses,
    )


def _now(now: datetime | None) -> datetime:
    return datetime.now(UTC) if now is None else as_utc(now)
