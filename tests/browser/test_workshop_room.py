"""A short workshop in Chromium: a facilitator's console, three phones (separate contexts, phone viewport), a projector.

The phones update by themselves (the room poller), the projector shows the answers
after the reveal, axe finds no serious violation on the phone and projector pages,
and screenshots of the projector are kept (their folder is printed).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from cpd.accounts import directory
from cpd.content.loader import load_module
from cpd.storage.db import open_store
from cpd.web.auth import SIGN_IN
from cpd.workshops import codes, room

pytestmark = pytest.mark.browser

try:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import Page, expect
except ImportError:  # pragma: no cover
    pytest.skip("playwright / axe-playwright-python not installed: pip install -e '.[test]'", allow_module_level=True)

ROOT = Path(__file__).resolve().parent.parent.parent
PASSWORD = "a long facilitator password"
EMAIL = "fac@browser.example"
PHONE = {"width": 390, "height": 844}
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
               "resultTypes": ["violations"]}
CSP = ("window.__csp=[];document.addEventListener('securitypolicyviolation',"
       "e=>window.__csp.push(e.violatedDirective+' '+(e.blockedURI||'inline')))")


def wait_for_app(page: Page) -> None:
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
    expect(page.locator("[data-testid='stSkeleton']")).to_have_count(0)


def see(page: Page, text: str, timeout: int = 15_000) -> None:
    expect(page.locator("[data-testid='stMain']").get_by_text(text, exact=False).first).to_be_visible(timeout=timeout)


def serious(page: Page) -> list[dict[str, Any]]:
    found = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    return [v for v in found if v.get("impact") in ("serious", "critical")]


def new_page(browser, viewport) -> Page:
    context = browser.new_context(viewport=viewport, locale="en-GB")
    context.set_default_timeout(15_000)
    context.add_init_script(CSP)
    return context.new_page()


@pytest.fixture(scope="module")
def workshop(app_url, app_data_dir):
    store = open_store(f"sqlite:///{app_data_dir / 'cpd.sqlite3'}")
    directory.create_organisation(store, "Browser Society", "browser-soc")
    directory.create_account(store, EMAIL, role="facilitator", org_slug="browser-soc", password=PASSWORD)
    with store() as s:
        from sqlalchemy import select

        from cpd.storage.tables import Account
        who = directory.principal(s, s.scalars(select(Account.id).where(Account.email == EMAIL)).one())
    loaded = load_module([ROOT / "tests" / "fixtures" / "content"], "mini")
    created = room.create(store, loaded, who, title="Exosome safety: live", held_on="2026-12-02",
                          venue="Leeds General", cpd_hours=1.5)
    yield created
    store.kw["bind"].dispose()


def test_a_short_workshop_with_three_phones_and_a_projector(browser, app_url, workshop, tmp_path_factory):
    shots = tmp_path_factory.mktemp("projector-screenshots")
    print(f"\nprojector screenshots kept in {shots}")
    r = workshop.room

    # the facilitator signs in and opens their console
    fac = new_page(browser, {"width": 1280, "height": 900})
    fac.goto(f"{app_url}{SIGN_IN}?next=/workshops")
    fac.get_by_label("E-mail").fill(EMAIL)
    fac.get_by_label("Password").fill(PASSWORD)
    fac.get_by_role("button", name="Sign in").click()
    fac.wait_for_url(f"{app_url}/workshops")
    wait_for_app(fac)
    see(fac, f"Join code: {codes.shown(r.join_code)}")

    # the projector, from its unguessable link, at 1280x720
    proj = new_page(browser, {"width": 1280, "height": 720})
    proj.goto(f"{app_url}/workshop?k={workshop.projector_key}")
    wait_for_app(proj)
    see(proj, f"Code: {codes.shown(r.join_code)}")

    # three phones join with the code from the QR link
    phones = []
    for name in ("Ana Ruiz", "Ben Okafor", "Chloé Martin"):
        ph = new_page(browser, PHONE)
        ph.goto(f"{app_url}/workshop?code={r.join_code}")
        wait_for_app(ph)
        ph.get_by_label("Your name (as it should appear on your certificate)").fill(name)
        ph.get_by_role("combobox", name="Profession").click()
        ph.get_by_role("option", name="Dermatologist", exact=True).click()
        ph.get_by_role("button", name="Join").click()
        see(ph, "Waiting for the facilitator")
        phones.append(ph)
    see(proj, "3 joined", timeout=10_000)
    proj.screenshot(path=str(shots / "1-lobby.png"))
    lobby_issues = serious(proj)
    phone_waiting_issues = serious(phones[0])

    # the facilitator opens the first question: every phone shows it without a reload
    fac.get_by_role("button", name="Open question").click()
    for ph in phones:
        see(ph, "What do you ask first?", timeout=10_000)
    wait_for_app(phones[0])
    phone_question_issues = serious(phones[0])
    choices = ["The price per vial", "The price per vial", "Where the cells came from"]
    for ph, choice in zip(phones, choices, strict=True):
        ph.locator("[data-testid='stRadioOption']").filter(has_text=re.compile(f"^{re.escape(choice)}$")).click()
        ph.locator("[data-testid='stRadioOption']").filter(has_text=re.compile(r"^Fairly sure \(2\)$")).click()
        ph.get_by_role("button", name="Submit answer").click()
        see(ph, "Your answer is saved")
    see(proj, "3 of 3 answered", timeout=10_000)
    assert "price per vial" not in proj.locator("[data-testid='stMain']").inner_text().split("answered")[-1]
    proj.screenshot(path=str(shots / "2-answering.png"))

    # the reveal: the projector shows the distribution, the phones their feedback
    wait_for_app(fac)
    fac.get_by_role("button", name="Reveal").click()
    see(proj, "most-chosen wrong answer", timeout=10_000)
    text = proj.locator("[data-testid='stMain']").inner_text()
    assert "The price per vial" in text and "right answer" in text
    for name in ("Ana Ruiz", "Ben Okafor", "Chloé Martin"):
        assert name not in text  # no names on the chart
    proj.screenshot(path=str(shots / "3-revealed.png"))
    wait_for_app(proj)
    revealed_issues = serious(proj)
    see(phones[0], "Not right", timeout=10_000)
    see(phones[2], "Right", timeout=10_000)

    for label, issues in (("projector lobby", lobby_issues), ("phone waiting", phone_waiting_issues),
                          ("phone question", phone_question_issues), ("projector revealed", revealed_issues)):
        assert not issues, f"axe on the {label} page: {[(v['id'], v['help']) for v in issues]}"
    for pg in (fac, proj, *phones):
        blocked = pg.evaluate("window.__csp || []")
        assert not blocked, f"the Content-Security-Policy blocked: {blocked}"
    assert sorted(p.name for p in shots.iterdir()) == ["1-lobby.png", "2-answering.png", "3-revealed.png"]
