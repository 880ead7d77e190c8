"""End to end on both stores: the app's lifespan starts the outbox worker; an invitation reaches a real SMTP server
(aiosmtpd); its link sets the password on the page; the invitee signs in. The worker stops with the app."""

from __future__ import annotations

import re
import threading
import time

from starlette.applications import Starlette
from starlette.testclient import TestClient

from cpd.accounts import directory, links
from cpd.settings import Settings
from cpd.web import WebContext, lifespan, middleware, routes
from cpd.web.auth import COOKIE

PASSWORD = "correct horse battery staple"
BASE = "http://cpd.test"


def workers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "cpd-outbox-worker" and t.is_alive()]


def test_an_invitation_is_mailed_by_the_apps_worker_and_its_link_works(store, smtp_server):
    settings = Settings(public_url=BASE, smtp_url=smtp_server.url, outbox_poll_seconds=0.1,
                        mail_from="CPD <cpd@example.org>")
    ctx = WebContext(settings=lambda: settings, store=lambda: store)
    app = Starlette(routes=routes(ctx), middleware=middleware(lambda: settings), lifespan=lifespan(ctx))
    directory.create_organisation(store, "Clinic Ångström", slug="clinic")
    before = len(workers())
    with TestClient(app, base_url=BASE, follow_redirects=False) as client:
        assert len(workers()) == before + 1
        links.invite(store, "new@clinic.example", role="facilitator", org_slug="clinic", public_url=BASE, name="Zoë")
        (mail,) = smtp_server.wait_for(1)
        assert mail["To"] == "new@clinic.example" and mail["Subject"] == "Clinic Ångström invites you to Reality Check CPD"
        text = mail.get_body(preferencelist=("plain",)).get_content()
        assert "as facilitator" in text and "Hello Zoë" in text
        link = re.search(r"http://cpd\.test/auth/set-password\?token=\S+", text).group(0)
        page = client.get(link.removeprefix(BASE))
        assert "Choose your password" in page.text
        token = link.split("token=", 1)[1]
        done = client.post("/auth/set-password", data={"token": token, "password": PASSWORD, "repeat": PASSWORD},
                           headers={"Origin": BASE})
        assert "Your password is set." in done.text
        signed = client.post("/auth/sign-in", data={"email": "new@clinic.example", "password": PASSWORD},
                             headers={"Origin": BASE})
        assert signed.status_code == 303 and client.cookies[COOKIE]
    deadline = time.monotonic() + 5
    while len(workers()) > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(workers()) == before  # stopped with the app


def test_the_worker_can_be_left_to_separate_processes(store):
    settings = Settings(public_url=BASE, outbox_worker_in_app=False)
    ctx = WebContext(settings=lambda: settings, store=lambda: store)
    app = Starlette(routes=routes(ctx), lifespan=lifespan(ctx))
    before = len(workers())
    with TestClient(app, base_url=BASE):
        assert len(workers()) == before
