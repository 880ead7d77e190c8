"""Shared by the workshop tests: a facilitator, an admin and a room on a store."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cpd.accounts import directory
from cpd.accounts.directory import Principal
from cpd.storage.tables import Account


def person(store: sessionmaker[Session], email: str, role: str, org: str | None = "soc") -> Principal:
    if org and not any(o.slug == org for o in directory.list_organisations(store)):
        directory.create_organisation(store, f"Society {org}", org)
    directory.create_account(store, email, role=role, org_slug=org if role != "admin" else None, password="a long password 1")
    with store() as s:
        who = directory.principal(s, s.scalars(select(Account.id).where(Account.email == email)).one())
        assert who is not None
        return who


PERSON = {"name": "Ana Ruiz", "profession": "Dermatologist"}
