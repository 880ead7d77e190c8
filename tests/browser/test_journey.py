"""A learner's whole journey in Chromium, with an axe-core scan of every page type.

The journey runs once per module (a module-scoped fixture, about 15 s); the
tests below check what it saw. Waits follow Streamlit's own e2e suite: the app
is connected, the script is not running, and no skeleton is left.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

try:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import Page, expect
except ImportError:  # pragma: no cover - the test extra is not installed
    pytest.skip("playwright / axe-playwright-python not installed: pip install -e '.[test]'", allow_module_level=True)

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    "resultTypes": ["violations"],
}
PAGE_TYPES = ["start", "single_best_certainty", "select_all", "matrix", "rationale_pair", "feedback",
              "results_evaluation", "verify"]
NAME = "Zoë Ångström"
REFLECTION = "Ask for the certificate of analysis before any injection."


# --- waiting and acting like a learner ------------------------------------------------

def wait_for_app(page: Page) -> None:
    """As Streamlit's e2e suite waits: connected, script done, no skeleton."""
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
    expect(page.locator("[data-testid='stSkeleton']")).to_have_count(0)


def wait_for_text(page: Page, text: str) -> None:
    """The rerun that shows `text` is done (stale elements of the last run are gone)."""
    expect(page.locator("[data-testid='stMain']").get_by_text(text, exact=True).first).to_be_visible()
    wait_for_app(page)
    expect(page.locator("[data-stale='true']")).to_have_count(0)


def main_text(page: Page) -> str:
    return page.locator("[data-testid='stMain']").inner_text()


def choose(page: Page, group: str | int, option: str) -> None:
    """Pick an option of a radio group, by its label or its position on the page."""
    groups = page.get_by_role("radiogroup", name=group, exact=True) if isinstance(group, str) else \
        page.get_by_role("radiogroup").nth(group)
    groups.locator("[data-testid='stRadioOption']").filter(has_text=re.compile(f"^{re.escape(option)}$")).click()


def tick(page: Page, label: str) -> None:
    page.locator("[data-testid='stCheckbox']").filter(has_text=label).locator("label").click()
    expect(page.get_by_role("checkbox", name=label, exact=True)).to_be_checked()


def press(page: Page, button: str) -> None:
    page.get_by_role("button", name=button, exact=True).click()


def submit_and_see(page: Page, text: str) -> None:
    press(page, "Submit answer")
    wait_for_text(page, text)


