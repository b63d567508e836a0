"""Hypothesis strategies: consistent teacher records, days to ask on, and changes."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from app.rules import STATUS_DATES, TRS_STATUSES, PeriodFacts, TeacherRecord

FIRST_DAY = date(1998, 1, 1)
LAST_DAY = date(2045, 12, 31)

days = st.dates(min_value=FIRST_DAY, max_value=LAST_DAY)
gaps = st.integers(min_value=0, max_value=900)


@st.composite
def records(draw: st.DrawFn) -> TeacherRecord:
    """Records as CPD and TRS can hold them: periods in order, never overlapping; at most one
    outcome, on a finished period; an appeal only against a fail, after it."""
    trs_found = draw(st.sampled_from(["active"] * 6 + ["not_found", "deactivated", "merged"]))
    trs_status = draw(st.sampled_from(TRS_STATUSES))
    qts = draw(st.none() | days)
    day = draw(days)
    periods = []
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        start = day + timedelta(days=draw(gaps))
        finish = start + timedelta(days=draw(st.integers(min_value=0, max_value=800)))
        periods.append(PeriodFacts(start, finish))
        day = finish
    fields: dict = {}
    if periods and draw(st.booleans()):  # the last period may be ongoing
        periods[-1] = PeriodFacts(periods[-1].started_on)
    elif periods and draw(st.booleans()):  # or carry the outcome
        last = periods[-1]
        periods[-1] = PeriodFacts(last.started_on, last.finished_on, True)
        outcome = draw(st.sampled_from(["pass", "fail"]))
        fields |= {
            "outcome": outcome,
            "outcome_date": last.finished_on,
            "outcome_recorded_on": last.finished_on + timedelta(days=draw(gaps)),
        }
        if outcome == "fail" and draw(st.booleans()):
            lodged = last.finished_on + timedelta(days=draw(st.integers(0, 60)))
            fields["appeal_lodged_on"] = lodged
            decision = draw(st.none() | st.sampled_from(["upheld", "extended", "dismissed"]))
            if decision is not None:
                fields["appeal_decision"] = decision
                fields["appeal_decided_on"] = lodged + timedelta(days=draw(st.integers(0, 400)))
    return TeacherRecord(
        trs_found=trs_found,
        merged_into_trn="1000001" if trs_found == "merged" else None,
        trs_status=trs_status,
        trs_start_date=draw(st.none() | days),
        trs_completed_date=draw(st.none() | days),
        exemption_reasons=("Exempt",) if trs_status == "Exempt" else (),
        qts_date=qts,
        periods=tuple(periods),
        **fields,
    )


@st.composite
def status_changes(draw: st.DrawFn, with_reasons: bool = True) -> dict:
    """A well-formed change of TRS status: the dates the TRS API needs, in order."""
    status = draw(st.sampled_from(TRS_STATUSES))
    start_rule, completed_rule = STATUS_DATES[status]
    change: dict = {"status": status}
    start = draw(days)
    if start_rule == "required" or (start_rule == "optional" and draw(st.booleans())):
        change["start_date"] = start
    if completed_rule == "required" or (completed_rule == "optional" and draw(st.booleans())):
        change["completed_date"] = start + timedelta(days=draw(gaps))
    if with_reasons and status == "Exempt":
        change["exemption_reason_ids"] = ["a5faff9f-29ce-4a6b-a7b8-0c1f57f15920"]
    return change


@st.composite
def period_changes(draw: st.DrawFn) -> dict:
    start = draw(days)
    change: dict = {"started_on": start}
    if draw(st.booleans()):
        change["finished_on"] = start + timedelta(days=draw(gaps))
        change["number_of_terms"] = draw(st.integers(0, 16))
    return change


@st.composite
def outcome_changes(draw: st.DrawFn) -> dict:
    return {"finished_on": draw(days), "number_of_terms": draw(st.integers(0, 16))}
