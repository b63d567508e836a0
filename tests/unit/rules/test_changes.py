"""Input the rules cannot read is not a decision: MalformedChange names the field (the API's 400)."""

from __future__ import annotations

from datetime import date

import pytest

from app.rules import ACTIONS, MalformedChange, available_actions, decide

from . import helpers as h
from .helpers import TODAY

IN_PROGRESS = h.build("InProgress", h.ongoing, True)
NO_PERIODS = h.build("RequiredToComplete", h.no_periods, False)
APPEAL_OPEN = h.build("Failed", h.appeal_open, True)
FAILED = h.build("Failed", h.fail_in_lodging_window, True)


@pytest.mark.parametrize(
    ("console", "action", "record", "change", "field"),
    [
        ("dwp", "add_induction_period", NO_PERIODS, None, "console"),
        ("cpd", "make_tea", NO_PERIODS, None, "action"),
        ("cpd", "change_induction_status", NO_PERIODS, None, "action"),
        ("trs", "record_pass", NO_PERIODS, None, "action"),
        ("cpd", "add_induction_period", NO_PERIODS, {}, "started_on"),
        ("cpd", "add_induction_period", NO_PERIODS, {"started_on": "2025-02-30"}, "started_on"),
        ("cpd", "add_induction_period", NO_PERIODS, {"started_on": "3 March 2025"}, "started_on"),
        ("cpd", "add_induction_period", NO_PERIODS, {"started_on": "1850-01-01"}, "started_on"),
        ("cpd", "add_induction_period", NO_PERIODS, {"started_on": 20250901}, "started_on"),
        ("cpd", "add_induction_period", NO_PERIODS, {"start": "2025-09-01"}, "start"),
        (
            "cpd",
            "add_induction_period",
            NO_PERIODS,
            {"started_on": "2025-09-01", "finished_on": "2025-08-01", "number_of_terms": 1},
            "finished_on",
        ),
        (
            "cpd",
            "add_induction_period",
            NO_PERIODS,
            {"started_on": "2025-09-01", "finished_on": "2025-12-19"},
            "number_of_terms",
        ),
        (
            "cpd",
            "add_induction_period",
            NO_PERIODS,
            {"started_on": "2025-09-01", "finished_on": "2025-12-19", "number_of_terms": 1.25},
            "number_of_terms",
        ),
        ("cpd", "edit_induction_period", IN_PROGRESS, {"period_index": 3}, "period_index"),
        ("cpd", "edit_induction_period", IN_PROGRESS, {"period_index": -1}, "period_index"),
        ("cpd", "edit_induction_period", IN_PROGRESS, {"period_index": True}, "period_index"),
        (
            "cpd",
            "edit_induction_period",
            IN_PROGRESS,
            {"period_index": 0, "finished_on": "2023-01-01"},
            "finished_on",
        ),
        ("cpd", "delete_induction_period", IN_PROGRESS, {"period_index": 0}, "note"),
        ("cpd", "delete_induction_period", IN_PROGRESS, {"period_index": 0, "note": "  "}, "note"),
        ("cpd", "record_pass", IN_PROGRESS, {"finished_on": "2026-03-06"}, "number_of_terms"),
        (
            "cpd",
            "record_fail",
            IN_PROGRESS,
            {"finished_on": "2023-01-01", "number_of_terms": 6},
            "finished_on",
        ),
        ("cpd", "add_extension", IN_PROGRESS, {"number_of_terms": 0}, "number_of_terms"),
        ("cpd", "add_extension", IN_PROGRESS, {"number_of_terms": 16.1}, "number_of_terms"),
        ("cpd", "add_extension", IN_PROGRESS, {"number_of_terms": "lots"}, "number_of_terms"),
        ("cpd", "lodge_appeal", FAILED, {"lodged_on": "2026-03-11"}, "lodged_on"),
        ("cpd", "lodge_appeal", FAILED, {"lodged_on": "2026-02-26"}, "lodged_on"),
        ("cpd", "record_appeal_decision", APPEAL_OPEN, {"decision": "quashed"}, "decision"),
        ("cpd", "record_appeal_decision", APPEAL_OPEN, {"decision": "extended"}, "extension_terms"),
        (
            "cpd",
            "record_appeal_decision",
            APPEAL_OPEN,
            {"decision": "upheld", "extension_terms": 1},
            "extension_terms",
        ),
        (
            "cpd",
            "record_appeal_decision",
            APPEAL_OPEN,
            {"decision": "upheld", "decided_on": "2025-11-19"},
            "decided_on",
        ),
        ("cpd", "correct_legacy_status", NO_PERIODS, {"status": "Done"}, "status"),
        ("cpd", "correct_legacy_status", NO_PERIODS, {"status": "Passed"}, "start_date"),
        (
            "cpd",
            "correct_legacy_status",
            NO_PERIODS,
            {"status": "Passed", "start_date": "2010-09-01"},
            "completed_date",
        ),
        (
            "cpd",
            "correct_legacy_status",
            NO_PERIODS,
            {"status": "RequiredToComplete", "start_date": "2010-09-01"},
            "start_date",
        ),
        ("trs", "change_induction_status", IN_PROGRESS, {}, "status"),
        ("trs", "change_induction_status", IN_PROGRESS, {"status": "passed"}, "status"),
        (
            "trs",
            "change_induction_status",
            IN_PROGRESS,
            {"status": "Exempt"},
            "exemption_reason_ids",
        ),
        (
            "trs",
            "change_induction_status",
            IN_PROGRESS,
            {"status": "Exempt", "exemption_reason_ids": []},
            "exemption_reason_ids",
        ),
        (
            "trs",
            "change_induction_status",
            IN_PROGRESS,
            {"status": "Exempt", "exemption_reason_ids": "a5faff9f"},
            "exemption_reason_ids",
        ),
        (
            "trs",
            "change_induction_status",
            IN_PROGRESS,
            {"status": "RequiredToComplete", "exemption_reason_ids": ["a5faff9f"]},
            "exemption_reason_ids",
        ),
        ("trs", "change_induction_status", IN_PROGRESS, {"status": "InProgress"}, "start_date"),
        (
            "trs",
            "change_induction_status",
            IN_PROGRESS,
            {"status": "InProgress", "start_date": "2025-09-01", "completed_date": "2026-01-01"},
            "completed_date",
        ),
        (
            "trs",
            "change_induction_status",
            IN_PROGRESS,
            {"status": "Failed", "start_date": "2025-09-01", "completed_date": "2025-08-01"},
            "completed_date",
        ),
    ],
)
def test_malformed_change_names_the_field(
    console: str, action: str, record: h.TeacherRecord, change: dict | None, field: str
) -> None:
    with pytest.raises(MalformedChange) as raised:
        decide(console, action, record, TODAY, change)
    assert raised.value.field == field
    assert raised.value.message


