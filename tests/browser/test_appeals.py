"""Appeals and manual handling in Chromium, with axe on every page: each test walks several pages
on one teacher so the suite stays short."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_journeys import (  # noqa: F401 (an autouse fixture)
    fill_date,
    follow_date_error,
    heading,
    patient_expectations,
    sign_in,
)
from tests.support.appeals import FAILED_IN_TRS, add_fail

pytestmark = pytest.mark.browser

TRN = "2900001"


@pytest.fixture
def failed(add_teacher, db, appropriate_body):
    teacher = add_teacher(
        TRN,
        first_name="Femi",
        last_name="Adeyemi",
        qts_date="2024-07-01",
        induction=FAILED_IN_TRS,
    )
    add_fail(db, teacher, appropriate_body)
    return teacher


def test_lodge_an_appeal_and_record_an_extension(
    page: Page, live_server, users, failed, assert_accessible
):
    sign_in(page, live_server, users["appeals_officer"])
    page.goto(f"{live_server}/teachers/{TRN}")
    heading(page, "Femi Adeyemi")
    expect(page.get_by_text("Appeals must be received by")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Lodge an appeal").click()
    heading(page, "Lodge an appeal against the fail")
    expect(
        page.get_by_text("Appeals must be received by Tuesday 24 November 2026.")
    ).to_be_visible()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the date the appeal was received"
    )
    assert_accessible(page)
    follow_date_error(page, "lodged_on")
    fill_date(page, "lodged_on", "28", "10", "2026")
    page.get_by_role("button", name="Continue").click()
    heading(page, "Check your answers")
    assert_accessible(page)
    page.get_by_role("button", name="Lodge appeal").click()
    heading(page, "Appeal lodged")
    assert_accessible(page)

    page.goto(f"{live_server}/appeals")
    heading(page, "Appeals")
    expect(page.locator("#open-appeals")).to_contain_text(f"TRN {TRN}")
    assert_accessible(page)
    page.get_by_role("link", name="Femi Adeyemi").click()  # the name beside the TRN
    page.get_by_role("link", name="Record an appeal decision").click()
    heading(page, "Record the appeal decision")
    page.get_by_label("Extended: the fail is set aside and induction continues").check()
    page.get_by_role("button", name="Continue").click()
    follow_date_error(page, "decided_on")
    fill_date(page, "decided_on", "2", "11", "2026")
    page.get_by_role("button", name="Continue").click()
    heading(page, "How many terms did the panel extend the induction by?")
    assert_accessible(page)
    page.get_by_label("How many terms did the panel extend the induction by?").fill("2")
    page.get_by_role("button", name="Continue").click()
    heading(page, "Check your answers")
    expect(page.locator(".govuk-summary-list")).to_contain_text("2 terms")
    page.get_by_role("button", name="Record decision").click()
    heading(page, "Appeal decision recorded")
    assert_accessible(page)


def test_raise_a_late_appeal_then_approve_it_and_reject_another(
    page: Page, live_server, users, failed, clock, assert_accessible
):
    clock.set(date(2026, 11, 26))  # the lodging window closed on 24 November
    sign_in(page, live_server, users["appeals_officer"])
    page.goto(f"{live_server}/teachers/{TRN}")
    page.get_by_text("Why can't I do something else?").click()
    page.get_by_role("link", name="Request manual handling").first.click()
    heading(page, "Request manual handling")
    expect(page.locator(".govuk-error-summary")).to_have_count(0)  # nothing sent yet
    assert_accessible(page)
    page.get_by_role("button", name="Send request").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter why this change is needed outside its time window"
    )
    assert_accessible(page)
    follow_date_error(page, "lodged_on")
    for reason in ("Posted in time, arrived late", "Second notice, same appeal"):
        page.goto(f"{live_server}/teachers/{TRN}/manual-handling/lodge_appeal")
        fill_date(page, "lodged_on", "25", "11", "2026")
        page.get_by_label("Why is this change needed outside its time window?").fill(reason)
        page.get_by_role("button", name="Send request").click()
        expect(page.locator(".govuk-panel__title")).to_have_text("Manual-handling request sent")
    assert_accessible(page)
    page.get_by_role("link", name="Your manual-handling requests").click()
    heading(page, "Your manual-handling requests")
    expect(page.locator("#your-requests tbody tr")).to_have_count(2)
    assert_accessible(page)

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, users["senior_caseworker"])
    page.goto(f"{live_server}/manual-requests")
    heading(page, "Manual-handling requests")
    expect(page.locator("#requests tbody tr")).to_have_count(2)
    assert_accessible(page)
    page.get_by_role("link", name="Request 1").click()
    heading(page, "Manual-handling request 1")
    assert_accessible(page)
    page.get_by_role("button", name="Save decision").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select approve or reject")
    assert_accessible(page)
    page.get_by_label("Approve: make the change as requested").check()
    page.get_by_label("Justification or reason").fill(
        "The post office receipt shows it was sent in time"
    )
    page.get_by_role("button", name="Save decision").click()
    expect(page.locator(".govuk-summary-list").first).to_contain_text("Approved")
    expect(page.locator("#requested-change")).to_contain_text("Change made")
    assert_accessible(page)

    page.goto(f"{live_server}/manual-requests/2")
    expect(page.get_by_text("The record has changed since this request was raised")).to_be_visible()
    page.get_by_label("Reject the request").check()
    page.get_by_label("Justification or reason").fill("The appeal was lodged by request 1")
    page.get_by_role("button", name="Save decision").click()
    expect(page.locator(".govuk-summary-list").first).to_contain_text("Rejected")
    assert_accessible(page)

    page.goto(f"{live_server}/manual-requests")
    expect(page.get_by_label("State")).to_have_value("open")
    expect(page.locator("#no-requests")).to_have_text("There are no open requests.")
    page.get_by_label("State").select_option("rejected")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#requests tbody tr")).to_have_count(1)
    assert_accessible(page)
