"""The sign-in routes over HTTP (Starlette's test client, both stores): cookie, Origin check, throttle, links."""

from __future__ import annotations

import json
import re

import pytest
from mini_answers import RIGHT, finish
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from cpd.accounts import directory, learner_links, links, signin
from cpd.settings import Settings
from cpd.storage.tables import Attempt, Learner, OutboxEffect
from cpd.web import WebContext, middleware, routes
from cpd.web.auth import COOKIE, client_address, safe_next

PASSWORD = "correct horse battery staple"
BASE = "http://cpd.test"
SAME_SITE = {"Origin": BASE}


def make_client(store, *, public_url=BASE, ip="192.0.2.10", hops=0) -> TestClient:
    settings = Settings(public_url=public_url, trusted_proxy_hops=hops)
    app = Starlette(routes=routes(WebContext(settings=lambda: settings, store=lambda: store)),
                    middleware=middleware(lambda: settings))
    return TestClient(app, base_url=BASE, client=(ip, 40000), follow_redirects=False)


def sign_in(client: TestClient, email="admin@example.org", password=PASSWORD, **extra):
    return client.post("/auth/sign-in", data={"email": email, "password": password, "next": "/admin", **extra},
                       headers=SAME_SITE)


@pytest.fixture
def admin(store):
    return directory.create_account(store, "admin@example.org", role="admin", password=PASSWORD)


