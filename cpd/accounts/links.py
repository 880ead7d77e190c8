"""Invitation and password-reset links: one-time tokens, e-mailed through the outbox, redeemed on a page.

The link is written with its e-mail in one transaction. Whoever holds the link
chooses the password; the old password (if any) and every session of the
account end when it is used.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cpd import audit, tokens
from cpd.accounts.directory import Principal, create_account, normalise_email, organisation_by_slug, roles_of
from cpd.accounts.passwords import hash_password
from cpd.outbox.mail import enqueue_mail
from cpd.storage.db import transaction
from cpd.storage.tables import Account, Organisation, Token

SET_PASSWORD_PATH = "/auth/set-password"
RESET_EVERY = timedelta(minutes=5)


class LinkError(ValueError):
    """The link is unknown, used, expired or revoked (one message for all: which, is nobody's business)."""


def expires_text(when: datetime) -> str:
    return f"on {when.astimezone(UTC):%d %B %Y at %H:%M} UTC"


def link_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}{SET_PASSWORD_PATH}?token={token}"


def invite(factory: sessionmaker[Session], email: str, *, role: str, org_slug: str | None, public_url: str,
           name: str | None = None, actor: Principal | None = None) -> Account:
    """Make the account (no password yet) and e-mail a one-time link to choose one."""
    account = create_account(factory, email, role=role, org_slug=org_slug, name=name, actor=actor,
                             action="account.invite")
    send_link(factory, account.id, tokens.Purpose.INVITE, public_url=public_url, actor=actor)
    return account


def send_link(factory: sessionmaker[Session], account_id: str, purpose: tokens.Purpose, *, public_url: str,
              actor: Principal | None = None) -> None:
    """A fresh invitation (again) or password-reset link for an account, queued with its e-mail."""
    with transaction(factory) as session:
        account = session.get(Account, account_id)
        if account is None or account.disabled_at is not None:
            raise LinkError("No such account")
        if actor is not None and not actor.may_manage(account.organisation_id):
            raise LinkError("You may not manage accounts there")
        org = session.get(Organisation, account.organisation_id) if account.organisation_id else None
        issued = tokens.issue(session, purpose, account.id, organisation_id=account.organisation_id)
        context = {"name": account.name, "link": link_url(public_url, issued.token), "expires": expires_text(issued.expires_at)}
        if purpose == tokens.Purpose.INVITE:
            context |= {"organisation": org.name if org else None,
                        "role": " and ".join(sorted(roles_of(session, account.id))) or "member"}
        enqueue_mail(session, f"{purpose.value}:{issued.id}", to=account.email, template=purpose.value, context=context)
        audit.append(session, f"account.{purpose.value}_sent", organisation_id=account.organisation_id,
                     actor_id=actor.account_id if actor else None, targets={"account": account.id, "token": issued.id})


def request_password_reset(factory: sessionmaker[Session], email: str, *, org_slug: str | None, public_url: str) -> None:
    """Send a reset link to every account of this address (in the named organisation, if given).

    Says nothing about whether an account exists: the page shows the same answer either way.
    """
    try:
        address = normalise_email(email)
    except ValueError:
        return
    with factory() as session:
        query = select(Account.id).where(Account.email == address, Account.disabled_at.is_(None))
        if org_slug and org_slug.strip():
            org = organisation_by_slug(session, org_slug)
            if org is None:
                return
            query = query.where(Account.organisation_id == org.id)
        ids = list(session.scalars(query))
        # One reset e-mail per account every few minutes: the form cannot be used to flood someone's inbox.
        recent = set(session.scalars(select(Token.subject_id).where(
            Token.subject_id.in_(ids), Token.purpose == tokens.Purpose.PASSWORD_RESET.value,
            Token.created_at > datetime.now(UTC) - RESET_EVERY))) if ids else set()
    for account_id in ids:
        if account_id not in recent:
            send_link(factory, account_id, tokens.Purpose.PASSWORD_RESET, public_url=public_url)


def peek(factory: sessionmaker[Session], token: str) -> tuple[tokens.Purpose, Account] | None:
    """Which account a set-password link opens (for the page's heading), without using it up."""
    with factory() as session:
        for purpose in (tokens.Purpose.INVITE, tokens.Purpose.PASSWORD_RESET):
            record = tokens.lookup(session, purpose, token)
            if record is not None:
                account = session.get(Account, record.subject_id)
                if account is not None and account.disabled_at is None:
                    return purpose, account
    return None


def set_password_with_link(factory: sessionmaker[Session], token: str, password: str) -> Account:
    """Use the link once: the password is set, other sessions and links of the account end."""
    password_hash = hash_password(password)  # refuse a weak password before the link is used up
    with transaction(factory) as session:
        record = None
        for purpose in (tokens.Purpose.INVITE, tokens.Purpose.PASSWORD_RESET):
            record = tokens.redeem(session, purpose, token)
            if record is not None:
                break
        account = session.get(Account, record.subject_id) if record else None
        if record is None or account is None or account.disabled_at is not None:
            raise LinkError("This link does not work any more: it was used, has expired or was replaced. "
                            "Ask for a new one.")
        account.password_hash = password_hash
        account.password_changed_at = datetime.now(UTC)
        tokens.revoke_all(session, account.id, tokens.Purpose.SESSION)
        tokens.revoke_all(session, account.id, tokens.Purpose.PASSWORD_RESET)
        tokens.revoke_all(session, account.id, tokens.Purpose.INVITE)
        audit.append(session, "account.password_set", organisation_id=account.organisation_id, actor_id=account.id,
                     targets={"account": account.id}, details={"via": record.purpose.value})
        return account


def set_password(factory: sessionmaker[Session], account_id: str, password: str, *, actor: Principal | None = None) -> None:
    """From the command line: set an account's password directly (its sessions end)."""
    password_hash = hash_password(password)
    with transaction(factory) as session:
        account = session.get(Account, account_id)
        if account is None:
            raise LinkError("No such account")
        account.password_hash = password_hash
        account.password_changed_at = datetime.now(UTC)
        tokens.revoke_all(session, account.id, tokens.Purpose.SESSION)
        audit.append(session, "account.password_set", organisation_id=account.organisation_id,
                     actor_id=actor.account_id if actor else None, targets={"account": account.id},
                     details={"via": "operator"})


def accounts_by_email(session: Session, email: str) -> list[Account]:
    return list(session.scalars(select(Account).where(Account.email == normalise_email(email))))
