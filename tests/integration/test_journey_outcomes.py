"""Recording a pass or a fail, and reopening an outcome recorded in error."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from app.clock import LONDON
from app.models import Appeal, InductionPeriod
from tests.support.journeys import (
    add_period,
    confirm,
    counts,
    error_messages,
    last_event,
    outbox_for,
    parts,
    start,
    walk,
)
from tests.support.pages import check_page

TRN = "2200001"


@pytest.fixture
def teacher(add_teacher):
    return add_teacher(TRN, induction={"status": "InProgress", "startDate": "2024-09-02"})


@pytest.fixture
def ongoing(db, teacher, appropriate_body):
    return add_period(db, teacher, appropriate_body.id, "2024-09-02")


@pytest.mark.parametrize(("outcome", "status"), [("pass", "Passed"), ("fail", "Failed")])
def test_record_an_outcome_closes_the_ongoing_period(
    signed_in_as, ongoing, db, clock, outcome, status
):
    caseworker = signed_in_as("caseworker")
    assert caseworker.get(f"/teachers/{TRN}").find("a", string=f"Record a {outcome}")
    check = walk(
        caseworker,
        TRN,
        f"record-{outcome}",
        {"finished_on": parts("2026-10-30"), "number_of_terms": "6"},
    )
    rows = [
        dd.get_text(strip=True)
        for dd in caseworker.get(check).select("dd.govuk-summary-list__value")
    ]
    assert rows[0] == f"{outcome}ed".replace("passed", "Passed").replace("failed", "Failed")
    assert "30 October 2026" in rows
    done = confirm(caseworker, check).headers["Location"]
    assert caseworker.get(done).select_one(".govuk-panel__title").get_text(strip=True) == (
        f"Induction {'passed' if outcome == 'pass' else 'failed'}"
    )
    db.expire_all()
    period = db.get(InductionPeriod, ongoing.id)
    assert (period.finished_on, period.number_of_terms, period.outcome, period.outcome_on) == (
        date(2026, 10, 30),
        Decimal("6"),
        outcome,
        date(2026, 10, 30),
    )
    assert period.outcome_recorded_at == clock.now()
    event = last_event(db)
    assert (event.action, event.rule_id) == (f"record_{outcome}", "CPD-OUTCOME-ALLOWED")
    entry = outbox_for(db, event)
    assert (entry.status, entry.start_date, entry.completed_date) == (
        status,
        date(2024, 9, 2),
        date(2026, 10, 30),
    )


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"finished_on": parts("2026-11-03"), "number_of_terms": "6"}, {"finished_on": "End date must be today or in the past"}),
        ({"finished_on": parts("2024-08-30"), "number_of_terms": "6"}, {"finished_on": "End date must be the same as or after the start date"}),
        ({"finished_on": ["30", "10"], "number_of_terms": "6"}, {"finished_on": "End date must include a year"}),
        ({"finished_on": parts("2026-10-30")}, {"number_of_terms": "Enter the number of terms"}),
        ({"number_of_terms": "-1"}, {"finished_on": "Enter the end date", "number_of_terms": "Number of terms must be between 0 and 16"}),
        ({"finished_on": parts("2026-10-30"), "number_of_terms": "NaN"}, {"number_of_terms": "Number of terms must be a number, like 3 or 4.5"}),
        ({"finished_on": parts("2026-10-30"), "number_of_terms": "1e1"}, {"number_of_terms": "Number of terms must be a number, like 3 or 4.5"}),
    ],
)  # fmt: skip
def test_outcome_errors(signed_in_as, ongoing, db, data, errors):
    caseworker = signed_in_as("caseworker")
    page = caseworker.post_page(start(caseworker, TRN, "record-pass"), data)
    assert error_messages(page) == errors
    assert db.get(InductionPeriod, ongoing.id).outcome is None


def test_no_ongoing_period_or_an_outcome_already_forbids_recording_one(
    signed_in_as, teacher, appropriate_body, db
):
    finished = add_period(db, teacher, appropriate_body.id, "2024-09-02", "2025-07-18", "3")
    caseworker = signed_in_as("caseworker")
    page = caseworker.get(f"/teachers/{TRN}/record-fail", _expected_status=403)
    assert "There is no ongoing induction period to finish." in page.text
    assert not caseworker.get(f"/teachers/{TRN}").find("a", string="Record a fail")
    finished.outcome, finished.outcome_on = "pass", finished.finished_on
    finished.outcome_recorded_at = datetime(2026, 10, 1, tzinfo=LONDON)
    db.commit()
    page = caseworker.get(f"/teachers/{TRN}/record-pass", _expected_status=403)
    assert "This induction already has an outcome: a pass on 18 July 2025." in page.text


def test_the_confirm_post_asks_the_rules_again(signed_in_as, ongoing, db):
    caseworker = signed_in_as("caseworker")
    check = walk(
        caseworker, TRN, "record-fail", {"finished_on": parts("2026-10-30"), "number_of_terms": "6"}
    )
    ongoing.finished_on, ongoing.number_of_terms = date(2026, 10, 1), Decimal("5")
    db.commit()  # someone closed the period without bumping the version: the rules still refuse
    before = counts(db)
    page = check_page(confirm(caseworker, check, expected=403))
    assert "There is no ongoing induction period to finish." in page.text
    assert counts(db) == before
    assert db.get(InductionPeriod, ongoing.id).outcome is None


# -- reopening an outcome ----------------------------------------------------------------------


def _outcome(db, teacher, body, recorded: datetime, outcome: str = "pass") -> InductionPeriod:
    return add_period(db, teacher, body.id, "2024-09-02", "2026-07-17", "6", outcome, recorded)


IN_WINDOW = datetime(2026, 10, 20, 15, 0, tzinfo=LONDON)  # the window closes on 19 November 2026


def test_reopen_an_outcome_recorded_in_error(signed_in_as, teacher, appropriate_body, db):
    period = _outcome(db, teacher, appropriate_body, IN_WINDOW)
    caseworker = signed_in_as("caseworker")
    first = start(caseworker, TRN, "reopen-outcome")
    page = caseworker.get(first)
    assert page.h1.get_text(strip=True) == "Why was the outcome recorded in error?"
    assert "The outcome recorded is: Passed on 17 July 2026." in page.select_one("#note-hint").text
    check = walk(
        caseworker, TRN, "reopen-outcome", {"note": "  Recorded against the wrong teacher  "}
    )
    confirm(caseworker, check)
    db.expire_all()
    reopened = db.get(InductionPeriod, period.id)
    assert (reopened.outcome, reopened.outcome_on, reopened.outcome_recorded_at) == (
        None,
        None,
        None,
    )
    assert reopened.finished_on == date(2026, 7, 17)  # the period stays finished
    event = last_event(db)
    assert (event.rule_id, event.note) == (
        "CPD-REOPEN-ALLOWED",
        "Recorded against the wrong teacher",
    )
    entry = outbox_for(db, event)
    assert (entry.status, entry.start_date, entry.completed_date) == (
        "InProgress",
        date(2024, 9, 2),
        None,
    )


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("", "Enter why the outcome was recorded in error"),
        ("   ", "Enter why the outcome was recorded in error"),
        ("x" * 10_000, "Note must be 1,000 characters or fewer"),
    ],
)
def test_reopen_needs_a_note(signed_in_as, teacher, appropriate_body, db, note, message):
    period = _outcome(db, teacher, appropriate_body, IN_WINDOW)
    caseworker = signed_in_as("caseworker")
    page = caseworker.post_page(start(caseworker, TRN, "reopen-outcome"), {"note": note})
    assert error_messages(page) == {"note": message}
    assert db.get(InductionPeriod, period.id).outcome == "pass"


def test_after_the_window_reopening_needs_manual_handling(
    signed_in_as, teacher, appropriate_body, db
):
    period = _outcome(db, teacher, appropriate_body, IN_WINDOW)
    caseworker = signed_in_as("caseworker")
    check = walk(caseworker, TRN, "reopen-outcome", {"note": "Wrong teacher"})
    # As if the outcome had been recorded on 1 September: its window closed on 1 October.
    period.outcome_recorded_at = datetime(2026, 9, 1, 12, 0, tzinfo=LONDON)
    db.commit()
    page = check_page(confirm(caseworker, check, expected=403))
    assert "the correction window closed on 1 October 2026" in page.text
    assert counts(db)["events"] == 0

    record = caseworker.get(f"/teachers/{TRN}")
    assert not record.find("a", string="Reopen an outcome recorded in error")
    links = [a["href"] for a in record.select(".app-explained a")]
    assert f"/teachers/{TRN}/manual-handling/reopen_outcome" in links
    placeholder = caseworker.get(f"/teachers/{TRN}/manual-handling/reopen_outcome")
    assert "A senior caseworker other than you decides" in placeholder.text
    assert "CPD-OUTCOME-CORRECTION-WINDOW" in placeholder.text
    caseworker.get(f"/teachers/{TRN}/manual-handling/add_extension", _expected_status=404)
    signed_in_as("viewer").get(links[-1], _expected_status=403)


def test_an_appeal_forbids_reopening_a_fail(signed_in_as, teacher, appropriate_body, db, clock):
    period = _outcome(db, teacher, appropriate_body, IN_WINDOW, "fail")
    db.add(
        Appeal(
            teacher_id=teacher.id,
            induction_period_id=period.id,
            failed_on=period.outcome_on,
            lodged_on=date(2026, 10, 25),
            created_at=clock.now(),
        )
    )
    db.commit()
    page = signed_in_as("caseworker").get(f"/teachers/{TRN}/reopen-outcome", _expected_status=403)
    assert "Record the appeal's decision instead." in page.text


def test_reopen_with_no_outcome_is_forbidden(signed_in_as, ongoing, db):
    caseworker = signed_in_as("caseworker")
    page = caseworker.post(
        f"/teachers/{TRN}/reopen-outcome/check",
        {},
        _expected_status=302,
        _csrf_from=f"/teachers/{TRN}",
    )
    assert page.headers["Location"] == f"/teachers/{TRN}/reopen-outcome"  # no journey begun
    refused = caseworker.get(page.headers["Location"], _expected_status=403)
    assert "This induction has no outcome to reopen." in refused.text


def _varied_text(length: int) -> str:
    """Text that compresses badly and grows twelvefold as JSON: characters beyond the Basic
    Multilingual Plane, each a pair of \\u escapes (a session cookie's worst case)."""
    return "".join(chr(0x20000 + (i * 7919) % 40000) for i in range(length))


def test_an_answer_too_long_for_the_session_cookie_is_an_error_not_a_lost_answer(
    signed_in_as, teacher, appropriate_body, db
):
    _outcome(db, teacher, appropriate_body, IN_WINDOW)
    caseworker = signed_in_as("caseworker")
    first = start(caseworker, TRN, "reopen-outcome")
    page = caseworker.post_page(first, {"note": _varied_text(1000)})
    assert error_messages(page) == {
        "note": "This answer is too long to keep between pages: shorten it"
    }
    response = caseworker.post(first, {"note": _varied_text(300)})
    cookie = response.headers["Set-Cookie"]
    assert len(cookie) < 4093  # what browsers keep
    assert response.headers["Location"].endswith("/check")
