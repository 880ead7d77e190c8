"""Platforms (LMSs) registered per organisation: ``python -m cpd lti add-platform``."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from cpd.storage.tables import LtiPlatform, Organisation


class PlatformError(ValueError):
    """A registration that cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class PlatformInput:
    issuer: str
    client_id: str
    auth_url: str
    token_url: str
    jwks_url: str
    deployment_id: str


def _url(value: str, name: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise PlatformError(f"{name}: give a full http(s) URL, not {value!r}")
    if parts.scheme == "http" and parts.hostname not in ("localhost", "127.0.0.1", "::1"):
        raise PlatformError(f"{name}: the platform must be reached over https (http only for this machine)")
    return value.strip()


def deployments(platform: LtiPlatform) -> list[str]:
    return list(json.loads(platform.deployment_ids_json or "[]"))


def add_platform(session: Session, org_slug: str, data: PlatformInput, *, now: datetime | None = None) -> tuple[LtiPlatform, bool]:
    """Register a platform for an organisation, or add a deployment id to one already registered.

    Returns the platform and whether it is new. The same issuer and client id
    belong to one organisation only: a second organisation is refused.
    """
    org = session.scalar(select(Organisation).where(Organisation.slug == org_slug))
    if org is None:
        raise PlatformError(f"no organisation with the slug {org_slug!r} (python -m cpd org list)")
    issuer = data.issuer.strip()
    if not issuer or not data.client_id.strip() or not data.deployment_id.strip():
        raise PlatformError("issuer, client id and deployment id must not be empty")
    urls = {name: _url(getattr(data, name), name.replace("_", "-")) for name in ("auth_url", "token_url", "jwks_url")}
    existing = session.scalar(select(LtiPlatform).where(LtiPlatform.issuer == issuer,
                                                        LtiPlatform.client_id == data.client_id.strip()))
    if existing is not None:
        if existing.organisation_id != org.id:
            raise PlatformError("this issuer and client id are already registered for another organisation")
        ids = deployments(existing)
        if data.deployment_id.strip() not in ids:
            ids.append(data.deployment_id.strip())
        existing.deployment_ids_json = json.dumps(ids)
        for name, value in urls.items():
            setattr(existing, name, value)
        session.flush()
        return existing, False
    platform = LtiPlatform(id=str(uuid.uuid4()), organisation_id=org.id, issuer=issuer, client_id=data.client_id.strip(),
                           deployment_ids_json=json.dumps([data.deployment_id.strip()]),
                           created_at=now or datetime.now(UTC), **urls)
    session.add(platform)
    session.flush()
    return platform, True


def find(session: Session, issuer: str, client_id: str | None) -> LtiPlatform | None:
    """The platform for an issuer (and client id, when the login names one; needed if an issuer has several)."""
    query = select(LtiPlatform).where(LtiPlatform.issuer == issuer)
    if client_id:
        query = query.where(LtiPlatform.client_id == client_id)
    found = list(session.scalars(query.limit(2)))
    return found[0] if len(found) == 1 else None
