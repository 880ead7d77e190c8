"""Assignment and Grade Services: the outbox handler that sends a graded attempt's score to the LMS.

Two requests per delivery: an access token from the platform's token URL
(OAuth 2 client credentials, authenticated by a JWT signed with the tool key,
RFC 7523 as LTI 1.3 requires), then the score POSTed to the line item's
``/scores``. A platform that is down, slow, or refuses our credentials for now
is retried with the outbox's backoff; the score waits in the database meanwhile.
A 400/404/410 (the line item is gone, the score malformed) is marked failed for
good with the platform's answer; ``python -m cpd outbox retry`` queues it again.
"""

from __future__ import annotations

import secrets
import time
from urllib.parse import urlsplit, urlunsplit

import jwt
import requests

from cpd.lti.hooks import KIND
from cpd.lti.keys import key_id, tool_key
from cpd.lti.launch import SCORE_SCOPE
from cpd.outbox.handlers import Effect, Handler, PermanentFailure, register
from cpd.settings import Settings

TIMEOUT = (5, 30)
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"


def scores_url(lineitem: str) -> str:
    """``<line item>/scores``, keeping the line item's query string (Moodle's has one)."""
    parts = urlsplit(lineitem)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


def client_assertion(settings: Settings, client_id: str, token_url: str) -> str:
    key = tool_key(settings)
    now = int(time.time())
    claims = {"iss": client_id, "sub": client_id, "aud": token_url, "iat": now, "exp": now + 300,
              "jti": secrets.token_urlsafe(16)}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": key_id(key.public_key())})


def access_token(settings: Settings, client_id: str, token_url: str) -> str:
    try:
        response = requests.post(token_url, data={
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": client_assertion(settings, client_id, token_url),
            "scope": SCORE_SCOPE,
        }, timeout=TIMEOUT)
    except requests.RequestException as exc:
        raise RuntimeError(f"the platform's token URL cannot be reached: {type(exc).__name__}") from None
    if response.status_code != 200:
        raise RuntimeError(f"the platform refused an access token ({response.status_code}): {response.text[:300]}")
    token = response.json().get("access_token")
    if not isinstance(token, str) or not token:
        raise RuntimeError("the platform's token response has no access_token")
    return token


def ags_handler(settings: Settings) -> Handler:
    def deliver(effect: Effect) -> None:
        p = effect.payload
        token = access_token(settings, p["client_id"], p["token_url"])
        try:
            response = requests.post(scores_url(p["lineitem"]), json=p["score"], timeout=TIMEOUT,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": SCORE_TYPE})
        except requests.RequestException as exc:
            raise RuntimeError(f"the platform's score service cannot be reached: {type(exc).__name__}") from None
        if response.status_code in (200, 201, 202, 204):
            return
        if response.status_code in (400, 404, 410, 422):
            raise PermanentFailure(f"the platform refused the score ({response.status_code}): {response.text[:300]}")
        raise RuntimeError(f"the platform answered {response.status_code}: {response.text[:300]}")

    return deliver


register(KIND, ags_handler)
