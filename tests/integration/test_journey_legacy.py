"""Correcting a legacy record's induction status straight in TRS."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import Event, Teacher
from tests.support.journeys import (
    add_period,
    answer,
    confirm,
    counts,
    error_messages,
    parts,
    start,
    walk,
)
from tests.support.pages import check_page

TRN = "2400001"
CORRECT = "correct-trs-status"
WHY = {"reason": "The school sent the 2017 certificate", "support_ticket": "123456"}


@pytest.fixture
def legacy(sandbox_admin):
    """A teacher TRS knows and CPD has never held (a legacy record)."""
    sandbox_admin.create_person(
        trn=TRN,
        qtsDate="2015-07-01",
        induction={"status": "InProgress", "startDate": "2015-09-01"},
    )
    return TRN


def _events(db):
    db.expire_all()
    return db.scalars(select(Event)).all()


def test_correct_to_passed_goes_straight_to_trs(signed_in_as, legacy, sandbox_admin, db):
    caseworker = signed_in_as("caseworker")
    assert caseworker.get(f"/teachers/{TRN}").find(
        "a", string="Correct the induction status in TRS"
    )
    first = start(caseworker, TRN, CORRECT)
    hint = caseworker.get(first).select_one("#status-hint").get_text()
    assert "TRS records: In progress." in hint
    dates = answer(caseworker, first, {"status": "Passed"})
    assert dates.endswith("/dates")
    why = answer(
        caseworker,
        dates,
        {"start_date": parts("2015-09-01"), "completed_date": parts("2017-07-20")},
    )
    assert why.endswith("/reason")
    hint = caseworker.get(why).select_one("#support_ticket-hint").get_text()
    assert "6 digits, like 123456" in hint
    check = answer(caseworker, why, WHY)
    rows = [
        dd.get_text(strip=True)
        for dd in caseworker.get(check).select("dd.govuk-summary-list__value")
    ]
    assert rows == [
        "In progress",
        "Passed",
        "1 September 2015",
        "20 July 2017",
        "The school sent the 2017 certificate",
        "123456",
    ]
    done = confirm(caseworker, check).headers["Location"]
    assert "TRS accepted the new induction status" in caseworker.get(done).text

    person = sandbox_admin.person(TRN)
    assert (person["status"], person["startDate"], person["completedDate"]) == (
        "Passed",
        "2015-09-01",
        "2017-07-20",
    )
    (event,) = _events(db)
    assert (event.teacher_id, event.trn, event.rule_id) == (None, TRN, "CPD-LEGACY-ALLOWED")
    assert event.before == {
        "trs_induction": {
            "status": "InProgress",
            "start_date": "2015-09-01",
            "completed_date": None,
        }
    }
    assert event.after["trs_induction"]["status"] == "Passed"
    assert event.after["trs_result"] == "applied"
    assert event.note == "Support ticket 123456. The school sent the 2017 certificate"
    assert counts(db)["outbox"] == 0  # nothing for the worker: TRS already has it
    timeline = caseworker.get(f"/teachers/{TRN}/timeline")
    assert "Sent straight to TRS, which accepted it" in timeline.text
    assert "CPD-LEGACY-ALLOWED" in timeline.text


def test_required_to_complete_needs_no_dates(signed_in_as, legacy, sandbox_admin, db, add_teacher):
    caseworker = signed_in_as("caseworker")
    first = start(caseworker, TRN, CORRECT)
    dates = answer(caseworker, first, {"status": "Passed"})
    answer(
        caseworker,
        dates,
        {"start_date": parts("2015-09-01"), "completed_date": parts("2017-07-20")},
    )
    why = answer(caseworker, first, {"status": "RequiredToComplete"})  # changed their mind
    check = answer(caseworker, why, {"reason": "Wrongly recorded"})
    assert check.endswith("/check")
    confirm(caseworker, check)
    person = sandbox_admin.person(TRN)
    assert (person["status"], person["startDate"], person["completedDate"]) == (
        "RequiredToComplete",
        None,
        None,
    )
    assert sandbox_admin.cpd_requests(TRN)[-1]["body"]["status"] == "RequiredToComplete"


@pytest.mark.parametrize(
    ("dates", "errors"),
    [
        (
            {"start_date": parts("2021-09-01"), "completed_date": parts("2022-07-20")},
            {"completed_date": "The completed date, 20 July 2022, is less than 7 years ago (a legacy correction is possible from 20 July 2029). A recent induction must be recorded as induction periods so that CPD manages it."},
        ),
        (
            {"start_date": parts("2017-09-01"), "completed_date": parts("2016-07-20")},
            {"completed_date": "Induction completed date must be the same as or after the induction start date"},
        ),
        ({"start_date": parts("2017-09-01")}, {"completed_date": "Enter the induction completed date"}),
        ({"start_date": ["1", "13", "2017"], "completed_date": ["x"]}, {
            "start_date": "Induction start date must be a real date",
            "completed_date": "Induction completed date must include a month and year",
        }),
    ],
)  # fmt: skip
def test_legacy_date_errors(signed_in_as, legacy, db, dates, errors):
    caseworker = signed_in_as("caseworker")
    url = answer(caseworker, start(caseworker, TRN, CORRECT), {"status": "Failed"})
    assert error_messages(caseworker.post_page(url, dates)) == errors
    assert _events(db) == []


def test_only_legacy_statuses_are_offered(signed_in_as, legacy, db):
    caseworker = signed_in_as("caseworker")
    first = start(caseworker, TRN, CORRECT)
    for status in ("InProgress", "Exempt", "None", "x" * 10_000):
        page = caseworker.post_page(first, {"status": status})
        assert error_messages(page) == {"status": "Select the induction status"}


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (
            {"status": 500},
            "TRS had a problem (HTTP 500). TRS was read back and nothing has changed: try again",
        ),
        ({"status": 400}, "TRS did not accept the correction:"),
    ],
)
def test_when_trs_refuses_the_answers_are_kept_and_the_refusal_is_recorded(
    signed_in_as, legacy, sandbox_admin, db, fault, message
):
    caseworker = signed_in_as("caseworker")
    check = walk(caseworker, TRN, CORRECT, {"status": "RequiredToComplete"}, WHY)
    sandbox_admin.faults(method="PUT", count=1, **fault)
    page = check_page(confirm(caseworker, check, expected=200))
    assert page.title.get_text().startswith("Error: ")
    assert message in page.select_one(".govuk-error-summary").get_text(" ", strip=True)
    assert "Required to complete" in page.select_one(".govuk-summary-list").get_text()
    (refused,) = _events(db)  # the intent, kept with what happened to it
    assert refused.after["trs_result"] == "not_applied"
    assert refused.summary.startswith("Induction status correction not made: TRS refused it")
    assert sandbox_admin.person(TRN)["status"] == "InProgress"
    confirm(caseworker, check)  # trying again once TRS is back works: the token was not spent
    assert sandbox_admin.person(TRN)["status"] == "RequiredToComplete"
    assert [e.after["trs_result"] for e in _events(db)] == ["not_applied", "applied"]


def test_a_teacher_with_periods_is_not_a_legacy_record(
    signed_in_as, legacy, db, appropriate_body, clock
):
    caseworker = signed_in_as("caseworker")
    check = walk(caseworker, TRN, CORRECT, {"status": "RequiredToComplete"}, WHY)
    teacher = Teacher(trn=TRN, created_at=clock.now(), updated_at=clock.now())
    db.add(teacher)
    db.commit()
    add_period(db, teacher, appropriate_body.id, "2024-09-02")
    refused = check_page(confirm(caseworker, check, expected=403))
    assert "CPD holds induction periods for this teacher" in refused.text
    assert _events(db) == []
    assert caseworker.get(f"/teachers/{TRN}/{CORRECT}", _expected_status=403)
