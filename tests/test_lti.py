"""LTI 1.3: the tests play the platform (their own keys, JWKS, token URL and score service on 127.0.0.1)."""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from conftest import FIXTURE_CONTENT
from cryptography.hazmat.primitives.asymmetric.rsa import generate_private_key
from lti_platform import CLIENT_ID, DEPLOYMENT, ISSUER, C, FakePlatform
from mini_answers import RIGHT, answer_phase
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from cpd import attempts
from cpd.accounts.directory import create_organisation
from cpd.lti.grades import ags_handler
from cpd.lti.platforms import PlatformError, PlatformInput, add_platform
from cpd.outbox.worker import WorkerOptions, run_until_idle
from cpd.settings import Settings
from cpd.storage.db import transaction
from cpd.storage.tables import Learner, LtiUser, OutboxEffect
from cpd.web import WebContext, middleware, routes

BASE = "https://cpd.example.org"
LMS = {"Origin": ISSUER}  # the launch is posted from the LMS's own site


@pytest.fixture
def platform():
    p = FakePlatform()
    yield p
    p.stop()


@pytest.fixture
def settings(tmp_path):
    return Settings(public_url=BASE, data_dir=tmp_path, modules_dir=FIXTURE_CONTENT, questions_dir=FIXTURE_CONTENT,
                    module_id="mini")


@pytest.fixture
def registered(store, platform):
    create_organisation(store, "Aesthetic Society", slug="society")
    with transaction(store) as s:
        add_platform(s, "society", PlatformInput(issuer=ISSUER, client_id=CLIENT_ID, auth_url=f"{platform.base}/auth",
                                                 token_url=f"{platform.base}/token", jwks_url=f"{platform.base}/jwks",
                                                 deployment_id=DEPLOYMENT))
    return platform


@pytest.fixture
def client(store, settings):
    ctx = WebContext(settings=lambda: settings, store=lambda: store)
    app = Starlette(routes=routes(ctx), middleware=middleware(lambda: settings))
    return TestClient(app, base_url=BASE, follow_redirects=False)


def login(client) -> tuple[str, str]:
    """The platform starts the OIDC login; returns the state and nonce the tool sent to its auth URL."""
    r = client.post("/lti/login", data={"iss": ISSUER, "login_hint": "42", "target_link_uri": f"{BASE}/lti/launch",
                                        "client_id": CLIENT_ID, "lti_message_hint": "m-1"}, headers=LMS)
    assert r.status_code == 302, r.text
    query = {k: v[0] for k, v in parse_qs(urlsplit(r.headers["location"]).query).items()}
    assert query["redirect_uri"] == f"{BASE}/lti/launch" and query["client_id"] == CLIENT_ID
    assert query["response_mode"] == "form_post" and query["scope"] == "openid" and query["prompt"] == "none"
    assert query["login_hint"] == "42" and query["lti_message_hint"] == "m-1"
    return query["state"], query["nonce"]


def launch(client, id_token: str, state: str):
    return client.post("/lti/launch", data={"id_token": id_token, "state": state}, headers=LMS)


def token_of(response) -> str:
    assert response.status_code == 303, response.text
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}" == BASE and location.path == "/"
    query = parse_qs(location.query)
    assert query["module"] == ["mini"]
    return query["t"][0]


def test_a_valid_launch_creates_the_learner_in_the_organisation_and_opens_their_attempt(store, registered, client):
    state, nonce = login(client)
    token = token_of(launch(client, registered.id_token(nonce), state))
    opened = attempts.resume(store, token)
    assert (opened.learner_name, opened.module_id, opened.phase) == ("Zoë Ångström", "mini", "pretest")
    with store() as s:
        learner = s.get_one(Learner, s.scalars(select(LtiUser.learner_id)).one())
        assert (learner.email, learner.profession) == ("zoe@example.org", "Nurse")
    # Launching again from the course comes back to the same attempt (with a new resume token).
    state, nonce = login(client)
    again = token_of(launch(client, registered.id_token(nonce), state))
    assert again != token and attempts.resume(store, again).attempt_id == opened.attempt_id
    with pytest.raises(attempts.InvalidToken, match="not valid"):  # revoked, not "expired"
        attempts.resume(store, token)


def refused(response, words: str) -> None:
    assert response.status_code == 401 and "t=" not in response.headers.get("location", "")
    assert words in response.text, response.text


def test_a_token_signed_by_another_key_is_refused(store, registered, client):
    state, nonce = login(client)
    stranger = generate_private_key(public_exponent=65537, key_size=2048)
    refused(launch(client, registered.id_token(nonce, key=stranger), state), "signature does not match")
    state, nonce = login(client)
    refused(launch(client, registered.id_token(nonce, key=stranger, kid="not-published"), state),
            "not signed by a key the learning platform publishes")


def test_a_token_for_another_tool_is_refused(store, registered, client):
    state, nonce = login(client)
    refused(launch(client, registered.id_token(nonce, extra={"aud": "some-other-tool"}), state), "another tool")


def test_a_replayed_launch_is_refused(store, registered, client):
    state, nonce = login(client)
    token = registered.id_token(nonce)
    token_of(launch(client, token, state))
    refused(launch(client, token, state), "already used")  # the same post again
    state2, _ = login(client)
    refused(launch(client, token, state2), "nonce does not match")  # the old token with a fresh login


def test_an_expired_token_is_refused(store, registered, client):
    state, nonce = login(client)
    past = int(time.time()) - 3600
    refused(launch(client, registered.id_token(nonce, extra={"iat": past - 300, "exp": past}), state), "expired")


