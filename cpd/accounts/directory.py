"""Organisations, accounts and their roles: who exists and what they may do.

Roles: ``admin`` belongs to deployment accounts (no organisation) and may do
everything; ``manager``, ``facilitator``, ``author`` and ``learner`` belong to
an account of one organisation and act inside it only. Every change writes an
audit entry (ids only) in the same transaction.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from cpd import audit, tokens
from cpd.accounts.passwords import hash_password, looks_like_argon2
from cpd.storage.db import transaction
from cpd.storage.tables import DEPLOYMENT_SCOPE, Account, AccountRole, Organisation
from cpd.text import InvalidText, clean_text

ADMIN = "admin"
ORG_ROLES = ("manager", "facilitator", "author", "learner")
ROLES = (ADMIN, *ORG_ROLES)
STAFF_ROLES = frozenset({ADMIN, "manager", "facilitator", "author"})
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")


class DirectoryError(ValueError):
    """A request that cannot be done as asked; the message says why, for the person who asked."""


@dataclass(frozen=True)
class Principal:
    """A signed-in person: their account, organisation and roles (no password hash)."""

    account_id: str
    email: str
    name: str | None
    organisation_id: str | None
    organisation_slug: str | None
    organisation_name: str | None
    roles: frozenset[str]

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.roles

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    def may_manage(self, organisation_id: str | None) -> bool:
        """Admins manage everything; a manager manages their own organisation's accounts only."""
        return self.is_admin or ("manager" in self.roles and organisation_id is not None
                                 and organisation_id == self.organisation_id)


@dataclass(frozen=True)
class AccountView:
    id: str
    email: str
    name: str | None
    organisation_id: str | None
    organisation_slug: str | None
    roles: tuple[str, ...]
    has_password: bool
    disabled: bool


def normalise_email(value: object) -> str:
    """Trimmed and lower-cased; refused with a message when it does not look like an address."""
    text = clean_text(value, field="E-mail", max_len=254)
    if not _EMAIL.match(text):
        raise InvalidText("E-mail: this does not look like an e-mail address (name@example.org)")
    return text.lower()


def slugify(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60].strip("-")


def _now() -> datetime:
    return datetime.now(UTC)


# --- organisations --------------------------------------------------------------------------

def create_organisation(factory: sessionmaker[Session], name: str, slug: str | None = None, *,
                        actor_id: str | None = None) -> Organisation:
    clean = clean_text(name, field="Organisation name", max_len=200)
    short = (slug or slugify(clean)).strip().lower()
    if not _SLUG.match(short):
        raise DirectoryError(f"Short name {short!r}: use lower-case letters, digits and '-' (at most 60)"
                             if short else "Short name: the name has no letters or digits to make one from; give --slug")
    org = Organisation(id=str(uuid.uuid4()), slug=short, name=clean, created_at=_now())
    try:
        with transaction(factory) as session:
            session.add(org)
            session.flush()
            audit.append(session, "organisation.create", actor_id=actor_id, targets={"organisation": org.id})
    except IntegrityError:
        raise DirectoryError(f"An organisation with the short name {short!r} exists already") from None
    return org


def is_slug(value: str) -> bool:
    """Could this be an organisation's short name? Anything else (a NUL, a megabyte) is never looked up."""
    return bool(_SLUG.match(value.strip().lower()))


def organisation_by_slug(session: Session, slug: str) -> Organisation | None:
    if not is_slug(slug):  # no organisation has it, and PostgreSQL refuses a NUL in a query outright
        return None
    return session.scalar(select(Organisation).where(Organisation.slug == slug.strip().lower()))


def list_organisations(factory: sessionmaker[Session]) -> list[Organisation]:
    with factory() as session:
        return list(session.scalars(select(Organisation).order_by(Organisation.name)))


# --- accounts ---------------------------------------------------------------------------------

def _check_role(role: str, organisation: Organisation | None) -> None:
    if role not in ROLES:
        raise DirectoryError(f"Unknown role {role!r}: one of {', '.join(ROLES)}")
    if role == ADMIN and organisation is not None:
        raise DirectoryError("admin is a deployment role: give no organisation")
    if role != ADMIN and organisation is None:
        raise DirectoryError(f"{role} is a role in an organisation: give its short name")


def _organisation(session: Session, slug: str | None) -> Organisation | None:
    if slug is None or not slug.strip():
        return None
    org = organisation_by_slug(session, slug)
    if org is None:
        raise DirectoryError(f"No organisation with the short name {slug.strip()!r}")
    return org


def _authorise(actor: Principal | None, organisation_id: str | None) -> None:
    """None is the command line (the operator of the deployment); a page passes who is signed in."""
    if actor is not None and not actor.may_manage(organisation_id):
        raise DirectoryError("You may not manage accounts there")


