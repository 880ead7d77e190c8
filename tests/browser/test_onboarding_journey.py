"""A clinic in Chromium: a manager imports a roster and assigns the module; a nurse completes it through her
personal link; the dashboard shows her passed with an expiry date; the evidence pack downloads and names her."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from cpd import attempts
from cpd.accounts import directory
from cpd.certificates.service import lookup
from cpd.content.loader import load_module
from cpd.storage.db import open_store
from cpd.storage.tables import Assignment, Certificate, StaffMember

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import Page, expect
except ImportError:  # pragma: no cover
    pytest.skip("playwright not installed: pip install -e '.[test]'", allow_module_level=True)

ROOT = Path(__file__).resolve().parent.parent.parent
PASSWORD = "correct horse battery staple"
EMAIL = "manager@clinic-journey.example"
ROSTER = ("name,email,role,start date,registration number\r\n"
          "Zoë Ångström,zoe@clinic-journey.example,Nurse,2026-11-20,NMC 12A3456B\r\n"
          "Ahmed Khan,ahmed@clinic-journey.example,Receptionist,2026-11-25,\r\n").encode()


def wait_for_app(page: Page) -> None:
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
    expect(page.locator("[data-testid='stSkeleton']")).to_have_count(0)


def main(page: Page):
    return page.locator("[data-testid='stMain']")


@pytest.fixture(scope="module")
def store(app_url, app_data_dir):
    store = open_store(f"sqlite:///{app_data_dir / 'cpd.sqlite3'}")
    directory.create_organisation(store, "Journey Clinic", "clinic-journey")
    directory.create_account(store, EMAIL, role="manager", org_slug="clinic-journey", password=PASSWORD)
    yield store
    store.kw["bind"].dispose()


def personal_link(smtp, to: str) -> str:
    """The link as the nurse receives it: from the e-mail the app's outbox worker delivered."""
    mail = smtp.wait_for_message(to, containing="?assignment=")
    return re.search(r"(http\S+\?assignment=[\w-]+)", mail.get_body(preferencelist=("plain",)).get_content()).group(1)


def test_roster_to_certificate_to_evidence_pack(browser, app_url, app_smtp, store):
    from pypdf import PdfReader

    manager = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    manager.set_default_timeout(20_000)
    page = manager.new_page()
    page.goto(f"{app_url}/auth/sign-in?next=/onboarding-roster")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{app_url}/onboarding-roster")
    wait_for_app(page)

    # 1. import the roster: preview, then the import button
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
        files=[{"name": "staff.csv", "mimeType": "text/csv", "buffer": ROSTER}])
    wait_for_app(page)
    page.get_by_role("button", name="Import 2 people").click()
    expect(main(page).get_by_text("Imported 2 people.")).to_be_visible()

    # 2. assign the module to the nurses
    page.goto(f"{app_url}/onboarding-assignments")
    wait_for_app(page)
    page.get_by_role("combobox", name="Everyone with the role").click()
    page.get_by_role("option", name="Nurse", exact=True).click()
    page.get_by_role("button", name="Assign and e-mail personal links").click()
    expect(main(page).get_by_text("Assigned to 1 new people")).to_be_visible()

    # 3. the nurse opens her personal link (no account, no password): her own attempt
    link = personal_link(app_smtp, "zoe@clinic-journey.example")
    nurse = browser.new_context(viewport={"width": 400, "height": 850}, locale="en-GB")  # a phone
    nurse.set_default_timeout(20_000)
    npage = nurse.new_page()
    npage.goto(link)
    wait_for_app(npage)
    expect(main(npage).get_by_role("heading", name="Mini module for tests")).to_be_visible()
    expect(npage.get_by_label("E-mail")).to_have_count(0)  # nothing to type about herself
    npage.get_by_role("button", name="Skip the pre-test").click()
    wait_for_app(npage)
    npage.get_by_role("radiogroup", name="Your answer", exact=True).locator("[data-testid='stRadioOption']").filter(
        has_text=re.compile("^Where the cells came from$")).click()
    npage.get_by_role("radiogroup").nth(1).locator("[data-testid='stRadioOption']").filter(
        has_text=re.compile(r"^Very sure \(3\)$")).click()
    npage.get_by_role("button", name="Submit answer").click()
    expect(main(npage).get_by_role("button", name="Continue")).to_be_visible()

    # the rest of the answers through the engine (the helper the issue allows), then the page shows the result
    mini = load_module([ROOT / "tests" / "fixtures" / "content"], "mini")
    with store() as s:
        attempt_id = s.scalar(select(Assignment.attempt_id).join(StaffMember, StaffMember.id == Assignment.staff_id)
                              .where(StaffMember.email == "zoe@clinic-journey.example"))  # the app is shared
    import sys

    sys.path.insert(0, str(ROOT / "tests"))
    from mini_answers import RIGHT, answer_phase

    state = answer_phase(store, mini, attempts.load_state(store, attempt_id), RIGHT)
    attempts.submit_evaluation(store, attempt_id, relevance=5, balance=5, intended_change="Check the CoA.",
                               reflection="Useful.")
    npage.goto(link)  # the same personal link brings her back to her finished attempt
    wait_for_app(npage)
    expect(main(npage).get_by_text("Your certificate").first).to_be_visible()
    assert state.passed

    # 4. the dashboard: passed, with the certificate's expiry date
    page.goto(f"{app_url}/onboarding-dashboard")
    wait_for_app(page)
    row = main(page).locator("table tr").filter(has_text="Zoë Ångström")
    expect(row).to_contain_text("passed")
    valid_until = date.today().replace(year=date.today().year + 2)  # mini: 24 months
    expect(row).to_contain_text(valid_until.isoformat())
    expect(main(page).locator("table tr").filter(has_text="Ahmed Khan")).to_have_count(0)  # not assigned

    # 5. the evidence pack downloads and names her, her certificate and the audit check
    page.goto(f"{app_url}/onboarding-evidence")
    wait_for_app(page)
    page.get_by_role("button", name="Build the evidence pack").click()
    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile("^Download the evidence pack")).click()
    pdf = Path(download.value.path()).read_bytes()
    text = " ".join(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Zoë Ångström" in text and "passed" in text and valid_until.isoformat() in text
    assert "Hash-chain check of the organisation's audit log: OK" in text
    with store() as s:
        cert_id = s.scalar(select(Certificate.id).where(Certificate.attempt_id == attempt_id))
    assert cert_id in text.replace(" ", "") and lookup(store(), cert_id).status == "valid"  # verifies publicly
    nurse.close()
    manager.close()