def test_an_unknown_deployment_is_refused(store, registered, client):
    state, nonce = login(client)
    refused(launch(client, registered.id_token(nonce, extra={C + "deployment_id": "deployment-9"}), state),
            "deployment the organisation has not registered")


def test_an_unregistered_platform_cannot_start_a_login(store, registered, client):
    r = client.post("/lti/login", data={"iss": "https://elsewhere.example.org", "login_hint": "1"}, headers=LMS)
    assert r.status_code == 400 and "not registered" in r.text


def test_the_tool_publishes_its_own_key_not_the_certificate_key(store, settings, client):
    keys = client.get("/lti/jwks.json").json()["keys"]
    assert len(keys) == 1 and keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256"
    assert (settings.data_dir / "lti-key.pem").exists() and not (settings.data_dir / "signing-key.pem").exists()
    assert client.get("/lti/jwks.json").json()["keys"] == keys  # stable across requests


def test_the_score_reaches_the_platform_once_even_when_it_is_down_at_first(store, registered, client, settings):
    state, nonce = login(client)
    opened = attempts.resume(store, token_of(launch(client, registered.id_token(nonce), state)))
    loaded = attempts.module_for(store, opened.content_hash)
    state_ = answer_phase(store, loaded, opened, RIGHT)
    answer_phase(store, loaded, state_, RIGHT)
    handlers = {"lti.score": ags_handler(settings)}
    opts = WorkerOptions(batch_size=10, lease=timedelta(seconds=60), max_tries=5, retry_base=timedelta(seconds=10))

    registered.down = True  # the platform answers 503
    first = run_until_idle(store, handlers, opts)
    assert (first.delivered, first.retrying) == (0, 1)
    registered.stop()  # then cannot be reached at all
    second = run_until_idle(store, handlers, opts, now=datetime.now(UTC) + timedelta(minutes=5))
    assert (second.delivered, second.retrying) == (0, 1)
    with store() as s:
        effect = s.scalars(select(OutboxEffect).where(OutboxEffect.kind == "lti.score")).one()
        assert effect.status == "pending" and "cannot be reached" in effect.last_error
    registered.down = False
    registered.start()
    back = run_until_idle(store, handlers, opts, now=datetime.now(UTC) + timedelta(hours=1))
    assert back.delivered == 1
    assert run_until_idle(store, handlers, opts, now=datetime.now(UTC) + timedelta(hours=2)).claimed == 0
    assert len(registered.scores) == 1
    sent = registered.scores[0]
    assert sent["path"] == "/lineitems/3/lineitem/scores?type_id=12"
    assert sent["type"] == "application/vnd.ims.lis.v1.score+json" and sent["auth"].startswith("Bearer at-")
    assert sent["score"]["userId"] == "moodle-user-42" and sent["score"]["scoreGiven"] == 100
    assert sent["score"]["scoreMaximum"] == 100 and sent["score"]["gradingProgress"] == "FullyGraded"
    # The token request was authenticated by a JWT the platform can check with the tool's published key.
    jwks = jwt.PyJWKSet.from_dict(client.get("/lti/jwks.json").json())
    assertion = registered.assertions[-1]
    key = jwks[jwt.get_unverified_header(assertion)["kid"]].key
    claims = jwt.decode(assertion, key, algorithms=["RS256"], audience=f"{registered.base}/token")
    assert claims["iss"] == claims["sub"] == CLIENT_ID


def test_a_platform_belongs_to_one_organisation_and_a_second_deployment_is_added(store, registered):
    create_organisation(store, "Other Clinic", slug="clinic")
    data = PlatformInput(issuer=ISSUER, client_id=CLIENT_ID, auth_url=f"{registered.base}/auth",
                         token_url=f"{registered.base}/token", jwks_url=f"{registered.base}/jwks",
                         deployment_id="deployment-2")
    with pytest.raises(PlatformError, match="another organisation"), transaction(store) as s:
        add_platform(s, "clinic", data)
    with transaction(store) as s:
        platform, new = add_platform(s, "society", data)
        assert not new and platform.deployment_ids_json == '["deployment-1", "deployment-2"]'
    with pytest.raises(PlatformError, match="https"), transaction(store) as s:
        add_platform(s, "society", PlatformInput(**{**data.__dict__, "auth_url": "http://moodle.example.org/auth"}))


def test_add_platform_from_the_command_line(store, platform, capsys):
    from cpd.lms_cli import cmd_lti_add_platform

    create_organisation(store, "Aesthetic Society", slug="society")
    args = argparse.Namespace(session_factory=store, org="society", issuer=ISSUER, client_id=CLIENT_ID,
                              auth_url=f"{platform.base}/auth", token_url=f"{platform.base}/token",
                              jwks_url=f"{platform.base}/jwks", deployment_id=DEPLOYMENT)
    assert cmd_lti_add_platform(args) == 0
    assert "/lti/jwks.json" in capsys.readouterr().out
    assert cmd_lti_add_platform(argparse.Namespace(**{**vars(args), "org": "nobody"})) == 2
    assert "no organisation" in capsys.readouterr().err


def test_a_login_never_finished_is_gone_a_day_after_it_expired(store, registered, client):
    from cpd.storage.tables import LtiLoginState

    login(client)
    with transaction(store) as s:
        for row in s.scalars(select(LtiLoginState)):
            row.expires_at = datetime.now(UTC) - timedelta(days=2)
    state, _ = login(client)
    with store() as s:
        assert len(s.scalars(select(LtiLoginState)).all()) == 1