def fill_start_form_with_the_keyboard(page: Page) -> None:
    page.get_by_label("Full name, as it should appear on your certificate", exact=True).focus()
    page.keyboard.type(NAME)
    page.keyboard.press("Tab")
    page.keyboard.type("zoe@example.org")
    page.keyboard.press("Tab")  # the profession combobox: type to filter, Enter to pick
    page.keyboard.type("Physic")
    expect(page.get_by_role("option", name="Physician", exact=True)).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.get_by_role("combobox", name="Profession", exact=True)).to_have_value("Physician")
    page.keyboard.press("Tab")  # on to the registration number: nothing in between (no clear button) takes focus
    expect(page.get_by_label("Professional registration number (optional)", exact=True)).to_be_focused()
    page.keyboard.type("GMC 1234567")
    page.keyboard.press("Tab")  # the pre-test checkbox, ticked by default
    expect(page.locator(":focus")).to_have_attribute("type", "checkbox")
    expect(page.locator(":focus")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Start the module")
    page.keyboard.press("Enter")


def scan(page: Page) -> list[dict[str, Any]]:
    return Axe().run(page, options=AXE_OPTIONS).response["violations"]


def resume_link(page: Page) -> str:
    page.get_by_text("Your resume link", exact=False).first.click()
    code = page.locator("[data-testid='stCode']").first
    expect(code).to_be_visible()
    link = code.inner_text().strip()
    page.get_by_text("Your resume link", exact=False).first.click()  # close it again
    return link


# --- the journey, once -------------------------------------------------------------------

@pytest.fixture(scope="module")
def journey(page: Page, app_url: str) -> dict[str, Any]:
    seen: dict[str, Any] = {"scans": {}}
    scans = seen["scans"]

    page.goto(app_url)
    wait_for_text(page, "Start the module")
    scans["start"] = scan(page)

    fill_start_form_with_the_keyboard(page)
    wait_for_text(page, "Pre-test")
    seen["token"] = re.search(r"[?&]t=([\w-]+)", page.url).group(1)
    seen["link"] = resume_link(page)
    scans["single_best_certainty"] = scan(page)
    choose(page, "Your answer", "The price per vial")  # pre-test: wrong on purpose, no feedback
    choose(page, 1, "Fairly sure (2)")
    submit_and_see(page, "A mini case")

    # Case, stage 1: single best with certainty, then its feedback.
    choose(page, "Your answer", "Where the cells came from")
    choose(page, 1, "Very sure (3)")
    submit_and_see(page, "Continue")
    seen["feedback_q_source"] = main_text(page)
    scans["feedback"] = scan(page)
    press(page, "Continue")
    wait_for_text(page, "Which documents do you ask for?")

    scans["select_all"] = scan(page)
    tick(page, "A certificate of analysis")
    tick(page, "Donor screening records")
    submit_and_see(page, "Continue")
    seen["feedback_q_checks"] = main_text(page)
    press(page, "Continue")
    wait_for_text(page, "For each finding, what do you do?")

    # A closed tab in the middle: the resume link lands on the same question.
    page.goto(seen["link"])
    wait_for_text(page, "For each finding, what do you do?")
    seen["resumed_mid_journey"] = main_text(page)

    scans["matrix"] = scan(page)
    choose(page, "Fever and spreading redness", "Report")
    choose(page, "Mild redness for a day", "Watch")
    submit_and_see(page, "Continue")
    press(page, "Continue")
    wait_for_text(page, "The patient asks what happens next.")

    scans["rationale_pair"] = scan(page)
    choose(page, 0, "Report the event and keep the lot number")
    choose(page, 1, "So the product can be traced")
    submit_and_see(page, "See your results")
    press(page, "See your results")
    wait_for_text(page, "Your results")
    seen["results"] = main_text(page)
    scans["results_evaluation"] = scan(page)

    choose(page, "How relevant was this module to your practice? (1 = not at all, 5 = very)", "5")
    choose(page, "Was it balanced: fair to the evidence on every side? (1 = not at all, 5 = fully)", "4")
    choose(page, "Did you notice commercial bias (a product or company promoted)?", "No")
    page.get_by_label("What will you change in your practice?", exact=True).fill("Ask for the CoA.")
    page.get_by_label("Reflective note for your CPD portfolio: what did you learn, and how will you use it? "
                      "(private: only you see it)", exact=True).fill(REFLECTION)
    press(page, "Submit evaluation")
    wait_for_text(page, "Thank you: your evaluation and reflective note are saved in your CPD record.")
    seen["done"] = main_text(page)

    page.goto(seen["link"])  # reload with the resume link: back on the finished results
    wait_for_text(page, "Your results")
    page.get_by_text("Your reflective note (for your CPD portfolio)").click()
    expect(page.get_by_text(REFLECTION)).to_be_visible()
    seen["resumed_done"] = main_text(page)

    # The certificate: download the frozen PDF, then open its verification link (the QR code's target).
    wait_for_text(page, "Your certificate")
    with page.expect_download() as download:
        page.get_by_role("button", name="Certificate (PDF)").click()
    seen["pdf"] = Path(download.value.path()).read_bytes()
    seen["cert_id"] = re.search(r"\?verify=([a-z0-9]+)", main_text(page)).group(1)
    page.goto(f"{app_url}/?verify={seen['cert_id']}")
    wait_for_text(page, "Verify a certificate")
    wait_for_app(page)
    seen["verify"] = main_text(page)
    scans["verify"] = scan(page)
    return seen


# --- what the learner saw ---------------------------------------------------------------

def test_the_downloaded_certificate_names_the_learner_and_verifies(journey):
    from io import BytesIO

    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(BytesIO(journey["pdf"])).pages)
    assert NAME in text and journey["cert_id"] in text
    assert "Valid: issued by Reality Check CPD, current and not withdrawn." in journey["verify"]
    assert f"Name: {NAME}" in journey["verify"]  # the page leads with the name, to compare with the person


def test_the_resume_link_carries_the_token_of_the_url(journey, app_url):
    assert journey["link"] == f"{app_url}/?t={journey['token']}"


def test_feedback_after_each_item_gives_the_rationale_and_the_evidence(journey):
    fb = journey["feedback_q_source"]
    assert "Right: 1 of 1 point." in fb
    assert "The source determines the cargo." in fb
    assert "Smith A, Jones B (2024). A verified paper. Journal of Tests. doi:10.1000/test.1" in fb
    assert "certainty-based mark +3" in fb
    assert "It shows sterility testing." in journey["feedback_q_checks"]


def test_a_closed_tab_resumes_on_the_same_question(journey):
    text = journey["resumed_mid_journey"]
    assert "For each finding, what do you do?" in text
    assert "questions answered: 2 of 4" in text


def test_all_right_answers_pass_with_the_table_by_objective(journey):
    results = journey["results"]
    assert f"Learner: {NAME}" in results
    assert "Passed: 100 % against a pass mark of 70 %." in results
    assert "By learning objective" in results and "Ask where a product comes from." in results
    assert "Knowledge gain" in results and "+100 percentage points" in results


def test_the_evaluation_is_saved_and_the_resume_link_brings_back_the_finished_results(journey):
    assert "Submit evaluation" not in journey["done"]
    assert "Passed: 100 %" in journey["resumed_done"]
    assert REFLECTION in journey["resumed_done"]


def _serious(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in violations if v.get("impact") in ("serious", "critical")]


def _report(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} — {v.get('helpUrl', '')}")
        for node in v["nodes"]:
            lines.append(f"    target {node['target']}: {node['html'][:160]}")
            summary = node.get("failureSummary", "").replace("\n", " ")
            lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_page_has_no_serious_accessibility_violations(journey, page_type):
    violations = journey["scans"][page_type]
    print(f"axe on the {page_type} page, all impacts:\n{_report(violations) or 'none'}")  # shown with -rA / -s
    serious = _serious(violations)
    assert not serious, f"axe found on the {page_type} page:\n{_report(serious)}"
