"""Staff sign-in: argon2 passwords, a throttle kept in the database, and sessions that are tokens.

The throttle counts wrong passwords in the database, so it holds across
replicas and restarts, and counts them three ways:

- per account *and* client: a few guesses, then that client waits for that account;
- per client: one address guessing many accounts is stopped too;
- per account from every client: a high ceiling against a spread-out attack.

The first two are what one attacker meets; they never stop the real person
signing in from their own device, so guessing the admin's password from one
place cannot lock the admin out. Refused attempts are not counted again (an
attacker cannot push the window forward by hammering), and a throttled client is
refused before the password is checked, even when it is right.

A session is a ``cpd.tokens`` token of purpose ``session``: idle and absolute
expiry come from the token service's policy; signing out revokes it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from cpd import audit, tokens
from cpd.accounts.directory import Principal, is_slug, normalise_email, principal
from cpd.accounts.passwords import burn_time, check_password
from cpd.storage.db import transaction
from cpd.storage.tables import Account, Organisation, SignInFailure
from cpd.text import InvalidText


@dataclass(frozen=True)
class Limits:
    window: timedelta = timedelta(minutes=15)
    per_account_and_client: int = 5
    per_client: int = 20
    per_account: int = 100


LIMITS = Limits()


@dataclass(frozen=True)
class SignInResult:
    """Either a session token (set it as the cookie) and who signed in, or the message to show."""

    session_token: str | None
    principal: Principal | None
    message: str | None

    @property
    def ok(self) -> bool:
        return self.session_token is not None


WRONG = "Wrong e-mail or password."


def _key(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def client_key(client: str) -> str:
    """What the throttle stores for a client address: its SHA-256, never the address."""
    return _key("client:" + (client or "unknown"))


def account_key(email: str) -> str:
    return _key("account:" + email.strip().lower())


def _wait(session: Session, akey: str, ckey: str, now: datetime, limits: Limits) -> timedelta:
    """How long this client must wait before trying this account again (zero when it may try)."""
    since = now - limits.window
    recent = select(SignInFailure.failed_at).where(SignInFailure.failed_at > since)
    checks = [
        (recent.where(SignInFailure.account_key == akey, SignInFailure.client_key == ckey), limits.per_account_and_client),
        (recent.where(SignInFailure.client_key == ckey), limits.per_client),
        (recent.where(SignInFailure.account_key == akey), limits.per_account),
    ]
    wait = timedelta(0)
    for query, limit in checks:
        times = sorted(_utc(t) for t in session.scalars(query.order_by(SignInFailure.failed_at.desc()).limit(limit)))
        if len(times) >= limit:  # open again when the oldest of the last `limit` failures leaves the window
            wait = max(wait, times[0] + limits.window - now)
    return wait


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _minutes(wait: timedelta) -> str:
    m = max(1, int(wait.total_seconds() // 60) + (1 if wait.total_seconds() % 60 else 0))
    return f"{m} minute{'s' if m != 1 else ''}"


def authenticate(factory: sessionmaker[Session], email: str, password: str, *, client: str,
                 org_slug: str | None = None, now: datetime | None = None, limits: Limits = LIMITS) -> SignInResult:
    """Check the password and open a session, or say why not (never which of e-mail or password was wrong)."""
    now = now or datetime.now(UTC)
    try:
        address = normalise_email(email)
    except InvalidText:
        return SignInResult(None, None, WRONG)
    akey, ckey = account_key(address), client_key(client)
    with factory() as session:
        wait = _wait(session, akey, ckey, now, limits)
        query = select(Account).where(Account.email == address, Account.disabled_at.is_(None),
                                      Account.password_hash.is_not(None))
        if org_slug and org_slug.strip():
            query = query.join(Organisation, Organisation.id == Account.organisation_id).where(
                Organisation.slug == org_slug.strip().lower())
        # A short name no organisation could have matches nobody (and is never sent to the database).
        candidates = list(session.scalars(query)) if not org_slug or is_slug(org_slug) or not org_slug.strip() else []
    if wait > timedelta(0):
        return SignInResult(None, None, f"Too many wrong passwords from here. Try again in {_minutes(wait)}, "
                                        "or reset your password.")
    if not candidates:
        burn_time(password)
    matches = [a for a in candidates if check_password(a.password_hash, password)]
    with transaction(factory) as session:
        if not matches:
            session.add(SignInFailure(account_key=akey, client_key=ckey, failed_at=now))
            session.execute(delete(SignInFailure).where(SignInFailure.failed_at < now - limits.window))
            targets: list[Account | None] = list(candidates) or [None]
            for account in targets:
                audit.append(session, "sign_in.failure", organisation_id=account.organisation_id if account else None,
                             targets={"account": account.id if account else None},
                             details={"client": ckey[:16], "known_account": account is not None}, now=now)
            return SignInResult(None, None, WRONG)
        if len(matches) > 1:
            return SignInResult(None, None, "This e-mail and password open accounts in several organisations: "
                                            "enter the organisation's short name too.")
        account = matches[0]
        issued = tokens.issue(session, tokens.Purpose.SESSION, account.id, organisation_id=account.organisation_id,
                              now=now)
        audit.append(session, "sign_in.success", organisation_id=account.organisation_id, actor_id=account.id,
                     targets={"account": account.id, "session": issued.id}, now=now)
        who = principal(session, account.id)
    return SignInResult(issued.token, who, None)


def failures_recorded(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(SignInFailure)) or 0)


def session_principal(factory: sessionmaker[Session], token: str | None, *, touch: bool = False,
                      now: datetime | None = None) -> Principal | None:
    """Who a session cookie belongs to, or None (expired, idle too long, revoked, disabled, forged).

    ``touch`` moves the idle clock (a write); pages do it now and then, not on every rerun.
    """
    if not token:
        return None
    if touch:
        with transaction(factory) as session:
            record = tokens.redeem(session, tokens.Purpose.SESSION, token, now=now)
            return principal(session, record.subject_id) if record else None
    with factory() as session:
        record = tokens.lookup(session, tokens.Purpose.SESSION, token, now=now)
        return principal(session, record.subject_id) if record else None


def sign_out(factory: sessionmaker[Session], token: str | None) -> bool:
    """Revoke the session; True if it was live."""
    if not token:
        return False
    with transaction(factory) as session:
        record = tokens.lookup(session, tokens.Purpose.SESSION, token)
        done = tokens.revoke(session, tokens.Purpose.SESSION, token)
        if done and record is not None:
            audit.append(session, "sign_out", organisation_id=record.organisation_id, actor_id=record.subject_id,
                         targets={"session": record.id})
    return done
