"""The status, start and completed date CPD pushes to TRS."""

from __future__ import annotations

from datetime import date

from app.rules import DerivedStatus, PeriodFacts, TeacherRecord, derive_trs_status

from . import helpers as h


def test_no_periods_pushes_nothing() -> None:
    assert derive_trs_status(TeacherRecord(qts_date=h.QTS)) is None


def test_after_the_last_period_is_deleted_required_to_complete() -> None:
    derived = derive_trs_status(TeacherRecord(qts_date=h.QTS), last_period_deleted=True)
    assert derived == DerivedStatus("RequiredToComplete", None, None)


def test_ongoing_is_in_progress_from_the_earliest_start() -> None:
    record = h.build("InProgress", h.finished_then_ongoing, True)
    assert derive_trs_status(record) == DerivedStatus("InProgress", h.START, None)


def test_finished_without_outcome_is_still_in_progress() -> None:
    record = h.build("InProgress", h.finished_no_outcome, True)
    assert derive_trs_status(record) == DerivedStatus("InProgress", h.START, None)


def test_pass_is_passed_completed_on_the_outcome_periods_finish() -> None:
    record = h.build("InProgress", h.pass_with_earlier_period, True)
    earliest = record.periods[0].started_on
    assert derive_trs_status(record) == DerivedStatus("Passed", earliest, date(2026, 1, 5))


def test_fail_is_failed() -> None:
    record = h.build("InProgress", h.fail_in_window, True)
    assert derive_trs_status(record) == DerivedStatus("Failed", h.START, h.RECENT_FINISH)


def test_open_or_dismissed_appeal_leaves_the_fail() -> None:
    for state in (h.appeal_open, h.appeal_dismissed):
        assert derive_trs_status(h.build("Failed", state, True)).status == "Failed"


def test_appeal_extended_is_in_progress() -> None:
    derived = derive_trs_status(h.build("Failed", h.appeal_extended, True))
    assert derived == DerivedStatus("InProgress", h.START, None)


def test_appeal_upheld_is_passed_on_the_outcome_periods_finish() -> None:
    derived = derive_trs_status(h.build("Failed", h.appeal_upheld, True))
    assert derived == DerivedStatus("Passed", h.START, date(2025, 11, 3))


def test_a_new_pass_after_an_extended_appeal_is_passed() -> None:
    """After an extension the fail is gone from CPD and a later pass stands on its own."""
    record = TeacherRecord(
        qts_date=h.QTS,
        periods=(
            PeriodFacts(date(2023, 9, 4), date(2025, 7, 18)),
            PeriodFacts(date(2025, 9, 1), date(2026, 2, 13), True),
        ),
        outcome="pass",
        outcome_date=date(2026, 2, 13),
        outcome_recorded_on=date(2026, 2, 16),
        appeal_lodged_on=date(2025, 7, 30),
        appeal_decision="extended",
        appeal_decided_on=date(2025, 8, 20),
    )
    assert derive_trs_status(record) == DerivedStatus("Passed", date(2023, 9, 4), date(2026, 2, 13))
