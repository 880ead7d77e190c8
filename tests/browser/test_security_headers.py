"""The real server (`streamlit run app.py`) in Chromium: the app works under its CSP, with no violation reported."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import Page, expect
except ImportError:  # pragma: no cover
    pytest.skip("playwright not installed: pip install -e '.[test]'", allow_module_level=True)

# Records every CSP violation the page reports (the console line can be missed; the event cannot).
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(
  {directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample}));
"""


def wait_for_app(page: Page) -> None:
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
    expect(page.locator("[data-testid='stSkeleton']")).to_have_count(0)


@pytest.fixture
def watched(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    yield page, console
    context.close()


def violations(page: Page, console: list[str]) -> list[str]:
    events = page.evaluate("window.__csp")
    return [json.dumps(e) for e in events] + [c for c in console if "Content Security Policy" in c]


def test_the_learner_and_verify_pages_run_under_the_policy(watched, app_url):
    page, console = watched
    page.goto(app_url)
    wait_for_app(page)
    expect(page.get_by_role("button", name="Start the module")).to_be_visible()
    page.get_by_label("Full name, as it should appear on your certificate", exact=True).fill("Zoë Ångström")
    page.get_by_label("E-mail", exact=True).fill("zoe@example.org")
    page.get_by_role("combobox", name="Profession", exact=True).focus()
    page.keyboard.type("Physic")
    expect(page.get_by_role("option", name="Physician", exact=True)).to_be_visible()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Start the module").click()
    expect(page.get_by_text("Pre-test").first).to_be_visible()
    wait_for_app(page)
    page.goto(f"{app_url}/?verify=unknown-id")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Verify a certificate")).to_be_visible()
    assert violations(page, console) == []


def test_the_page_itself_carries_the_headers_and_refuses_framing(watched, app_url):
    with urllib.request.urlopen(app_url) as resp:
        headers = resp.headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"

    page, console = watched  # a page on another origin tries to frame the app: the browser blocks it
    page.route("http://evil.test/", lambda route: route.fulfill(
        content_type="text/html", body=f'<iframe id="f" src="{app_url}"></iframe>'))
    page.goto("http://evil.test/")
    page.wait_for_function("document.getElementById('f').contentWindow !== null")
    page.wait_for_timeout(2000)
    assert [f.url for f in page.frames] == ["http://evil.test/", "chrome-error://chromewebdata/"]  # blocked, not loaded


def test_the_server_refuses_a_cross_site_post(app_url):
    request = urllib.request.Request(f"{app_url}/auth/anything", data=b"x=1", method="POST",
                                     headers={"Origin": "https://evil.example"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    assert refused.value.code == 403
