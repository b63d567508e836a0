"""Properties of the whole rule set over generated records and days (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.rules import (
    ACTIONS,
    CONSOLE_ACTIONS,
    STATUS_DATES,
    MalformedChange,
    TeacherRecord,
    available_actions,
    decide,
    derive_trs_status,
    managed_by_cpd,
)
from app.rules.decide import CHAINS
from app.rules.windows import APPEAL_LODGING, bank_holidays

from .strategies import days, outcome_changes, period_changes, records, status_changes

RULE_IDS = {rule.id for chain in CHAINS.values() for rule in chain}
LATER = st.integers(min_value=0, max_value=4000)

# The forbidding rules that the passing of time can lift, by design: a date "in the future" stops
# being so, a completion stops being "less than 7 years ago", and so the 7-year managed-by-CPD rule
# hands the induction back to the TRS console.
LIFTS_WITH_TIME = {
    "CPD-PERIOD-START-IN-FUTURE",
    "CPD-FINISH-IN-FUTURE",
    "CPD-LEGACY-RECENT-COMPLETION",
    "TRS-MANAGED-BY-CPD",
}


@settings(max_examples=300)
@given(records(), days)
def test_every_decision_has_a_rule_id_and_a_reason(record: TeacherRecord, today: date) -> None:
    for console, actions in CONSOLE_ACTIONS.items():
        listed = available_actions(console, record, today)
        assert [action for action, _ in listed] == list(actions)
        for action, decision in listed:
            assert decision.rule_id in RULE_IDS
            assert decision.reason.strip()
            assert "{" not in decision.reason and "None" not in decision.reason
            assert decision.outcome in ("allowed", "forbidden", "manual")
            assert decision.evaluated_on == today
            expected_target = ACTIONS[action].write_target if decision.allowed else None
            assert decision.write_target == expected_target
            assert all(isinstance(d, date) for _, d in decision.dates_used)
            assert decision == decide(console, action, record, today)


@settings(max_examples=300)
@given(records(), days, LATER)
def test_asked_in_general_a_cpd_forbidden_never_becomes_allowed_later(
    record: TeacherRecord, today: date, later_by: int
) -> None:
    """On the CPD console, asked in general (no change, as a page's buttons are), a forbidden
    action stays forbidden by the same rule however far `today` moves on: no forbidding CPD rule
    looks at the date; only the windows do, and they turn allowed into manual, never the reverse
    (so manual never becomes allowed either)."""
    later = today + timedelta(days=later_by)
    for action in CONSOLE_ACTIONS["cpd"]:
        now = decide("cpd", action, record, today)
        then = decide("cpd", action, record, later)
        if now.outcome == "forbidden":
            assert (then.outcome, then.rule_id) == ("forbidden", now.rule_id)
        if now.outcome == "manual":
            assert then.outcome == "manual"


@settings(max_examples=300)
@given(
    records(),
    days,
    LATER,
    st.one_of(
        st.tuples(st.just(("cpd", "add_induction_period")), period_changes()),
        st.tuples(st.just(("cpd", "record_pass")), outcome_changes()),
        st.tuples(st.just(("cpd", "correct_legacy_status")), status_changes(with_reasons=False)),
        st.tuples(st.just(("trs", "change_induction_status")), status_changes()),
        st.tuples(st.just(("trs", "change_induction_status")), st.none()),
    ),
)
def test_with_a_change_only_time_limited_rules_lift_with_time(
    record: TeacherRecord, today: date, later_by: int, asked: tuple
) -> None:
    """With a given change (or on the TRS console), `forbidden` may become `allowed` later only
    through a rule in LIFTS_WITH_TIME: a start or end date that was in the future, a completion
    less than 7 years ago, or an induction that leaves CPD's management 7 years after completion.
    Every other forbidden answer never becomes allowed by moving `today`."""
    (console, action), change = asked
    later = today + timedelta(days=later_by)
    try:
        now = decide(console, action, record, today, change)
    except MalformedChange:
        return  # not a decision; that the shape is refused alike later is tested below
    then = decide(console, action, record, later, change)
    if now.outcome == "forbidden" and then.outcome == "allowed":
        assert now.rule_id in LIFTS_WITH_TIME


@settings(max_examples=200)
@given(records(), days, LATER, st.one_of(period_changes(), outcome_changes()))
def test_malformed_shapes_do_not_depend_on_the_day(
    record: TeacherRecord, today: date, later_by: int, change: dict
) -> None:
    action = "add_induction_period" if "started_on" in change else "record_pass"
    results = []
    for day in (today, today + timedelta(days=later_by)):
        try:
            results.append(decide("cpd", action, record, day, change).outcome != "")
        except MalformedChange as error:
            results.append(error.field)
    assert results[0] == results[1]


@settings(max_examples=500)
@given(records(), days, status_changes())
def test_trs_console_may_only_make_in_progress_exempt_while_cpd_manages(
    record: TeacherRecord, today: date, change: dict
) -> None:
    decision = decide("trs", "change_induction_status", record, today, change)
    if decision.allowed and managed_by_cpd(record, today):
        assert (record.trs_status, change["status"]) == ("InProgress", "Exempt")


@settings(max_examples=500)
@given(records(), st.booleans())
def test_derived_status_satisfies_the_trs_api_date_rules(
    record: TeacherRecord, last_period_deleted: bool
) -> None:
    derived = derive_trs_status(record, last_period_deleted=last_period_deleted)
    if derived is None:
        assert not record.periods and not last_period_deleted
        return
    assert derived.status in ("RequiredToComplete", "InProgress", "Passed", "Failed")
    start_rule, completed_rule = STATUS_DATES[derived.status]
    assert (derived.start_date is not None) is (start_rule == "required")
    assert (derived.completed_date is not None) is (completed_rule == "required")
    if derived.start_date and derived.completed_date:
        assert derived.start_date <= derived.completed_date
    if record.periods:
        assert derived.start_date == min(p.started_on for p in record.periods)


@settings(max_examples=300)
@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)))
def test_lodging_last_day_is_the_twentieth_working_day_after_receipt(decided: date) -> None:
    """Checked against a plain count: weekdays that are not bank holidays, from the day after
    receipt (decision + 1) to the last day, number exactly 20, and the last day is one of them."""
    last = APPEAL_LODGING.last_day(decided)
    received = decided + timedelta(days=1)
    span = [received + timedelta(days=n) for n in range(1, (last - received).days + 1)]
    working = [d for d in span if d.weekday() < 5 and d not in bank_holidays(d.year)]
    assert len(working) == 20
    assert working[-1] == last
