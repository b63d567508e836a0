"""Every caseworker journey end to end in Chromium, with axe on every page (error states too).

The first test uses the keyboard only (Tab, Enter, Space, typing); the others click. Each test
walks several journeys on one teacher so the suite stays short.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from playwright.sync_api import Page, expect

from app.clock import LONDON
from tests.conftest import TEST_PASSWORD
from tests.support.journeys import add_period

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def patient_expectations():
    """These tests walk many pages, each checked by axe; on a busy machine a page can take longer
    than Playwright's default 5 seconds to appear. Wait up to 15, then put the default back."""
    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=5_000)


def sign_in(page: Page, live_server: str, email: str = "caseworker@example.gov.uk") -> None:
    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("textbox", name="Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a teacher")


def heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element `selector` has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def fill_date(page: Page, name: str, day: str = "", month: str = "", year: str = "") -> None:
    """Fill the parts of a date field given (by clicking into them, as a mouse user would)."""
    for part, value in (("day", day), ("month", month), ("year", year)):
        if value:
            page.locator(f"#{name}-{part}").fill(value)


def follow_date_error(page: Page, name: str) -> None:
    """The error summary links a date's problem to its day input, so following it moves the focus
    there (a link to the fieldset around the inputs would leave the focus where it was)."""
    page.locator(".govuk-error-summary").get_by_role("link").and_(
        page.locator(f"a[href='#{name}-day']")
    ).click()
    expect(page.locator(f"#{name}-day")).to_be_focused()


def type_date(page: Page, name: str, day: str, month: str, year: str) -> None:
    for part, value in (("day", day), ("month", month), ("year", year)):
        tab_to(page, f"#{name}-{part}")
        page.keyboard.type(value)


def test_add_a_period_with_the_keyboard_only(
    page: Page, live_server, users, add_teacher, appropriate_body, assert_accessible
):
    add_teacher(
        "2800001",
        first_name="Amara",
        last_name="Okafor",
        induction={"status": "RequiredToComplete"},
    )
    sign_in(page, live_server)
    page.goto(f"{live_server}/teachers/2800001")
    heading(page, "Amara Okafor")
    page.get_by_text("Why can't I do something else?").click()
    expect(page.locator(".app-explained")).to_contain_text("CPD-EDIT-NO-PERIODS")
    assert_accessible(page)

    tab_to(page, "a[href$='/add-induction-period']")
    page.keyboard.press("Enter")
    heading(page, "Which appropriate body is this induction period with?")
    assert_accessible(page)
    tab_to(page, "#appropriate_body_id")
    page.keyboard.type("Alpha")
    tab_to(page, "button#submit")
    page.keyboard.press("Enter")

    heading(page, "When is the induction period?")
    tab_to(page, "button#submit")
    page.keyboard.press("Space")  # nothing entered: the error summary takes the focus
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the start date")
    expect(page).to_have_title("Error: When is the induction period? – Induction Console – GOV.UK")
    assert_accessible(page)
    follow_date_error(page, "started_on")
    type_date(page, "started_on", "2", "9", "2024")
    tab_to(page, "button#submit")
    page.keyboard.press("Enter")

    heading(page, "Which training programme is the teacher on?")
    assert_accessible(page)
    tab_to(page, "input[value='provider_led']")
    page.keyboard.press("ArrowDown")  # arrows move between radios and select
    page.keyboard.press("Space")
    tab_to(page, "button#submit")
    page.keyboard.press("Enter")

    heading(page, "Check your answers")
    expect(page.locator(".govuk-summary-list")).to_contain_text("School-led")
    assert_accessible(page)
    tab_to(page, "form[action$='/check'] button")
    page.keyboard.press("Enter")

    expect(page.locator(".govuk-panel__title")).to_have_text("Induction period added")
    assert_accessible(page)
    tab_to(page, "a[href$='/timeline']")
    page.keyboard.press("Enter")
    expect(page.locator(".app-timeline__event h3").first).to_contain_text("Induction period added")
    assert_accessible(page)


