"""OIDC login initiation and the launch: every check LTI 1.3 asks of a tool, each with its own refusal.

Login (``/lti/login``): the platform names itself (``iss``, ``client_id``);
we store a random state (hashed) and nonce for 10 minutes and send the
browser to the platform's authorisation URL. Launch (``/lti/launch``): the
platform posts an ``id_token`` and the state back. The state is used once (a
conditional UPDATE, so two replicas cannot both accept it); the token must be
signed by a key in the platform's JWKS (RS256 only), name this tool's client
id as audience (``azp`` too when there are several), come from the issuer the
state was made for, be unexpired, carry the nonce stored with the state, a
deployment id the organisation registered, LTI version 1.3.0 and a resource
link launch.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import jwt
from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from cpd.lti import platforms
from cpd.storage.tables import LtiLoginState, LtiPlatform

STATE_TTL = timedelta(minutes=10)
LEEWAY = 60  # seconds of clock difference allowed on exp/iat
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"

_jwks_clients: dict[str, jwt.PyJWKClient] = {}  # a cache of platforms' public keys, not state


class LaunchError(Exception):
    """A login or launch refused; the message is safe to show and says what to check."""


@dataclass(frozen=True)
class Launch:
    platform_id: str
    organisation_id: str
    subject: str
    deployment_id: str
    resource_link_id: str
    name: str
    email: str | None
    custom: dict[str, Any]
    lineitem_url: str | None
    ags_scopes: tuple[str, ...]


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode("utf-8")).hexdigest()


def login_redirect(session: Session, params: dict[str, str], *, redirect_uri: str, now: datetime | None = None) -> str:
    """The platform's authorisation URL to send the browser to, with a fresh state and nonce stored."""
    issuer, login_hint = params.get("iss", ""), params.get("login_hint", "")
    if not issuer or not login_hint:
        raise LaunchError("This LTI login is missing its issuer or login hint: start it again from the course.")
    platform = platforms.find(session, issuer, params.get("client_id"))
    if platform is None:
        raise LaunchError("This learning platform is not registered with the module. Ask your organisation's "
                          "administrator to register it (python -m cpd lti add-platform).")
    now = now or datetime.now(UTC)
    # Logins never finished (a closed tab) are of no use a day later; they go here rather than in a cron job.
    session.execute(delete(LtiLoginState).where(LtiLoginState.expires_at < now - timedelta(days=1))
                    .execution_options(synchronize_session=False))
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(LtiLoginState(state_hash=_hash(state), nonce=nonce, platform_id=platform.id, created_at=now,
                              expires_at=now + STATE_TTL))
    query = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
             "client_id": platform.client_id, "redirect_uri": redirect_uri, "login_hint": login_hint,
             "state": state, "nonce": nonce}
    if params.get("lti_message_hint"):
        query["lti_message_hint"] = params["lti_message_hint"]
    separator = "&" if "?" in platform.auth_url else "?"
    return f"{platform.auth_url}{separator}{urlencode(query)}"


def use_state(session: Session, state: str, *, now: datetime | None = None) -> tuple[str, str]:
    """Spend the login's state (once, ever: commit this before checking the token); returns (platform id, nonce)."""
    row = _use_state(session, state, now or datetime.now(UTC))
    return row.platform_id, row.nonce


def _use_state(session: Session, state: str, now: datetime) -> LtiLoginState:
    if not state or len(state) > 200:
        raise LaunchError("This launch has no valid state: start it again from the course.")
    used = session.execute(
        update(LtiLoginState)
        .where(LtiLoginState.state_hash == _hash(state), LtiLoginState.used_at.is_(None), LtiLoginState.expires_at > now)
        .values(used_at=now).execution_options(synchronize_session=False)
    )
    row = session.get(LtiLoginState, _hash(state))
    if int(used.rowcount) != 1 or row is None:  # type: ignore[attr-defined]
        raise LaunchError("This launch was already used or has expired: start it again from the course.")
    return row


