"""The TRS console's `change_induction_status`, from every status to every status,
managed by CPD and not.

"Managed" is built two ways (an ongoing CPD period; a pass 7 months ago) and "not managed" two ways
(no CPD periods; a CPD pass more than 7 years ago), so the answer is seen to follow the
managed-by-CPD rule and not some other feature of the record.
"""

from __future__ import annotations

from datetime import date

import pytest

from app.rules import STATUS_DATES, TRS_STATUSES, TeacherRecord, decide, managed_by_cpd

from . import helpers as h
from .helpers import TODAY

STATES = {
    "ongoing period": (h.ongoing, True),
    "recent pass": (h.pass_in_window, True),
    "no periods": (h.no_periods, False),
    "pass 8 years ago": (h.pass_window_closed, False),
}
REASON_IDS = ["a5faff9f-29ce-4a6b-a7b8-0c1f57f15920"]


def change_to(status: str) -> dict:
    """A well-formed change to `status`, with the dates the TRS API wants for it."""
    change: dict = {"status": status}
    start_rule, completed_rule = STATUS_DATES[status]
    if start_rule == "required":
        change["start_date"] = "2024-09-02"
    if completed_rule == "required":
        change["completed_date"] = "2025-07-18"
    if status == "Exempt":
        change["exemption_reason_ids"] = REASON_IDS
    return change


def expected(current: str, target: str, managed: bool) -> tuple[str, str]:
    """The TRS console's table (docs/domain.md), written out independently of app/rules/table.py."""
    if target == "None":
        return "TRS-TO-NONE", "forbidden"
    if current == "InProgress" and target == "Exempt":
        return "TRS-INPROGRESS-TO-EXEMPT", "allowed"
    if target == "InProgress":
        return "TRS-TO-INPROGRESS", "forbidden"
    if managed:
        return "TRS-MANAGED-BY-CPD", "forbidden"
    return "TRS-NOT-MANAGED-ALLOWED", "allowed"


@pytest.mark.parametrize("state_name", STATES)
@pytest.mark.parametrize("current", TRS_STATUSES)
@pytest.mark.parametrize("target", TRS_STATUSES)
def test_trs_console_change(state_name: str, current: str, target: str) -> None:
    state, managed = STATES[state_name]
    record = h.build(current, state, managed)
    assert managed_by_cpd(record, TODAY) is managed
    change = change_to(target)

    decision = decide("trs", "change_induction_status", record, TODAY, change)

    if current == target and not change.keys() - {"status"} and target != "FailedInWales":
        # None -> None, RequiredToComplete -> RequiredToComplete: TRS holds no dates with them
        assert decision.rule_id == "TRS-NO-CHANGE"
        return
    rule_id, outcome = expected(current, target, managed)
    assert (decision.rule_id, decision.outcome) == (rule_id, outcome), decision.reason
    assert decision.write_target == ("trs" if outcome == "allowed" else None)
    assert decision.reason


@pytest.mark.parametrize("state_name", STATES)
@pytest.mark.parametrize("current", TRS_STATUSES)
def test_trs_console_asked_in_general(state_name: str, current: str) -> None:
    """With no change, the TRS console may act unless CPD manages it and it is not InProgress."""
    state, managed = STATES[state_name]
    decision = decide("trs", "change_induction_status", h.build(current, state, managed), TODAY)
    if not managed:
        assert decision.rule_id == "TRS-NOT-MANAGED-ALLOWED"
    elif current == "InProgress":
        assert decision.rule_id == "TRS-MANAGED-EXEMPT-ONLY"
        assert "In progress to Exempt" in decision.reason
    else:
        assert decision.rule_id == "TRS-MANAGED-BY-CPD"


@pytest.mark.parametrize("status", [s for s in TRS_STATUSES if s != "Exempt"])
def test_the_status_and_dates_trs_holds_is_no_change(status: str) -> None:
    change = change_to(status)
    record = TeacherRecord(
        trs_status=status,
        trs_start_date=date(2024, 9, 2) if "start_date" in change else None,
        trs_completed_date=date(2025, 7, 18) if "completed_date" in change else None,
        qts_date=h.QTS,
    )
    decision = decide("trs", "change_induction_status", record, TODAY, change)
    assert (decision.rule_id, decision.outcome) == ("TRS-NO-CHANGE", "forbidden")


def test_managed_reason_is_the_designs() -> None:
    record = h.build("Passed", h.pass_in_window, True)
    decision = decide("trs", "change_induction_status", record, TODAY, change_to("Failed"))
    assert decision.reason == (
        "This induction is managed in CPD. Record it there so the open induction record is "
        "closed properly."
    )
    assert decision.make_it_instead == "The CPD console"


@pytest.mark.parametrize("found", ["not_found", "deactivated", "merged"])
def test_no_active_trs_record(found: str) -> None:
    record = h.build("InProgress", h.no_periods, False, trs_found=found, merged_into_trn="1000001")
    decision = decide("trs", "change_induction_status", record, TODAY, change_to("Exempt"))
    assert (decision.rule_id, decision.outcome) == ("TRS-NO-ACTIVE-RECORD", "forbidden")


def test_seven_year_boundary_from_the_trs_console() -> None:
    """Completed 10 March 2019: managed until 9 March 2026, TRS may change it from 10 March."""
    record = TeacherRecord(
        trs_status="Passed",
        qts_date=h.QTS,
        periods=(h.PeriodFacts(date(2017, 9, 4), date(2019, 3, 10), True),),
        outcome="pass",
        outcome_date=date(2019, 3, 10),
        outcome_recorded_on=date(2019, 3, 10),
    )
    change = change_to("RequiredToComplete")
    before = decide("trs", "change_induction_status", record, date(2026, 3, 9), change)
    on = decide("trs", "change_induction_status", record, date(2026, 3, 10), change)
    assert before.rule_id == "TRS-MANAGED-BY-CPD"
    assert on.rule_id == "TRS-NOT-MANAGED-ALLOWED"
    assert "10 March 2019" in on.reason