def test_outcomes_extensions_and_periods(
    page: Page, live_server, users, add_teacher, appropriate_body, db, assert_accessible
):
    teacher = add_teacher(
        "2800002",
        first_name="Ben",
        last_name="Carter",
        induction={"status": "InProgress", "startDate": "2023-09-04"},
    )
    add_period(db, teacher, appropriate_body.id, "2023-09-04", "2024-07-19", "3")
    add_period(db, teacher, appropriate_body.id, "2024-09-02")
    sign_in(page, live_server)
    record = f"{live_server}/teachers/2800002"

    # An extension: add, change, delete.
    page.goto(record)
    page.get_by_role("link", name="Add an extension").click()
    page.get_by_label("How many terms is the extension?").fill("20")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#number_of_terms-error")).to_contain_text("between 0.1 and 16")
    assert_accessible(page)
    page.get_by_label("How many terms is the extension?").fill("1.5")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("Extension added")
    page.goto(record)
    page.get_by_role("link", name="Change an extension").click()
    heading(page, "Which extension do you want to change?")
    assert_accessible(page)
    page.get_by_label("1.5 terms, added on 2 November 2026").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("How many terms should the extension be?").fill("2")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("Extension changed")
    page.goto(record)
    page.get_by_role("link", name="Delete an extension").click()
    page.get_by_label("2 terms, added on 2 November 2026").check()
    page.get_by_role("button", name="Continue").click()
    heading(page, "Check your answers")
    assert_accessible(page)
    page.get_by_role("button", name="Delete extension").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("Extension deleted")

    # Change the first period, then delete it.
    page.goto(record)
    page.get_by_role("link", name="Change an induction period").click()
    page.get_by_label("Alpha Teaching School Hub, 4 September 2023 to 19 July 2024").check()
    page.get_by_role("button", name="Continue").click()
    heading(page, "Change the induction period")
    fill_date(page, "started_on", "40")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#started_on-error")).to_contain_text("Start date must be a real date")
    follow_date_error(page, "started_on")
    fill_date(page, "started_on", "4")
    fill_date(page, "finished_on", "5", "9")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#finished_on-error")).to_contain_text(
        "End date must not overlap another induction period"
    )
    assert_accessible(page)
    follow_date_error(page, "finished_on")
    fill_date(page, "finished_on", "22", "7")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-summary-list")).to_contain_text("22 July 2024 (was 19 July 2024)")
    assert_accessible(page)
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("Induction period changed")
    page.goto(record)
    page.get_by_role("link", name="Delete an induction period").click()
    page.get_by_label("Alpha Teaching School Hub, 4 September 2023 to 22 July 2024").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#note-error")).to_have_text(
        "Error: Enter a note or a support ticket number"
    )
    assert_accessible(page)
    page.get_by_label("Support ticket number").fill("123456")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Delete induction period").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("Induction period deleted")

    # Record a pass, then reopen it.
    page.goto(record)
    page.get_by_role("link", name="Record a pass").click()
    fill_date(page, "finished_on", "3", "11", "2026")
    page.get_by_label("Number of terms in this period").fill("6")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#finished_on-error")).to_contain_text(
        "End date must be today or in the past"
    )
    assert_accessible(page)
    follow_date_error(page, "finished_on")
    fill_date(page, "finished_on", "30", "10")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Record pass").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("Induction passed")
    assert_accessible(page)
    page.goto(record)
    page.get_by_role("link", name="Reopen an outcome recorded in error").click()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#note-error")).to_contain_text(
        "Enter why the outcome was recorded in error"
    )
    assert_accessible(page)
    page.get_by_label("Why was the outcome recorded in error?").fill(
        "Recorded against the wrong teacher"
    )
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Reopen outcome").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("Outcome reopened")

    page.goto(f"{record}/timeline")
    expect(page.locator(".app-timeline__event")).to_have_count(7)
    assert_accessible(page)


def test_correct_a_legacy_record_in_trs_and_a_refusal(
    page: Page,
    live_server,
    users,
    sandbox_admin,
    add_teacher,
    appropriate_body,
    db,
    assert_accessible,
):
    sandbox_admin.create_person(
        trn="2800003",
        firstName="Cerys",
        lastName="Jones",
        qtsDate="2015-07-01",
        induction={"status": "InProgress", "startDate": "2015-09-01"},
    )
    sign_in(page, live_server)
    page.goto(f"{live_server}/teachers/2800003")
    page.get_by_role("link", name="Correct the induction status in TRS").click()
    heading(page, "What should TRS record as the induction status?")
    assert_accessible(page)
    page.get_by_label("Passed").check()
    page.get_by_role("button", name="Continue").click()
    fill_date(page, "start_date", "1", "13", "2015")
    page.get_by_role("button", name="Continue").click()
    follow_date_error(page, "start_date")
    fill_date(page, "start_date", "1", "9", "2015")
    fill_date(page, "completed_date", "20", "7", "2022")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#completed_date-error")).to_contain_text("less than 7 years ago")
    assert_accessible(page)
    follow_date_error(page, "completed_date")
    fill_date(page, "completed_date", year="2017")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Why is the induction status being corrected?").fill("Certificate found")
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()
    sandbox_admin.faults(status=503, method="PUT", count=1)
    page.get_by_role("button", name="Send to TRS").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "TRS was read back and nothing has changed"
    )
    expect(page.locator(".govuk-summary-list")).to_contain_text("20 July 2017")
    assert_accessible(page)
    page.get_by_role("button", name="Send to TRS").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("Induction status corrected in TRS")
    assert sandbox_admin.person("2800003")["status"] == "Passed"

    # A record with an outcome whose window has closed: explained, with manual handling offered.
    teacher = add_teacher(
        "2800004",
        induction={"status": "Passed", "startDate": "2024-09-02", "completedDate": "2026-07-17"},
    )
    add_period(
        db,
        teacher,
        appropriate_body.id,
        "2024-09-02",
        "2026-07-17",
        "6",
        "pass",
        datetime(2026, 7, 20, tzinfo=LONDON),
    )
    page.goto(f"{live_server}/teachers/2800004")
    page.get_by_text("Why can't I do something else?").click()
    page.locator("a[href$='/manual-handling/reopen_outcome']").click()
    heading(page, "Request manual handling")
    assert_accessible(page)
    page.get_by_role("button", name="Send request").click()  # the journey's question and why
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter why the outcome was recorded in error"
    )
    assert_accessible(page)
    page.goto(f"{live_server}/teachers/2800004/reopen-outcome")
    heading(page, "You cannot do that")
    expect(page.locator("main")).to_contain_text("the correction window closed on 19 August 2026")
    assert_accessible(page)
