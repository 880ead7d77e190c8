"""Keyboard: after picking a profession, Tab goes to the next field and a typed space lands in it.

A select's clear button that takes focus would swallow the space (and clear the choice) before the
learner reaches the registration number: the issue's "hidden control that swallows a typed space".
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from test_journey import wait_for_app

pytestmark = pytest.mark.browser


def test_tab_from_the_profession_goes_to_the_registration_number_and_spaces_are_typed(page: Page, app_url: str):
    page.goto(app_url)
    page.get_by_role("button", name="Start the module").wait_for()
    wait_for_app(page)
    profession = page.get_by_role("combobox", name="Profession", exact=True)
    profession.focus()
    page.keyboard.type("Nurse")
    expect(page.get_by_role("option", name="Nurse / nurse prescriber", exact=True)).to_be_visible()
    page.keyboard.press("Enter")
    expect(profession).to_have_value("Nurse / nurse prescriber")
    page.keyboard.press("Tab")
    page.keyboard.type("NMC 12A 3456")
    registration = page.get_by_label("Professional registration number (optional)", exact=True)
    expect(registration).to_have_value("NMC 12A 3456")
    expect(profession).to_have_value("Nurse / nurse prescriber")