def test_signing_in_sets_an_httponly_lax_cookie_and_goes_on(store, admin):
    client = make_client(store)
    page = client.get("/auth/sign-in?next=/admin")
    assert page.status_code == 200 and 'autocomplete="current-password"' in page.text
    assert page.headers["cache-control"] == "no-store" and "frame-ancestors 'none'" in page.headers["content-security-policy"]
    resp = sign_in(client)
    assert resp.status_code == 303 and resp.headers["location"] == "/admin"
    cookie = resp.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http (a developer's machine)
    token = client.cookies[COOKIE]
    assert signin.session_principal(store, token).account_id == admin.id
    again = client.get("/auth/sign-in")  # a new tab: the cookie is sent, the person is known
    assert "You are signed in as admin@example.org" in again.text


def test_the_cookie_is_secure_behind_https(store, admin):
    resp = sign_in(make_client(store, public_url="https://cpd.example.org"))
    assert "Secure" in resp.headers["set-cookie"]


def test_a_wrong_password_shows_the_form_again_with_the_address_escaped(store, admin):
    resp = sign_in(make_client(store), email='"><script>alert(1)</script>@x.org', password="wrong, but long enough")
    assert resp.status_code == 401 and "Wrong e-mail or password." in resp.text
    assert "<script>alert(1)" not in resp.text and "&lt;script&gt;" in resp.text
    assert COOKIE not in resp.headers.get("set-cookie", "")


def test_a_sign_in_posted_from_another_site_is_refused(store, admin):
    client = make_client(store)
    for headers in ({}, {"Origin": "https://evil.example"}, {"Origin": "null"}):
        resp = client.post("/auth/sign-in", data={"email": "admin@example.org", "password": PASSWORD}, headers=headers)
        assert resp.status_code == 403 and "set-cookie" not in resp.headers


def test_twenty_wrong_passwords_from_one_client_then_the_admin_signs_in_from_another(store, admin):
    attacker = make_client(store, ip="203.0.113.9")
    codes = [sign_in(attacker, password=f"guess number {i:02d}, long").status_code for i in range(20)]
    assert codes == [401] * 5 + [429] * 15
    assert sign_in(attacker).status_code == 429  # the right password waits too, on that client
    real = make_client(store, ip="198.51.100.7")
    resp = sign_in(real)
    assert resp.status_code == 303 and real.cookies[COOKIE]


def test_a_forwarded_for_header_is_believed_only_from_trusted_proxies(store, admin):
    spoofing = make_client(store, ip="203.0.113.9")
    for i in range(5):
        spoofing.post(
            "/auth/sign-in", data={"email": "admin@example.org", "password": f"guess {i} long enough"},
            headers={**SAME_SITE, "X-Forwarded-For": f"10.9.9.{i}"})
    # Each guess claimed another address, but without a trusted proxy the peer address counts.
    assert sign_in(spoofing).status_code == 429


def test_client_address_takes_the_hop_the_trusted_proxy_added():
    from starlette.requests import Request

    def req(xff, peer="10.0.0.2"):
        headers = [(b"x-forwarded-for", xff.encode())] if xff is not None else []
        return Request({"type": "http", "headers": headers, "client": (peer, 1)})

    assert client_address(req("1.1.1.1, 2.2.2.2"), 0) == "10.0.0.2"
    assert client_address(req("6.6.6.6, 1.1.1.1"), 1) == "1.1.1.1"  # the client wrote 6.6.6.6 itself
    assert client_address(req("6.6.6.6, 1.1.1.1, 2.2.2.2"), 2) == "1.1.1.1"
    assert client_address(req(None), 1) == "10.0.0.2"


def test_next_never_leaves_the_site():
    assert safe_next("/admin") == "/admin"
    for bad in ("//evil.example", "https://evil.example", "/\\evil.example", "", None, "admin", "/x\r\nSet-Cookie: a=b"):
        assert safe_next(bad) == "/admin"


def test_signing_out_revokes_the_session_and_clears_the_cookie(store, admin):
    client = make_client(store)
    sign_in(client)
    token = client.cookies[COOKIE]
    assert "<form" in client.get("/auth/sign-out").text  # a GET only shows the button: no sign-out by a link
    assert signin.session_principal(store, token) is not None
    resp = client.post("/auth/sign-out", headers=SAME_SITE)
    assert resp.status_code == 200 and "You are signed out." in resp.text
    assert f'{COOKIE}=""' in resp.headers["set-cookie"] and "Max-Age=0" in resp.headers["set-cookie"]
    assert signin.session_principal(store, token) is None
    assert "Staff sign-in" in client.get("/auth/sign-in").text


def _last_link(store) -> str:
    with store() as s:
        text = json.loads(s.scalars(select(OutboxEffect.payload_json).order_by(OutboxEffect.id.desc())).first())["text"]
    return re.search(r"https?://\S+", text).group(0)


def test_an_invitee_chooses_a_password_on_the_page_once(store, admin):
    directory.create_organisation(store, "Clinic A", slug="a")
    links.invite(store, "new@a.example", role="author", org_slug="a", public_url=BASE)
    url = _last_link(store)
    client = make_client(store)
    page = client.get(url.removeprefix(BASE))
    assert page.status_code == 200 and "Choose your password" in page.text and "new@a.example" in page.text
    token = url.split("token=", 1)[1]
    differ = client.post("/auth/set-password", data={"token": token, "password": PASSWORD, "repeat": PASSWORD + "x"},
                         headers=SAME_SITE)
    assert differ.status_code == 400 and "The two passwords differ." in differ.text
    weak = client.post("/auth/set-password", data={"token": token, "password": "short", "repeat": "short"}, headers=SAME_SITE)
    assert weak.status_code == 400 and "at least 12 characters" in weak.text
    ok = client.post("/auth/set-password", data={"token": token, "password": PASSWORD, "repeat": PASSWORD}, headers=SAME_SITE)
    assert ok.status_code == 200 and "Your password is set." in ok.text
    assert client.get(url.removeprefix(BASE)).status_code == 410
    assert sign_in(client, email="new@a.example").status_code == 303


def test_forgot_password_gives_the_same_answer_for_any_address(store, admin):
    client = make_client(store)
    known = client.post("/auth/forgot", data={"email": "admin@example.org"}, headers=SAME_SITE)
    unknown = client.post("/auth/forgot", data={"email": "nobody@example.org"}, headers=SAME_SITE)
    assert known.status_code == unknown.status_code == 200 and known.text == unknown.text
    assert "/auth/set-password?token=" in _last_link(store)


def test_a_learner_confirms_their_address_with_a_post_not_by_opening_the_link(store, mini):
    state = finish(store, mini, RIGHT)
    with store() as s:
        learner_id = s.get(Attempt, state.attempt_id).learner_id
    learner_links.send_email_proof(store, learner_id, public_url=BASE)
    url = _last_link(store)
    client = make_client(store)
    for _ in range(2):  # a mail scanner opening it twice uses nothing up
        assert "Confirm" in client.get(url.removeprefix(BASE)).text
    with store() as s:
        assert s.get(Learner, learner_id).email_verified_at is None
    token = url.split("token=", 1)[1]
    assert client.post("/auth/confirm-email", data={"token": token}, headers={"Origin": "https://evil.example"}).status_code == 403
    done = client.post("/auth/confirm-email", data={"token": token}, headers=SAME_SITE)
    assert done.status_code == 200 and "your address is confirmed" in done.text
    with store() as s:
        assert s.get(Learner, learner_id).email_verified_at is not None
    assert client.post("/auth/confirm-email", data={"token": token}, headers=SAME_SITE).status_code == 410


def test_a_learner_account_goes_to_the_module_not_to_administration(store):
    directory.create_organisation(store, "Clinic A", slug="a")
    directory.create_account(store, "learner@a.example", role="learner", org_slug="a", password=PASSWORD)
    resp = sign_in(make_client(store), email="learner@a.example")
    assert resp.status_code == 303 and resp.headers["location"] == "/"
