"""The learner journey on a 390x844 phone: every step starts where the learner must read.

After each click the test waits for the element the learner should read next (the new
stage heading, the verdict, the results) to hold keyboard focus (a screen reader then
announces it) and to sit inside the viewport; it fails when the element stays off-screen.
It also measures tap targets and how much of the first screen the title takes. The
``page`` fixture's CSP check applies: the reading-position component must load without
any Content-Security-Policy violation.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import Page, expect
except ImportError:  # pragma: no cover - the test extra is not installed
    pytest.skip("playwright not installed: pip install -e '.[test]'", allow_module_level=True)

from conftest import RECORD_CSP_VIOLATIONS  # noqa: E402 - tests/browser/conftest.py (pytest puts its folder on sys.path)

PHONE = {"width": 390, "height": 844}
MIN_TAP = 44  # px: WCAG 2.5.5 (AAA) and the platforms' own guidelines

IN_VIEW_AND_FOCUSED = """id => {
  const e = document.getElementById(id);
  if (!e) return false;
  const r = e.getBoundingClientRect();
  return document.activeElement === e && r.top >= 0 && r.bottom <= window.innerHeight;
}"""


@pytest.fixture(scope="module")
def phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="en-GB")
    context.set_default_timeout(15_000)
    context.add_init_script(RECORD_CSP_VIOLATIONS)
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    yield page
    blocked += page.evaluate("window.__csp || []")
    context.close()
    assert not blocked, f"the Content-Security-Policy blocked something: {blocked}"


def wait_for_app(page: Page) -> None:
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
    expect(page.locator("[data-stale='true']")).to_have_count(0)


def press(page: Page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()


def choose(page: Page, group: str | int, option: str) -> None:
    groups = page.get_by_role("radiogroup", name=group, exact=True) if isinstance(group, str) else \
        page.get_by_role("radiogroup").nth(group)
    groups.locator("[data-testid='stRadioOption']").filter(has_text=re.compile(f"^{re.escape(option)}$")).click()


def tick(page: Page, label: str) -> None:
    page.locator("[data-testid='stCheckbox']").filter(has_text=label).locator("label").click()


def reads_at(page: Page, *anchors: str) -> str:
    """Wait until one of ``anchors`` (element ids) has focus and is inside the viewport; return it."""
    script = "ids => ids.some(id => (" + IN_VIEW_AND_FOCUSED + ")(id))"
    try:
        page.wait_for_function(script, arg=list(anchors), timeout=10_000)
    except Exception:  # noqa: BLE001 - say where things were instead of a bare timeout
        where = page.evaluate("""ids => ids.map(id => { const e = document.getElementById(id);
            return [id, e ? Math.round(e.getBoundingClientRect().top) : null, document.activeElement === e]; })""",
                              list(anchors))
        pytest.fail(f"none of {anchors} is focused and in view (id, top px, focused): {where}; "
                    f"viewport {page.viewport_size}")
    wait_for_app(page)
    return page.evaluate("() => document.activeElement.id")


def heights(page: Page, selector: str) -> list[float]:
    return page.eval_on_selector_all(selector, "els => els.map(e => e.getBoundingClientRect().height)")


@pytest.fixture(scope="module")
def phone_journey(phone: Page, app_url: str) -> dict[str, Any]:
    page, seen = phone, {"steps": [], "tap": {}}
    page.goto(app_url)
    page.get_by_role("button", name="Start the module").wait_for()
    wait_for_app(page)
    seen["title_height"] = heights(page, "[data-testid='stMain'] h1")[0]

    page.get_by_label("Full name, as it should appear on your certificate", exact=True).fill("Ana Phone")
    page.get_by_label("E-mail", exact=True).fill("ana@example.org")
    page.get_by_role("combobox", name="Profession", exact=True).focus()
    page.keyboard.type("Pharm")
    expect(page.get_by_role("option", name="Pharmacist", exact=True)).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.get_by_role("combobox", name="Profession", exact=True)).to_have_value("Pharmacist")
    press(page, "Start the module")
    seen["steps"].append(("Start", reads_at(page, "module-title")))
    seen["resume_link_in_view"] = page.locator("[data-testid='stCode']").first.evaluate(
        "e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; }")

    choose(page, "Your answer", "The price per vial")  # the pre-test question
    seen["tap"]["answer_and_certainty"] = heights(page, "[data-testid='stRadioOption']")
    choose(page, 1, "Fairly sure (2)")
    press(page, "Submit answer")
    seen["steps"].append(("Submit (pre-test)", reads_at(page, "case")))

    choose(page, "Your answer", "Where the cells came from")
    choose(page, 1, "Very sure (3)")
    press(page, "Submit answer")
    seen["steps"].append(("Submit", reads_at(page, "verdict")))
    press(page, "Continue")
    seen["steps"].append(("Continue", reads_at(page, "stage", "case")))

    tick(page, "A certificate of analysis")
    tick(page, "Donor screening records")
    seen["tap"]["checkbox"] = heights(page, "[data-testid='stCheckbox'] label")
    press(page, "Submit answer")
    seen["steps"].append(("Submit", reads_at(page, "verdict")))
    press(page, "Continue")
    seen["steps"].append(("Continue", reads_at(page, "stage", "case")))

    choose(page, "Fever and spreading redness", "Report")
    choose(page, "Mild redness for a day", "Watch")
    seen["tap"]["matrix"] = heights(page, "[data-testid='stRadioOption']")
    press(page, "Submit answer")
    seen["steps"].append(("Submit", reads_at(page, "verdict")))
    press(page, "Continue")
    seen["steps"].append(("Continue", reads_at(page, "stage", "case")))

    choose(page, 0, "Report the event and keep the lot number")
    choose(page, 1, "So the product can be traced")
    press(page, "Submit answer")
    seen["steps"].append(("Submit", reads_at(page, "verdict")))
    press(page, "See your results")
    seen["steps"].append(("See your results", reads_at(page, "your-results")))
    # The outcome and the step to the certificate come before any table or reading list.
    main = page.locator("[data-testid='stMain']").inner_text()
    seen["order"] = [main.find(t) for t in ("Passed: 100 %", "Complete the evaluation to get your certificate",
                                            "Your scores", "What to read next" if "What to read next" in main
                                            else "Feedback on every question")]

    choose(page, "How relevant was this module to your practice? (1 = not at all, 5 = very)", "5")
    choose(page, "Was it balanced: fair to the evidence on every side? (1 = not at all, 5 = fully)", "4")
    choose(page, "Did you notice commercial bias (a product or company promoted)?", "No")
    page.get_by_label("What will you change in your practice?", exact=True).fill("Ask for the CoA.")
    page.get_by_label("Reflective note for your CPD portfolio: what did you learn, and how will you use it? "
                      "(private: only you see it)", exact=True).fill("Traceability first.")
    press(page, "Submit evaluation")
    seen["steps"].append(("Submit evaluation", reads_at(page, "your-certificate")))
    return seen


def test_every_click_lands_on_what_to_read_focused_and_in_view(phone_journey):
    steps = phone_journey["steps"]
    print("\n".join(f"{click:>20} -> #{anchor}" for click, anchor in steps))
    # After Start: the top (title and resume link); a new case at its title; a new question at its stage.
    assert [a for _, a in steps] == ["module-title", "case", "verdict", "stage", "verdict", "stage", "verdict",
                                     "stage", "verdict", "your-results", "your-certificate"]


def test_the_resume_link_is_on_the_first_screen_after_start(phone_journey):
    assert phone_journey["resume_link_in_view"]


def test_tap_targets_are_at_least_44_px(phone_journey):
    tap = phone_journey["tap"]
    print(tap)
    for kind, sizes in tap.items():
        assert sizes and min(sizes) >= MIN_TAP, f"{kind} tap targets {sizes}"


def test_the_title_leaves_most_of_the_first_screen(phone_journey):
    assert phone_journey["title_height"] <= PHONE["height"] * 0.2, phone_journey["title_height"]


def test_results_lead_with_the_outcome_then_the_evaluation(phone_journey):
    order = phone_journey["order"]
    assert all(i >= 0 for i in order), order
    assert order == sorted(order), order