def test_dates_may_be_given_as_dates_or_iso_strings() -> None:
    as_text = decide("cpd", "add_induction_period", NO_PERIODS, TODAY, {"started_on": "2025-09-01"})
    as_date = decide(
        "cpd", "add_induction_period", NO_PERIODS, TODAY, {"started_on": date(2025, 9, 1)}
    )
    assert as_text == as_date
    assert as_text.outcome == "allowed"


def test_api_envelope_keys_are_ignored() -> None:
    change = {"trn": "1000001", "console": "cpd", "action": "record_pass", "on": "2026-03-10"}
    change |= {"finished_on": "2026-03-06", "number_of_terms": "6.0"}
    assert decide("cpd", "record_pass", IN_PROGRESS, TODAY, change).outcome == "allowed"


def test_a_decision_with_a_change_for_an_action_without_fields() -> None:
    """An empty change to an action that takes no fields is the same as asking in general."""
    assert decide("cpd", "record_exemption", IN_PROGRESS, TODAY, {}) == decide(
        "cpd", "record_exemption", IN_PROGRESS, TODAY
    )


def test_every_action_lists_typed_fields() -> None:
    types = {"date", "integer", "decimal", "text", "choice", "text_list"}
    assert set(ACTIONS) == {
        "add_induction_period",
        "edit_induction_period",
        "delete_induction_period",
        "record_pass",
        "record_fail",
        "reopen_outcome",
        "add_extension",
        "lodge_appeal",
        "record_appeal_decision",
        "record_exemption",
        "correct_legacy_status",
        "change_induction_status",
    }
    for action in ACTIONS.values():
        assert action.console in ("cpd", "trs")
        assert all(f.type in types for f in action.fields)
    trs_fields = [f.name for f in ACTIONS["change_induction_status"].fields]
    assert trs_fields == ["status", "start_date", "completed_date", "exemption_reason_ids"]


def test_malformed_record_values_are_refused() -> None:
    with pytest.raises(ValueError, match="trs_status"):
        h.TeacherRecord(trs_status="Passed in Wales")
    with pytest.raises(ValueError, match="outcome"):
        h.TeacherRecord(outcome="pass", periods=(h.PeriodFacts(h.START, h.RECENT_FINISH, True),))
    with pytest.raises(ValueError, match="has_outcome"):
        h.TeacherRecord(
            periods=(h.PeriodFacts(h.START, h.RECENT_FINISH, True),),
        )
    with pytest.raises(ValueError, match="merged_into_trn"):
        h.TeacherRecord(trs_found="merged")


def test_available_actions_refuses_an_unknown_console() -> None:
    with pytest.raises(MalformedChange) as raised:
        available_actions("dwp", IN_PROGRESS, TODAY)
    assert raised.value.field == "console"


def test_decision_as_the_policy_api_answers_it() -> None:
    decision = decide(
        "trs",
        "change_induction_status",
        IN_PROGRESS,
        TODAY,
        {"status": "Exempt", "exemption_reason_ids": ["a5faff9f-29ce-4a6b-a7b8-0c1f57f15920"]},
    )
    assert decision.as_api() == {
        "decision": "allowed",
        "rule_id": "TRS-INPROGRESS-TO-EXEMPT",
        "reason": decision.reason,
        "write_target": "trs",
        "evaluated_on": "2026-03-10",
    }
