"""An outcome an appeal has decided is never reopened as if it were recorded in error."""

from __future__ import annotations

from datetime import date

import pytest

from app.rules import PeriodFacts, TeacherRecord, decide


@pytest.mark.parametrize(
    ("outcome", "decision", "status"),
    [("pass", "upheld", "Passed"), ("fail", "dismissed", "Failed")],
)
def test_reopen_is_forbidden_after_an_appeal_decision(outcome, decision, status):
    record = TeacherRecord(
        trs_status=status,
        qts_date=date(2020, 1, 1),
        periods=(PeriodFacts(date(2024, 9, 2), date(2026, 10, 1), True),),
        outcome=outcome,
        outcome_date=date(2026, 11, 2),
        outcome_recorded_on=date(2026, 11, 2),
        appeal_lodged_on=date(2026, 10, 5),
        appeal_decision=decision,
        appeal_decided_on=date(2026, 11, 2),
    )
    answer = decide("cpd", "reopen_outcome", record, date(2026, 11, 3))
    assert answer.outcome == "forbidden"
    assert answer.rule_id == "CPD-REOPEN-APPEAL-DECIDED"
    assert "decided on 2 November 2026" in answer.reason
