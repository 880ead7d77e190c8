"""Staff sign-in in Chromium against `streamlit run app.py`: the cookie survives a reload and a new tab; sign-out ends it."""

from __future__ import annotations

import pytest

from cpd.accounts import directory
from cpd.storage.db import open_store

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import Page, expect
except ImportError:  # pragma: no cover
    pytest.skip("playwright not installed: pip install -e '.[test]'", allow_module_level=True)

PASSWORD = "correct horse battery staple"
EMAIL = "root@browser.example"


def wait_for_app(page: Page) -> None:
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
    expect(page.locator("[data-testid='stSkeleton']")).to_have_count(0)


@pytest.fixture(scope="module")
def admin_account(app_url, app_data_dir):
    store = open_store(f"sqlite:///{app_data_dir / 'cpd.sqlite3'}")
    directory.create_account(store, EMAIL, role="admin", password=PASSWORD)
    store.kw["bind"].dispose()


def test_sign_in_survives_a_reload_and_a_new_tab_and_sign_out_ends_it(browser, app_url, admin_account):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    context.add_init_script("window.__csp=[];document.addEventListener('securitypolicyviolation',"
                            "e=>window.__csp.push(e.violatedDirective+' '+e.blockedURI))")
    page = context.new_page()
    page.goto(app_url)
    wait_for_app(page)
    nav = page.locator("[data-testid='stSidebarNav']")
    expect(nav.get_by_text("Learn", exact=True)).to_be_visible()
    expect(nav.get_by_text("Administration", exact=True)).to_have_count(0)  # not for learners

    page.get_by_role("link", name="Staff sign-in").click()
    expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Password").fill("wrong password, long enough")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong e-mail or password.")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(f"{app_url}/admin")
    wait_for_app(page)
    main = page.locator("[data-testid='stMain']")
    expect(main.get_by_text(f"Signed in as {EMAIL}: admin")).to_be_visible()
    expect(page.locator("[data-testid='stSidebarNav']").get_by_text("Administration", exact=True)).to_be_visible()
    cookie = next(c for c in context.cookies() if c["name"] == "cpd_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert page.evaluate("document.cookie").find("cpd_session") == -1  # scripts cannot read it

    page.reload()
    wait_for_app(page)
    expect(main.get_by_text(f"Signed in as {EMAIL}: admin")).to_be_visible()
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in axe_violations(page)
               if v["impact"] in ("serious", "critical")]
    assert serious == [], serious

    other = context.new_page()  # a new tab
    other.goto(f"{app_url}/admin")
    wait_for_app(other)
    expect(other.locator("[data-testid='stMain']").get_by_text(f"Signed in as {EMAIL}: admin")).to_be_visible()
    assert page.evaluate("window.__csp") == [] and other.evaluate("window.__csp") == []

    other.get_by_role("link", name="Sign out").click()
    other.get_by_role("button", name="Sign out").click()
    expect(other.get_by_role("status")).to_have_text("You are signed out.")
    page.reload()  # the first tab is signed out too
    wait_for_app(page)
    expect(page.locator("[data-testid='stSidebarNav']").get_by_text("Administration", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Staff sign-in")).to_be_visible()
    context.close()


def axe_violations(page: Page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
               "resultTypes": ["violations"]}
    return Axe().run(page, options=options).response["violations"]


@pytest.mark.parametrize("path", ["/auth/sign-in?next=/admin", "/auth/forgot", "/auth/sign-out",
                                  "/auth/set-password?token=used-or-made-up-token-xxxxxxxxxx"])
def test_the_sign_in_pages_pass_axe_and_fit_a_phone(browser, app_url, path):
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="en-GB")
    page = context.new_page()
    page.goto(f"{app_url}{path}")
    assert [(v["id"], v["impact"]) for v in axe_violations(page)] == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling
    context.close()
