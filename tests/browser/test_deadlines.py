"""The deadlines list, the preview of another day and the picture of the induction in Chromium,
with axe on each page; and that the page's CSP lets the picture draw (no inline styles)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_journeys import (  # noqa: F401 (an autouse fixture)
    heading,
    patient_expectations,
    sign_in,
)
from tests.support.appeals import FAILED_IN_TRS, add_fail

pytestmark = pytest.mark.browser

TRN = "2910001"


@pytest.fixture
def failed(add_teacher, db, appropriate_body, clock):
    teacher = add_teacher(
        TRN, first_name="Ola", last_name="Nwosu", qts_date="2024-07-01", induction=FAILED_IN_TRS
    )
    add_fail(db, teacher, appropriate_body)
    return teacher


def test_the_deadlines_list_and_its_filter(
    page: Page, live_server, users, failed, assert_accessible
):
    sign_in(page, live_server, users["appeals_officer"])
    navigation = page.get_by_role("link", name="Deadlines")
    expect(navigation).to_have_text(
        "Deadlines"
    )  # nothing counted: the lodging window closes in 16 working days
    navigation.click()
    heading(page, "Deadlines")
    expect(
        page.get_by_text("No window for your actions closes in the next 10 working days.")
    ).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Working days ahead").fill("sixteen")
    page.get_by_role("button", name="Show deadlines").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter a whole number of working days"
    )
    assert_accessible(page)

    page.get_by_label("Working days ahead").fill("20")
    page.get_by_role("button", name="Show deadlines").click()
    row = page.locator("#closing-windows tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(TRN)  # no name yet: the console has not read this teacher from TRS
    expect(row).to_contain_text("24 November 2026")
    expect(row).to_contain_text("CPD-APPEAL-LODGING-WINDOW")
    assert_accessible(page)
    row.get_by_role("link", name=f"TRN {TRN}").click()
    heading(page, "Ola Nwosu")


def test_the_picture_and_the_preview(page: Page, live_server, users, failed, assert_accessible):
    blocked = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    sign_in(page, live_server, users["caseworker"])
    page.goto(f"{live_server}/teachers/{TRN}")
    heading(page, "Ola Nwosu")
    picture = page.locator("svg.app-picture__svg")
    expect(picture).to_be_visible()
    # The bars take their colour from the stylesheet, so the CSP did not stop the styles.
    assert (
        picture.locator("rect.app-picture__bar--period").evaluate("e => getComputedStyle(e).fill")
        == "rgb(29, 112, 184)"
    )
    expect(page.get_by_role("heading", name="What changes next")).to_be_visible()
    page.get_by_text("The picture in words").click()
    expect(page.locator("#picture-in-words")).to_contain_text("Today: 2 November 2026")
    assert_accessible(page)

    page.goto(f"{live_server}/teachers/{TRN}?on=2026-11-26")
    heading(page, "Ola Nwosu on 26 November 2026 (preview)")
    expect(page.locator("#preview-banner")).to_contain_text("Nothing can be changed from this page")
    expect(page.locator("main form")).to_have_count(0)
    expect(page.locator("#preview-actions")).to_contain_text("CPD-OUTCOME-CORRECTION-WINDOW")
    expect(page.locator("svg .app-picture__mark--preview")).to_have_count(1)
    assert_accessible(page)
    assert blocked == []
