"""Find my attempts and certificates on a 390x844 phone, in Chromium, with the link from a real e-mail.

A learner with a passed attempt (and its certificate) and an unfinished one asks for a link on
``/my-attempts``; the served app's own outbox worker mails it to the local SMTP server
(``app_smtp``); the test reads the link from the message as received, opens it, sees both attempts
and the certificate, and continues the unfinished attempt on the Learn page. axe-core scans the
request page and the list: no serious or critical violation.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from mini_answers import RIGHT, finish  # tests/mini_answers.py

from cpd import attempts
from cpd.certificates.design import load_default_design
from cpd.completion import certificate_for
from cpd.content.loader import load_module
from cpd.storage.db import open_store

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import Page, expect
    from test_sign_in import axe_violations, wait_for_app
except ImportError:  # pragma: no cover
    pytest.skip("playwright / axe-playwright-python not installed: pip install -e '.[test]'", allow_module_level=True)

ROOT = Path(__file__).resolve().parent.parent.parent
EMAIL = "amara.okafor@find-me.example"
LEARNER = {"name": "Amara Okafor", "email": EMAIL, "profession": "Nurse", "registration_number": ""}
PHONE = {"width": 390, "height": 844}
SUBJECT = "Your Reality Check CPD attempts and certificates"


@pytest.fixture(scope="module")
def store(app_url, app_data_dir):
    """The served app's database (SQLite), for setting up and checking through the engine."""
    store = open_store(f"sqlite:///{app_data_dir / 'cpd.sqlite3'}")
    yield store
    store.kw["bind"].dispose()


@pytest.fixture(scope="module")
def learner(app_url, store) -> dict[str, str]:
    """Through the engine, in the served app's database: one passed attempt with its certificate, one just begun."""
    mini = load_module([ROOT / "tests" / "fixtures" / "content"], "mini")
    passed = finish(store, mini, RIGHT, learner=LEARNER)
    cert = certificate_for(store, mini, passed, design=load_default_design(ROOT / "certificates"),
                           private_key=Ed25519PrivateKey.generate(), public_url=app_url)
    assert cert is not None
    _, begun = attempts.start_attempt(store, mini, LEARNER, pretest=False)
    return {"certificate_id": cert.id, "open_attempt": begun.attempt_id}


def _serious(page: Page) -> list[tuple[str, str, list]]:
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:4]) for v in axe_violations(page)
            if v["impact"] in ("serious", "critical")]


def test_a_learner_finds_their_attempts_and_certificate_by_e_mail_and_continues_on_a_phone(
        browser, app_url, app_smtp, store, learner):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="en-GB")
    context.set_default_timeout(20_000)
    page = context.new_page()
    main = page.locator("[data-testid='stMain']")
    scans = {}

    # 1. ask for the link
    page.goto(f"{app_url}/my-attempts")
    wait_for_app(page)
    expect(main.get_by_role("heading", name="Find my attempts and certificates")).to_be_visible()
    scans["request"] = _serious(page)
    page.get_by_label("E-mail", exact=True).fill(EMAIL.upper())  # as typed on a phone keyboard, capitals and all
    page.get_by_role("button", name="Send me a link").click()
    expect(main.get_by_text("a sign-in link is on its way to it")).to_be_visible()

    # 2. the link as the learner receives it, delivered by the app's own outbox worker
    mail = app_smtp.wait_for_message(EMAIL, subject=SUBJECT)
    text = mail.get_body(preferencelist=("plain",)).get_content()
    found = re.search(rf"{re.escape(app_url)}/my-attempts\?access=[\w-]+", text)
    assert found, text

    # 3. open it (in the same phone tab): one press shows the list
    page.goto(found.group(0))
    wait_for_app(page)
    page.get_by_role("button", name="Show my attempts and certificates").click()
    expect(main.get_by_text(f"For {EMAIL}", exact=True)).to_be_visible()
    wait_for_app(page)
    assert "access=" not in page.url and "view=" in page.url
    cards = main.locator("[data-testid='stLayoutWrapper']")
    attempt_cards = cards.filter(has_text=re.compile(r"Mini module for tests: attempt \d"))
    expect(attempt_cards).to_have_count(2)
    expect(attempt_cards.filter(has_text="In progress.")).to_have_count(1)
    expect(attempt_cards.filter(has_text="Finished: passed, 100 %.")).to_have_count(1)
    certificate = cards.filter(has_text=f"(ID {learner['certificate_id']})")
    expect(certificate).to_have_count(1)
    expect(certificate.get_by_role("button", name="Download the certificate (PDF)")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the list scrolls sideways on a phone ({width} px wide)"
    scans["list"] = _serious(page)

    # 4. continue the unfinished attempt: the Learn page, at its first question, with a fresh resume link
    attempt_cards.filter(has_text="In progress.").get_by_role("button", name="Continue this attempt").click()
    page.wait_for_url(re.compile(r"[?&]t=[\w-]+"))
    wait_for_app(page)
    token = re.search(r"[?&]t=([\w-]+)", page.url).group(1)
    assert attempts.resume(store, token).attempt_id == learner["open_attempt"]  # that attempt, not the passed one
    expect(main.get_by_role("radiogroup", name="Your answer", exact=True)).to_be_visible()
    expect(main.get_by_text("Where the cells came from", exact=True)).to_be_visible()
    expect(main.get_by_role("button", name="Submit answer")).to_be_visible()
    context.close()

    assert scans == {"request": [], "list": []}, scans
