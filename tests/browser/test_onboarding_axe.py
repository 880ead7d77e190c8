"""The four manager pages (dashboard, roster, assignments, evidence) in Chromium: axe-core finds no serious or
critical violation, on a laptop and on a 390x844 phone, with a roster, assignments, filters and people chosen on the page."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from cpd.accounts import directory
from cpd.content.loader import load_module
from cpd.onboarding import assignments, roster
from cpd.onboarding.assignments import Due
from cpd.storage.db import open_store

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import Page, expect
    from test_sign_in import axe_violations, wait_for_app
except ImportError:  # pragma: no cover
    pytest.skip("playwright / axe-playwright-python not installed: pip install -e '.[test]'", allow_module_level=True)

ROOT = Path(__file__).resolve().parent.parent.parent
PASSWORD = "correct horse battery staple"
EMAIL = "manager@clinic-axe.example"
PAGES = ("onboarding-dashboard", "onboarding-roster", "onboarding-assignments", "onboarding-evidence")


@pytest.fixture(scope="module")
def clinic(app_url, app_data_dir):
    """A clinic with a manager, three people in two roles, and the module assigned to them (through the engine)."""
    store = open_store(f"sqlite:///{app_data_dir / 'cpd.sqlite3'}")
    org = directory.create_organisation(store, "Axe Clinic", "clinic-axe")
    manager = directory.create_account(store, EMAIL, role="manager", org_slug="clinic-axe", password=PASSWORD)
    start = (date.today() - timedelta(days=3)).isoformat()
    data = ("name,email,role,start date,registration number\r\n"
            f"Zoë Ångström,zoe@clinic-axe.example,Nurse,{start},NMC 12A3456B\r\n"
            f"Ahmed Khan,ahmed@clinic-axe.example,Receptionist,{start},\r\n"
            f"Mei Lin,mei@clinic-axe.example,Nurse,{start},\r\n").encode()
    roster.import_roster(store, org.id, roster.check_file(store, org.id, data), actor_id=manager.id)
    mini = load_module([ROOT / "tests" / "fixtures" / "content"], "mini")
    for role in ("Nurse", "Receptionist"):
        assignments.assign(store, org.id, mini, Due(within_days_of_start=14), role=role, public_url=app_url,
                           actor_id=manager.id)
    yield
    store.kw["bind"].dispose()


def _signed_in(browser, app_url: str, viewport: dict[str, int]) -> tuple[object, Page]:
    context = browser.new_context(viewport=viewport, locale="en-GB")
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(f"{app_url}/auth/sign-in?next=/onboarding-dashboard")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{app_url}/onboarding-dashboard")
    return context, page


def _serious(page: Page) -> list[tuple[str, str, list]]:
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:4]) for v in axe_violations(page)
            if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
                         ids=["laptop", "phone"])
def test_the_manager_pages_have_no_serious_axe_violation(browser, app_url, clinic, viewport):
    context, page = _signed_in(browser, app_url, viewport)
    found, small = {}, {}
    for name in PAGES:
        page.goto(f"{app_url}/{name}")
        wait_for_app(page)
        main = page.locator("[data-testid='stMain']")
        if name == "onboarding-dashboard":
            expect(main.locator("table tr").filter(has_text="Zoë Ångström")).to_be_visible()
            # a filter in use: the chosen value's own remove control is on the page too
            main.get_by_role("button", name="Nurse", exact=True).click()
            wait_for_app(page)
            expect(main.locator("table tr").filter(has_text="Ahmed Khan")).to_have_count(0)
        if name == "onboarding-assignments":
            # two people chosen: each has a remove button, which must be big enough to hit (WCAG 2.5.8, 24 x 24 px;
            # axe lets small ones pass while nothing is near them, so the size is measured here as well)
            people = page.get_by_role("combobox", name="And/or these people")
            for person in ("Zoë Ångström", "Ahmed Khan"):
                people.click()
                page.get_by_role("option", name=re.compile(f"^{person} ")).click()
            page.keyboard.press("Escape")
            expect(page.get_by_role("listbox")).to_have_count(0)  # the closing list fades: scan after it is gone
            remove = main.get_by_role("button", name=re.compile("^Remove "))
            expect(remove).to_have_count(2)
            sizes = [(b["width"], b["height"]) for b in (remove.nth(i).bounding_box() for i in range(2)) if b]
            small[viewport["width"]] = [s for s in sizes if min(s) < 24]
        if name == "onboarding-evidence":
            expect(main.get_by_text("Hash chain intact")).to_be_visible()
        found[name] = _serious(page)
    context.close()
    assert found == {name: [] for name in PAGES}, found
    assert small == {viewport["width"]: []}, f"remove buttons smaller than 24 x 24 px: {small}"