def create_account(factory: sessionmaker[Session], email: str, *, role: str, org_slug: str | None = None,
                   password: str | None = None, password_hash: str | None = None, name: str | None = None,
                   actor: Principal | None = None, action: str = "account.create") -> Account:
    """A new account with one role; with a password (or an existing argon2 hash), or none until an invite is used."""
    address = normalise_email(email)
    clean_name = clean_text(name, field="Name", max_len=120, required=False)
    if password is not None:
        password_hash = hash_password(password)
    elif password_hash is not None and not looks_like_argon2(password_hash):
        raise DirectoryError("That is not an argon2 password hash")
    try:
        with transaction(factory) as session:
            org = _organisation(session, org_slug)
            _check_role(role, org)
            _authorise(actor, org.id if org else None)
            if role == ADMIN and actor is not None and not actor.is_admin:
                raise DirectoryError("Only an administrator may make another")
            now = _now()
            account = Account(id=str(uuid.uuid4()), organisation_id=org.id if org else None,
                              scope=org.id if org else DEPLOYMENT_SCOPE, email=address, name=clean_name,
                              password_hash=password_hash, created_at=now,
                              password_changed_at=now if password_hash else None)
            session.add(account)
            session.flush()
            session.add(AccountRole(account_id=account.id, role=role, granted_at=now))
            org_id = org.id if org else None
            audit.append(session, action, organisation_id=org_id, actor_id=actor.account_id if actor else None,
                         targets={"account": account.id}, details={"role": role})
    except IntegrityError:
        where = f"in {org_slug.strip()}" if org_slug else "among the deployment's administrators"
        raise DirectoryError(f"An account with that e-mail exists already {where}") from None
    return account


def get_account(session: Session, account_id: str) -> Account | None:
    return session.get(Account, account_id)


def roles_of(session: Session, account_id: str) -> frozenset[str]:
    return frozenset(session.scalars(select(AccountRole.role).where(AccountRole.account_id == account_id)))


def principal(session: Session, account_id: str) -> Principal | None:
    """The signed-in view of an account, or None if it is gone or disabled."""
    account = session.get(Account, account_id)
    if account is None or account.disabled_at is not None:
        return None
    org = session.get(Organisation, account.organisation_id) if account.organisation_id else None
    return Principal(account.id, account.email, account.name, account.organisation_id,
                     org.slug if org else None, org.name if org else None, roles_of(session, account.id))


def set_role(factory: sessionmaker[Session], account_id: str, role: str, granted: bool, *,
             actor: Principal | None = None) -> None:
    with transaction(factory) as session:
        account = session.get(Account, account_id)
        if account is None:
            raise DirectoryError("No such account")
        org = session.get(Organisation, account.organisation_id) if account.organisation_id else None
        _check_role(role, org)
        _authorise(actor, account.organisation_id)
        if role == ADMIN and actor is not None and not actor.is_admin:
            raise DirectoryError("Only an administrator may grant or remove administration")
        has = role in roles_of(session, account_id)
        if granted and not has:
            session.add(AccountRole(account_id=account_id, role=role, granted_at=_now()))
        elif not granted and has:
            if role == ADMIN and _active_admins(session) <= 1:
                raise DirectoryError("This is the last administrator; make another first")
            session.execute(delete(AccountRole).where(AccountRole.account_id == account_id, AccountRole.role == role))
        else:
            return
        audit.append(session, "account.role_grant" if granted else "account.role_revoke",
                     organisation_id=account.organisation_id, actor_id=actor.account_id if actor else None,
                     targets={"account": account_id}, details={"role": role})


def set_disabled(factory: sessionmaker[Session], account_id: str, disabled: bool, *, actor: Principal | None = None) -> None:
    """Disabling signs the account out everywhere (its sessions are revoked) and keeps its history."""
    with transaction(factory) as session:
        account = session.get(Account, account_id)
        if account is None:
            raise DirectoryError("No such account")
        _authorise(actor, account.organisation_id)
        if actor is not None and actor.account_id == account_id and disabled:
            raise DirectoryError("You cannot disable your own account")
        if disabled and ADMIN in roles_of(session, account_id) and _active_admins(session) <= 1:
            raise DirectoryError("This is the last administrator; make another first")
        if (account.disabled_at is not None) == disabled:
            return
        account.disabled_at = _now() if disabled else None
        if disabled:
            tokens.revoke_all(session, account_id, tokens.Purpose.SESSION)
        audit.append(session, "account.disable" if disabled else "account.enable",
                     organisation_id=account.organisation_id, actor_id=actor.account_id if actor else None,
                     targets={"account": account_id})


def _active_admins(session: Session) -> int:
    return int(session.scalar(
        select(func.count()).select_from(AccountRole).join(Account, Account.id == AccountRole.account_id)
        .where(AccountRole.role == ADMIN, Account.disabled_at.is_(None))) or 0)


def admin_exists(factory: sessionmaker[Session]) -> bool:
    with factory() as session:
        return _active_admins(session) > 0


def list_accounts(factory: sessionmaker[Session], *, viewer: Principal) -> list[AccountView]:
    """Every account an admin may see; a manager sees their own organisation's only."""
    if not viewer.is_admin and "manager" not in viewer.roles:
        return []
    with factory() as session:
        query = select(Account, Organisation.slug).outerjoin(Organisation, Organisation.id == Account.organisation_id)
        if not viewer.is_admin:
            query = query.where(Account.organisation_id == viewer.organisation_id)
        rows = session.execute(query.order_by(Organisation.slug.is_not(None), Organisation.slug, Account.email)).all()
        roles: dict[str, list[str]] = {}
        for account_id, role in session.execute(select(AccountRole.account_id, AccountRole.role)):
            roles.setdefault(account_id, []).append(role)
    return [AccountView(a.id, a.email, a.name, a.organisation_id, slug, tuple(sorted(roles.get(a.id, []))),
                        a.password_hash is not None, a.disabled_at is not None) for a, slug in rows]
