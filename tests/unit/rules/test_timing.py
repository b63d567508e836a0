"""When answers change: each window around its last day (the Christmas 2025 appeal window, a week of
bank holidays), the managed-by-CPD horizon, and the start dates that close a window in a range."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.rules import (
    APPEAL_DECISION,
    APPEAL_LODGING,
    MANAGED_BY_CPD,
    OUTCOME_CORRECTION,
    PeriodFacts,
    TeacherRecord,
    changes_for_role,
    closing_windows,
    decide,
    managed_horizon,
    next_changes,
    window_spans,
    working_days_ahead,
    working_days_left,
)
from tests.unit.rules.test_windows import QTS, failed_on, passed

DAY = timedelta(days=1)


def change_of(action: str, record: TeacherRecord, today: date, console: str = "cpd"):
    changes = [c for c in next_changes(console, record, today) if c.action == action]
    return changes[0] if changes else None


def test_the_christmas_2025_appeal_window_closes_on_14_january_2026() -> None:
    record = failed_on(date(2025, 12, 11))

    change = change_of("lodge_appeal", record, date(2025, 12, 11))

    assert (change.last_day, change.changes_on) == (date(2026, 1, 14), date(2026, 1, 15))
    assert change.window is APPEAL_LODGING
    assert (change.before.rule_id, change.after.rule_id) == (
        "CPD-APPEAL-LODGE-ALLOWED",
        "CPD-APPEAL-LODGING-WINDOW",
    )
    assert change.words.startswith(
        "Record that an appeal was lodged becomes manual handling after 14 January 2026 (20 working days"
    )
    # Judged on each side of the last day, the rules agree with the change.
    assert decide("cpd", "lodge_appeal", record, date(2026, 1, 14)).outcome == "allowed"
    assert decide("cpd", "lodge_appeal", record, date(2026, 1, 15)).outcome == "manual"
    # On the last day itself the change is still ahead; the day after, nothing is.
    assert change_of("lodge_appeal", record, date(2026, 1, 14)).changes_on == date(2026, 1, 15)
    assert change_of("lodge_appeal", record, date(2026, 1, 15)) is None


def test_a_bank_holiday_week_moves_the_last_day() -> None:
    """Fail on Thursday 17 April 2025: Good Friday, Easter Monday and the early May bank holiday
    are not working days, so the 20th working day is Tuesday 20 May 2025."""
    record = failed_on(date(2025, 4, 17))
    change = change_of("lodge_appeal", record, date(2025, 4, 17))
    assert change.last_day == date(2025, 5, 20)
    assert working_days_left(date(2025, 4, 17), date(2025, 4, 22)) == 1  # 18 and 21 are holidays
    assert working_days_ahead(date(2025, 4, 17), 1) == date(2025, 4, 22)


@pytest.mark.parametrize(
    ("record", "action", "window", "last_day"),
    [
        (passed(date(2026, 3, 3), date(2026, 2, 27)), "reopen_outcome", OUTCOME_CORRECTION, date(2026, 4, 2)),
        (passed(date(2026, 3, 3), date(2026, 2, 27)), "edit_induction_period", OUTCOME_CORRECTION, date(2026, 4, 2)),
        (failed_on(date(2025, 7, 1), appeal_lodged_on=date(2025, 7, 20)), "record_appeal_decision", APPEAL_DECISION, date(2026, 1, 16)),
    ],
)  # fmt: skip
def test_each_window_changes_its_answer_the_day_after_its_last_day(
    record, action, window, last_day
):
    change = change_of(action, record, last_day - 3 * DAY)
    assert (change.window, change.last_day) == (window, last_day)
    assert decide("cpd", action, record, last_day).outcome == "allowed"
    assert decide("cpd", action, record, last_day + DAY).outcome == "manual"
    assert change.after == decide("cpd", action, record, last_day + DAY)


def test_the_trs_console_may_change_a_passed_induction_once_cpd_stops_managing_it() -> None:
    record = passed(date(2019, 7, 22), date(2019, 7, 19))
    change = change_of("change_induction_status", record, date(2026, 7, 1), console="trs")
    assert (change.last_day, change.window) == (date(2026, 7, 18), MANAGED_BY_CPD)
    assert (change.before.rule_id, change.after.rule_id) == (
        "TRS-MANAGED-BY-CPD",
        "TRS-NOT-MANAGED-ALLOWED",
    )
    assert managed_horizon(record) == date(2026, 7, 19)


def test_the_teacher_page_shows_nothing_beyond_the_managed_by_cpd_horizon() -> None:
    """A legacy outcome completed nearly 7 years ago but recorded in CPD recently: its correction
    window runs past the day CPD stops managing it, so the page does not show that change."""
    record = passed(date(2026, 7, 10), date(2019, 7, 19))
    today = date(2026, 7, 12)
    assert change_of("reopen_outcome", record, today).changes_on == date(2026, 8, 10)
    assert changes_for_role("caseworker", record, today) == ()
    assert changes_for_role("caseworker", record, date(2026, 7, 20)) == ()

    recent = passed(date(2026, 3, 3), date(2026, 2, 27))
    shown = changes_for_role("caseworker", recent, date(2026, 3, 10))
    assert [(c.action, c.changes_on) for c in shown] == [
        ("edit_induction_period", date(2026, 4, 3)),
        ("reopen_outcome", date(2026, 4, 3)),
    ]
    assert changes_for_role("appeals_officer", recent, date(2026, 3, 10)) == ()
    assert changes_for_role("viewer", recent, date(2026, 3, 10)) == ()


def test_an_induction_in_progress_has_no_change_ahead() -> None:
    record = TeacherRecord(
        trs_status="InProgress", qts_date=QTS, periods=(PeriodFacts(date(2024, 9, 2)),)
    )
    assert next_changes("cpd", record, date(2026, 3, 10)) == ()
    assert next_changes("trs", record, date(2026, 3, 10)) == ()


def test_closing_windows_are_those_of_the_role_by_the_day_given() -> None:
    record = failed_on(date(2025, 12, 11))
    today = date(2026, 1, 5)
    officer = closing_windows("appeals_officer", record, today, date(2026, 1, 14))
    assert [(c.action, c.last_day) for c in officer] == [("lodge_appeal", date(2026, 1, 14))]
    assert closing_windows("appeals_officer", record, today, date(2026, 1, 13)) == ()
    # The correction window closed on 10 January 2026: nothing left for a caseworker after it.
    caseworker = closing_windows("caseworker", record, today, date(2026, 1, 14))
    assert {c.last_day for c in caseworker} == {date(2026, 1, 10)}
    assert closing_windows("caseworker", record, date(2026, 1, 11), date(2026, 1, 14)) == ()


@pytest.mark.parametrize(
    "window", [APPEAL_LODGING, APPEAL_DECISION, OUTCOME_CORRECTION, MANAGED_BY_CPD]
)
@pytest.mark.parametrize(("first", "last"), [
    (date(2025, 12, 22), date(2026, 1, 9)),  # Christmas and New Year
    (date(2025, 4, 14), date(2025, 4, 25)),  # Easter
    (date(2024, 2, 29), date(2024, 2, 29)),  # a leap day
])  # fmt: skip
def test_starts_closing_between_is_exactly_the_starts_whose_last_day_is_in_range(
    window, first, last
):
    low, high = window.starts_closing_between(first, last)
    span = {"years": 366 * window.length}.get(window.unit, 3 * window.length)
    around = [first - timedelta(days=span + 40) + timedelta(days=n) for n in range(span + 80)]
    expected = [s for s in around if first <= window.last_day(s) <= last]
    if window.unit == "years":
        assert (low, high) == (expected[0], expected[-1])
    else:
        assert [s for s in around if low <= s <= high] == expected


def test_window_spans_are_the_windows_the_record_has_started() -> None:
    record = failed_on(date(2025, 12, 11), appeal_lodged_on=date(2026, 1, 5))
    assert [(s.window.name, s.counted_from, s.last_day) for s in window_spans(record)] == [
        ("OUTCOME_CORRECTION", date(2025, 12, 11), date(2026, 1, 10)),
        ("APPEAL_LODGING", date(2025, 12, 11), date(2026, 1, 14)),
        ("MANAGED_BY_CPD", date(2025, 12, 11), date(2032, 12, 10)),
        ("APPEAL_DECISION", date(2026, 1, 5), date(2026, 7, 4)),
    ]
