"""The deadlines work list: each role's closing windows in order, the filter, the waiting requests,
the CSV, and the navigation count."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime

import pytest

from app.clock import LONDON
from app.models import Appeal, ManualRequest, TeacherSearchEntry
from app.services.deadlines import WAITING_SHOWN
from tests.support.journeys import add_period

MONDAY = date(2026, 1, 12)
CHRISTMAS_FAIL = "2700001"  # failed 11 December 2025: appeal lodging closes 14 January 2026
LATER_FAIL = "2700002"  # failed 5 January 2026: lodging closes after ten working days
RECENT_PASS = "2700003"  # recorded 20 December 2025: correction closes 19 January 2026
OPEN_APPEAL = "2700004"  # lodged 20 July 2025: decision window closes 16 January 2026


@pytest.fixture
def deadlines(app, db, add_teacher, appropriate_body, clock):
    clock.set(MONDAY)

    def teacher(trn: str, name: str):
        added = add_teacher(trn)
        db.add(TeacherSearchEntry(teacher_id=added.id, display_name=name,
                                  search_name=name.lower(), read_from_trs_at=clock.now()))  # fmt: skip
        return added

    def fail(trn: str, name: str, on: str):
        added = teacher(trn, name)
        day = date.fromisoformat(on)
        period = add_period(db, added, appropriate_body.id, "2023-09-04", on, "6", outcome="fail",
                            recorded_at=datetime(day.year, day.month, day.day, 15, tzinfo=LONDON))  # fmt: skip
        return added, period

    fail(CHRISTMAS_FAIL, "Carol Winter", "2025-12-11")
    fail(LATER_FAIL, "Jan Later", "2026-01-05")
    passed = teacher(RECENT_PASS, "Pat Passed")
    add_period(db, passed, appropriate_body.id, "2023-09-04", "2025-12-19", "6", outcome="pass",
               recorded_at=datetime(2025, 12, 20, 9, tzinfo=LONDON))  # fmt: skip
    appealed, period = fail(OPEN_APPEAL, "Abel Appeal", "2025-07-01")
    db.add(Appeal(teacher_id=appealed.id, induction_period_id=period.id, failed_on=date(2025, 7, 1),
                  lodged_on=date(2025, 7, 20), created_at=clock.now()))  # fmt: skip
    db.add(ManualRequest(teacher_id=passed.id, trn=RECENT_PASS, kind="drift", state="open",
                         reason="TRS shows Failed", requested_at=datetime(2026, 1, 2, 9, tzinfo=LONDON)))  # fmt: skip
    db.commit()


def _rows(page, table_id: str) -> list[list[str]]:
    return [
        [" ".join(cell.get_text(" ", strip=True).split()) for cell in row.select("td, th")]
        for row in page.select(f"#{table_id} tbody tr")
    ]


def test_an_appeals_officer_sees_the_appeal_windows_closing_soonest_first(signed_in_as, deadlines):
    page = signed_in_as("appeals_officer").get("/deadlines")

    rows = _rows(page, "closing-windows")
    assert [row[0] for row in rows] == [
        f"Carol Winter TRN {CHRISTMAS_FAIL}",
        f"Abel Appeal TRN {OPEN_APPEAL}",
    ]
    assert rows[0][1:] == [
        "Appeal lodging window Record that an appeal was lodged",
        "14 January 2026",
        "2",
        "CPD-APPEAL-LODGING-WINDOW",
    ]
    assert rows[1][1:] == [
        "Appeal decision window Record an appeal decision",
        "16 January 2026",
        "4",
        "CPD-APPEAL-DECISION-WINDOW",
    ]
    assert page.select_one(f'#closing-windows a[href="/teachers/{CHRISTMAS_FAIL}"]')
    assert "26 January 2026" in page.select_one("#closing-heading").get_text()
    assert page.select_one("#waiting-requests") is None  # not the appeals officers' work


def test_a_fail_is_judged_by_the_appeals_against_its_own_period(
    signed_in_as, deadlines, db, add_teacher, appropriate_body, clock
):
    """A teacher with several periods is one row; an appeal against an earlier fail (set aside by
    the panel) does not count as an appeal against the fail now standing."""
    added = add_teacher("2700005")
    db.add(TeacherSearchEntry(teacher_id=added.id, display_name="Ivy Again",
                              search_name="ivy again", read_from_trs_at=clock.now()))  # fmt: skip
    earlier = add_period(db, added, appropriate_body.id, "2023-09-04", "2024-07-19", "3")
    db.add(Appeal(teacher_id=added.id, induction_period_id=earlier.id, failed_on=date(2024, 7, 19),
                  lodged_on=date(2024, 8, 1), decision="extended", decided_on=date(2024, 8, 20),
                  extension_terms=1, created_at=clock.now()))  # fmt: skip
    add_period(db, added, appropriate_body.id, "2024-09-02", "2025-12-11", "3", outcome="fail",
               recorded_at=datetime(2025, 12, 11, 15, tzinfo=LONDON))  # fmt: skip
    db.commit()

    rows = _rows(signed_in_as("appeals_officer").get("/deadlines"), "closing-windows")
    assert [row[0] for row in rows] == [
        f"Carol Winter TRN {CHRISTMAS_FAIL}",
        "Ivy Again TRN 2700005",
        f"Abel Appeal TRN {OPEN_APPEAL}",
    ]
    assert rows[1][1:3] == [
        "Appeal lodging window Record that an appeal was lodged",
        "14 January 2026",
    ]


def test_a_caseworker_sees_corrections_and_the_requests_waiting_longest(signed_in_as, deadlines):
    page = signed_in_as("caseworker").get("/deadlines")

    rows = _rows(page, "closing-windows")
    assert rows == [[
        f"Pat Passed TRN {RECENT_PASS}",
        "Outcome correction window Change an induction period; Reopen an outcome recorded in error",
        "19 January 2026",
        "5",
        "CPD-EDIT-OUTCOME-CORRECTION-WINDOW CPD-OUTCOME-CORRECTION-WINDOW",
    ]]  # fmt: skip
    waiting = _rows(page, "waiting-requests")
    assert waiting[0][0] == f"Pat Passed TRN {RECENT_PASS}"
    assert waiting[0][2:] == ["2 January 2026", "10"]


def test_more_requests_waiting_than_shown_are_counted(signed_in_as, deadlines, db, add_teacher):
    for day in range(1, 25):  # 24 more teachers' drift: 25 open, the 20 oldest shown
        trn = str(2710000 + day)
        teacher = add_teacher(trn, in_trs=False)
        db.add(ManualRequest(teacher_id=teacher.id, trn=trn, kind="drift", state="open",
                             reason="TRS shows Failed", requested_at=datetime(2025, 12, day, 9, tzinfo=LONDON)))  # fmt: skip
    db.commit()

    page = signed_in_as("caseworker").get("/deadlines")

    waiting = _rows(page, "waiting-requests")
    assert len(waiting) == WAITING_SHOWN
    assert waiting[0][0] == "TRN 2710001"
    assert f"Showing the {WAITING_SHOWN} oldest of 25." in page.get_text(" ", strip=True)


def test_the_filter_looks_further_ahead_and_refuses_a_bad_number(signed_in_as, deadlines):
    officer = signed_in_as("appeals_officer")
    further = _rows(officer.get("/deadlines?days=20"), "closing-windows")
    assert [row[0].split(" TRN ")[1] for row in further] == [
        CHRISTMAS_FAIL,
        OPEN_APPEAL,
        LATER_FAIL,
    ]

    for bad in ("0", "61", "ten", "", "1.5"):
        page = officer.get(f"/deadlines?days={bad}", _expected_status=400)
        assert (
            "Enter a whole number of working days from 1 to 60"
            in page.select_one(".govuk-error-summary").get_text()
        )
        assert page.select_one("#closing-windows") is None
    assert officer.get_response("/deadlines.csv?days=0").status_code == 400


def test_the_navigation_counts_the_list_for_the_role(signed_in_as, deadlines):
    officer = signed_in_as("appeals_officer").get("/teachers")
    link = officer.select_one('.govuk-service-navigation a[href="/deadlines"]')
    assert " ".join(link.get_text(" ", strip=True).split()) == "Deadlines (2 closing soon)"
    caseworker = signed_in_as("caseworker").get("/teachers")
    link = caseworker.select_one('.govuk-service-navigation a[href="/deadlines"]')
    assert (
        " ".join(link.get_text(" ", strip=True).split()) == "Deadlines (2 closing soon)"
    )  # a correction, a drift
    viewer = signed_in_as("viewer").get("/teachers")
    assert viewer.select_one('.govuk-service-navigation a[href="/deadlines"]') is None


def test_viewers_may_not_open_the_list(signed_in_as, deadlines):
    viewer = signed_in_as("viewer")
    viewer.get("/deadlines", _expected_status=403)
    viewer.get("/deadlines.csv", _expected_status=403)


def test_the_csv_holds_the_same_rows(signed_in_as, deadlines, db):
    caseworker = signed_in_as("caseworker")
    response = caseworker.client.get("/deadlines.csv?days=10")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert (
        'filename="deadlines-2026-01-12-10-working-days.csv"'
        in response.headers["Content-Disposition"]
    )
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["trn"], r["name"], r["last_day"], r["working_days_left"], r["rule_id"]) for r in rows[:1]] == [
        (RECENT_PASS, "Pat Passed", "2026-01-19", "5", "CPD-EDIT-OUTCOME-CORRECTION-WINDOW CPD-OUTCOME-CORRECTION-WINDOW")
    ]  # fmt: skip
    assert (rows[1]["what"], rows[1]["waiting_since"], rows[1]["days_waiting"]) == (
        "CPD and TRS disagree (drift)", "2026-01-02", "10"
    )  # fmt: skip


def test_a_name_cannot_become_a_spreadsheet_formula(signed_in_as, deadlines, db):
    entry = db.query(TeacherSearchEntry).filter_by(display_name="Pat Passed").one()
    entry.display_name = "=HYPERLINK(1)"
    db.commit()
    response = signed_in_as("caseworker").client.get("/deadlines.csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0]["name"] == "'=HYPERLINK(1)"


def test_the_count_is_kept_a_minute_but_the_list_page_is_always_fresh(
    signed_in_as, deadlines, db, add_teacher, appropriate_body
):
    officer = signed_in_as("appeals_officer")
    assert _navigation_count(officer.get("/teachers")) == "2"
    late = add_teacher("2700005")
    add_period(db, late, appropriate_body.id, "2023-09-04", "2025-12-12", "6", outcome="fail",
               recorded_at=datetime(2025, 12, 12, 15, tzinfo=LONDON))  # fmt: skip
    assert _navigation_count(officer.get("/teachers")) == "2"  # kept
    page = officer.get("/deadlines")
    assert len(page.select("#closing-windows tbody tr")) == 3
    assert _navigation_count(page) == "3"


def _navigation_count(page) -> str:
    """How many the navigation says are closing soon ("0" when it says nothing)."""
    text = page.select_one('.govuk-service-navigation a[href="/deadlines"]').get_text(
        " ", strip=True
    )
    found = re.fullmatch(r"Deadlines \((\d+) closing soon\)", text)
    assert found or text == "Deadlines", text
    return found[1] if found else "0"
