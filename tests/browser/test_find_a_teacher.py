"""A caseworker signs in, searches and opens a teacher, in a real browser; axe checks each page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser


def test_sign_in_search_and_open_a_teacher(
    page: Page, live_server, users, add_teacher, assert_accessible
):
    add_teacher(
        "1234567",
        first_name="Amara",
        last_name="Okafor",
        induction={"status": "RequiredToComplete"},
    )
    page.goto(f"{live_server}/teachers")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert_accessible(page)

    page.get_by_label("Email address").fill("caseworker@example.gov.uk")
    page.get_by_role("textbox", name="Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter a correct email address and password"
    )
    expect(page).to_have_title("Error: Sign in – Induction Console – GOV.UK")
    assert_accessible(page)

    page.get_by_role("textbox", name="Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a teacher")
    assert_accessible(page)

    page.get_by_label("Search by TRN or name").fill("1234567")
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Amara Okafor")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Amara Okafor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Amara Okafor")
    expect(page.locator(".govuk-summary-card").first).to_contain_text("Required to complete")
    assert_accessible(page)

    page.goto(f"{live_server}/teachers?q=")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
