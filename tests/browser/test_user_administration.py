"""User administration in Chromium, with axe on every page: add a user, change a role, deactivate
and reactivate, each through its check page and confirmation."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_journeys import heading, patient_expectations  # noqa: F401 (autouse)
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser


def sign_in_as_admin(page: Page, live_server: str, email: str) -> None:
    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("textbox", name="Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    heading(page, "Users")


def test_add_a_user_then_change_their_role(page: Page, live_server, users, assert_accessible):
    sign_in_as_admin(page, live_server, users["admin"])
    expect(page.get_by_role("navigation", name="Menu")).to_contain_text("Users")
    assert_accessible(page)

    page.get_by_role("button", name="Add a user").click()
    heading(page, "What is their email address?")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter their email address")
    assert_accessible(page)
    page.get_by_label("What is their email address?").fill("new.caseworker@example.gov.uk")
    page.get_by_role("button", name="Continue").click()

    heading(page, "Which role should they have?")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select a role")
    assert_accessible(page)
    page.get_by_label("Caseworker", exact=True).check()
    page.get_by_role("button", name="Continue").click()

    heading(page, "Check the new user's details")
    assert_accessible(page)
    page.get_by_role("button", name="Add user").click()
    expect(page.locator(".govuk-panel__title")).to_have_text(
        "new.caseworker@example.gov.uk can now sign in as Caseworker"
    )
    assert_accessible(page)

    page.get_by_role("link", name="View this user").click()
    heading(page, "new.caseworker@example.gov.uk")
    assert_accessible(page)
    page.get_by_role("link", name="Change role").click()
    page.get_by_label("Senior caseworker").check()
    page.get_by_role("button", name="Continue").click()
    heading(page, "Check the change of role")
    assert_accessible(page)
    page.get_by_role("button", name="Change role").click()
    expect(page.locator(".govuk-panel__title")).to_have_text(
        "new.caseworker@example.gov.uk is now Senior caseworker"
    )
    page.get_by_role("link", name="Return to users").click()
    expect(page.locator(".govuk-list")).to_contain_text(
        "changed new.caseworker@example.gov.uk from Caseworker to Senior caseworker"
    )


def test_deactivate_and_reactivate_a_user(page: Page, live_server, users, assert_accessible):
    sign_in_as_admin(page, live_server, users["admin"])
    page.get_by_role("link", name=users["viewer"]).click()
    page.get_by_role("link", name="Deactivate this user").click()
    heading(page, "Deactivate this user")
    expect(page.locator(".govuk-warning-text")).to_contain_text("signed out everywhere")
    assert_accessible(page)
    page.get_by_role("button", name="Deactivate user").click()
    expect(page.locator(".govuk-panel__title")).to_have_text(f"{users['viewer']} is deactivated")
    page.get_by_role("link", name="View this user").click()
    page.get_by_role("link", name="Reactivate this user").click()
    heading(page, "Reactivate this user")
    assert_accessible(page)
    page.get_by_role("button", name="Reactivate user").click()
    expect(page.locator(".govuk-panel__title")).to_have_text(
        f"{users['viewer']} can sign in again as Viewer"
    )


def test_an_admins_own_page_offers_no_change(page: Page, live_server, users, assert_accessible):
    sign_in_as_admin(page, live_server, users["admin"])
    page.get_by_role("link", name=users["admin"]).click()
    expect(page.get_by_text("This is your own account")).to_be_visible()
    expect(page.get_by_role("link", name="Change role")).to_have_count(0)
    expect(page.get_by_role("link", name="Deactivate this user")).to_have_count(0)
    assert_accessible(page)
