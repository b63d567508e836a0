"""Each window at its boundary (last day inside, next day outside), and working
days across a weekend, Christmas, and the one-off bank holidays of 2022 and 2023."""

from __future__ import annotations

from datetime import date

import pytest

from app.rules import (
    APPEAL_DECISION,
    APPEAL_LODGING,
    MANAGED_BY_CPD,
    OUTCOME_CORRECTION,
    PeriodFacts,
    TeacherRecord,
    decide,
    is_working_day,
    managed_by_cpd,
)
from app.rules.windows import bank_holidays

QTS = date(2015, 7, 1)


def failed_on(day: date, **appeal: object) -> TeacherRecord:
    return TeacherRecord(
        trs_status="Failed",
        qts_date=QTS,
        periods=(PeriodFacts(date(2024, 9, 2), day, True),),
        outcome="fail",
        outcome_date=day,
        outcome_recorded_on=day,
        **appeal,
    )


def passed(recorded_on: date, finished_on: date | None = None) -> TeacherRecord:
    finished_on = finished_on or recorded_on
    return TeacherRecord(
        trs_status="Passed",
        qts_date=QTS,
        periods=(PeriodFacts(date(2017, 9, 4), finished_on, True),),
        outcome="pass",
        outcome_date=finished_on,
        outcome_recorded_on=recorded_on,
    )


def test_the_worked_example() -> None:
    """A fail decided Monday 7 September 2026: last lodging day Tuesday 6 October 2026."""
    assert APPEAL_LODGING.last_day(date(2026, 9, 7)) == date(2026, 10, 6)
    record = failed_on(date(2026, 9, 7))
    inside = decide("cpd", "lodge_appeal", record, date(2026, 10, 6))
    outside = decide("cpd", "lodge_appeal", record, date(2026, 10, 7))
    assert (inside.outcome, inside.rule_id) == ("allowed", "CPD-APPEAL-LODGE-ALLOWED")
    assert (outside.outcome, outside.rule_id) == ("manual", "CPD-APPEAL-LODGING-WINDOW")
    assert outside.reason.startswith(
        "The fail was decided on 7 September 2026; the last day to lodge an appeal was "
        "6 October 2026 (20 working days)."
    )
    assert outside.dates_used == (
        ("outcome_date", date(2026, 9, 7)),
        ("lodging_last_day", date(2026, 10, 6)),
    )


@pytest.mark.parametrize(
    ("decided", "last_day", "why"),
    [
        (date(2026, 9, 4), date(2026, 10, 2), "a Friday fail: received on a Saturday"),
        (date(2026, 9, 5), date(2026, 10, 2), "a Saturday fail: received on a Sunday"),
        (date(2026, 12, 18), date(2027, 1, 20), "Christmas, Boxing Day moved to Monday 28th"),
        (date(2020, 12, 18), date(2021, 1, 20), "Christmas 2020, Boxing Day substitute day"),
        (date(2022, 9, 2), date(2022, 10, 3), "the Queen's state funeral, 19 September 2022"),
        (date(2023, 4, 21), date(2023, 5, 23), "May Day and the coronation, 8 May 2023"),
        (date(2022, 5, 20), date(2022, 6, 21), "the platinum jubilee holidays, 2-3 June 2022"),
    ],
)
def test_lodging_window_across_weekends_and_bank_holidays(
    decided: date, last_day: date, why: str
) -> None:
    assert APPEAL_LODGING.last_day(decided) == last_day, why
    record = failed_on(decided)
    assert decide("cpd", "lodge_appeal", record, last_day).outcome == "allowed"
    day_after = date.fromordinal(last_day.toordinal() + 1)
    assert decide("cpd", "lodge_appeal", record, day_after).outcome == "manual"


def test_the_moved_and_one_off_bank_holidays_come_from_the_package() -> None:
    assert date(2022, 9, 19) in bank_holidays(2022)  # state funeral
    assert date(2023, 5, 8) in bank_holidays(2023)  # coronation
    assert date(2026, 12, 28) in bank_holidays(2026)  # Boxing Day (substitute day)
    assert date(2022, 12, 27) in bank_holidays(2022)  # Christmas Day (substitute day)
    assert not is_working_day(date(2026, 12, 28))
    assert not is_working_day(date(2026, 10, 3))  # a Saturday
    assert is_working_day(date(2026, 10, 6))
    assert date(2026, 3, 17) not in bank_holidays(2026)  # St Patrick's Day: Northern Ireland only


