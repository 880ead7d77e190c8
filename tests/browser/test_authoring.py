"""The authoring page in Chromium at phone width: an author signs in, reaches it from the menu, sees the
validator's verdict and a case with its answer keys, and axe finds nothing serious."""

from __future__ import annotations

import pytest

from cpd.accounts import directory
from cpd.storage.db import open_store

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover
    pytest.skip("playwright not installed: pip install -e '.[test]'", allow_module_level=True)

from test_sign_in import axe_violations, wait_for_app  # noqa: E402 - after the skip

PASSWORD = "correct horse battery staple"
EMAIL = "author@browser.example"


@pytest.fixture(scope="module")
def author_account(app_url, app_data_dir):
    store = open_store(f"sqlite:///{app_data_dir / 'cpd.sqlite3'}")
    directory.create_organisation(store, "Authors' society", "authors")
    directory.create_account(store, EMAIL, role="author", org_slug="authors", password=PASSWORD)
    store.kw["bind"].dispose()


def test_an_author_previews_a_case_on_a_phone_and_axe_finds_nothing_serious(browser, app_url, author_account):
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="en-GB")
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(f"{app_url}/auth/sign-in?next=/authoring")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{app_url}/authoring")
    wait_for_app(page)
    main = page.locator("[data-testid='stMain']")
    expect(main.get_by_role("heading", name="Authoring")).to_be_visible()
    expect(main.get_by_text("All content validates", exact=False)).to_be_visible()
    expect(main.get_by_text("Answer key and feedback", exact=False).first).to_be_visible()
    expect(main.get_by_text("Reports for accreditors")).to_have_count(0)  # administrators only
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in axe_violations(page)
               if v["impact"] in ("serious", "critical")]
    assert serious == [], serious
    context.close()