def _signing_key(platform: LtiPlatform, token: str) -> Any:
    client = _jwks_clients.get(platform.jwks_url)
    if client is None:
        client = _jwks_clients[platform.jwks_url] = jwt.PyJWKClient(platform.jwks_url, cache_keys=True, lifespan=300,
                                                                    timeout=10)
    try:
        return client.get_signing_key_from_jwt(token).key
    except jwt.PyJWKClientConnectionError:
        raise LaunchError("The learning platform's keys cannot be fetched right now; try the launch again shortly.") from None
    except jwt.PyJWKClientError:
        raise LaunchError("This launch is not signed by a key the learning platform publishes.") from None
    except jwt.InvalidTokenError:
        raise LaunchError("This launch's token is not a valid signed token.") from None


def validate(session: Session, id_token: str, platform_id: str, nonce: str) -> Launch:
    """Check the launch's token against the platform and nonce its (spent) state named; or raise ``LaunchError``."""
    platform = session.get_one(LtiPlatform, platform_id)
    if not id_token or len(id_token) > 20_000:
        raise LaunchError("This launch carries no id_token.")
    key = _signing_key(platform, id_token)
    try:
        claims = jwt.decode(id_token, key, algorithms=["RS256"], audience=platform.client_id, issuer=platform.issuer,
                            leeway=LEEWAY, options={"require": ["exp", "iat", "iss", "aud", "sub", "nonce"]})
    except jwt.ExpiredSignatureError:
        raise LaunchError("This launch has expired: start it again from the course.") from None
    except jwt.InvalidAudienceError:
        raise LaunchError("This launch was meant for another tool (audience).") from None
    except jwt.InvalidIssuerError:
        raise LaunchError("This launch does not come from the platform its login named (issuer).") from None
    except jwt.InvalidSignatureError:
        raise LaunchError("This launch's signature does not match the learning platform's key.") from None
    except jwt.InvalidTokenError as exc:
        raise LaunchError(f"This launch's token is not valid: {exc}.") from None
    aud = claims["aud"]
    if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != platform.client_id:
        raise LaunchError("This launch was meant for another tool (authorised party).")
    if not secrets.compare_digest(str(claims["nonce"]), nonce):
        raise LaunchError("This launch's nonce does not match its login (a replayed launch?).")
    deployment = claims.get(CLAIM + "deployment_id")
    if not isinstance(deployment, str) or deployment not in platforms.deployments(platform):
        raise LaunchError("This launch comes from a deployment the organisation has not registered.")
    if claims.get(CLAIM + "version") != "1.3.0":
        raise LaunchError("This launch is not LTI 1.3.0.")
    if claims.get(CLAIM + "message_type") != "LtiResourceLinkRequest":
        raise LaunchError("The module only accepts resource link launches.")
    link = claims.get(CLAIM + "resource_link") or {}
    if not isinstance(link, dict) or not link.get("id"):
        raise LaunchError("This launch names no resource link.")
    subject = str(claims["sub"])
    if not subject or len(subject) > 255:
        raise LaunchError("This launch names no user.")
    name = str(claims.get("name") or " ".join(p for p in (claims.get("given_name"), claims.get("family_name")) if p)
               or "Learner").strip()[:120]
    ags = claims.get(AGS_CLAIM) or {}
    scopes = tuple(s for s in ags.get("scope", []) if isinstance(s, str)) if isinstance(ags, dict) else ()
    lineitem = ags.get("lineitem") if isinstance(ags, dict) and isinstance(ags.get("lineitem"), str) else None
    custom = claims.get(CLAIM + "custom")
    email = claims.get("email")
    return Launch(platform_id=platform.id, organisation_id=platform.organisation_id, subject=subject,
                  deployment_id=deployment, resource_link_id=str(link["id"])[:255], name=name,
                  email=email.lower() if isinstance(email, str) and "@" in email else None,
                  custom=custom if isinstance(custom, dict) else {}, lineitem_url=lineitem, ags_scopes=scopes)