def test_outcome_correction_window_example_from_the_issue() -> None:
    """Recorded 3 March 2025: the window includes 2 April 2025 and closes after it."""
    assert OUTCOME_CORRECTION.last_day(date(2025, 3, 3)) == date(2025, 4, 2)
    record = passed(date(2025, 3, 3))
    inside = decide("cpd", "reopen_outcome", record, date(2025, 4, 2))
    outside = decide("cpd", "reopen_outcome", record, date(2025, 4, 3))
    assert inside.outcome == "allowed"
    assert outside.outcome == "manual"
    assert outside.rule_id == "CPD-OUTCOME-CORRECTION-WINDOW"
    assert outside.reason.startswith(
        "The outcome was recorded on 3 March 2025; the correction window closed on 2 April 2025."
    )


def test_correction_window_counts_from_recording_not_the_outcome_date() -> None:
    record = passed(recorded_on=date(2025, 3, 3), finished_on=date(2025, 1, 10))
    assert decide("cpd", "reopen_outcome", record, date(2025, 4, 2)).outcome == "allowed"
    edit = decide("cpd", "edit_induction_period", record, date(2025, 4, 3))
    assert (edit.outcome, edit.rule_id) == ("manual", "CPD-EDIT-OUTCOME-CORRECTION-WINDOW")


def test_appeal_decision_window() -> None:
    """Lodged 1 October 2026: 180 calendar days, so the last day is 30 March 2027."""
    assert APPEAL_DECISION.last_day(date(2026, 10, 1)) == date(2027, 3, 30)
    record = failed_on(date(2026, 9, 7), appeal_lodged_on=date(2026, 10, 1))
    inside = decide("cpd", "record_appeal_decision", record, date(2027, 3, 30))
    outside = decide("cpd", "record_appeal_decision", record, date(2027, 3, 31))
    assert inside.outcome == "allowed"
    assert (outside.outcome, outside.rule_id) == ("manual", "CPD-APPEAL-DECISION-WINDOW")
    assert "the decision window closed on 30 March 2027" in outside.reason


def test_managed_by_cpd_window() -> None:
    """Completed 10 March 2019: less than 7 years ago until 9 March 2026."""
    assert MANAGED_BY_CPD.last_day(date(2019, 3, 10)) == date(2026, 3, 9)
    record = passed(date(2019, 3, 10))
    assert managed_by_cpd(record, date(2026, 3, 9))
    assert not managed_by_cpd(record, date(2026, 3, 10))


def test_managed_window_from_29_february() -> None:
    """The 7th anniversary of 29 February 2020 is taken as 28 February 2027."""
    record = passed(date(2020, 2, 29))
    assert managed_by_cpd(record, date(2027, 2, 27))
    assert not managed_by_cpd(record, date(2027, 2, 28))


def test_legacy_correction_boundary() -> None:
    """A legacy Passed needs a completed date at least 7 years ago: 10 March 2019 on 10 March 2026."""
    record = TeacherRecord(trs_status="RequiredToComplete", qts_date=QTS)
    change = {"status": "Passed", "start_date": "2017-09-04", "completed_date": "2019-03-10"}
    on = decide("cpd", "correct_legacy_status", record, date(2026, 3, 10), change)
    before = decide("cpd", "correct_legacy_status", record, date(2026, 3, 9), change)
    assert (on.outcome, on.write_target) == ("allowed", "trs")
    assert before.rule_id == "CPD-LEGACY-RECENT-COMPLETION"
    assert "possible from 10 March 2026" in before.reason


def test_no_periods_is_never_managed() -> None:
    record = TeacherRecord(trs_status="InProgress", trs_start_date=date(2025, 9, 1), qts_date=QTS)
    assert not managed_by_cpd(record, date(2025, 9, 2))
