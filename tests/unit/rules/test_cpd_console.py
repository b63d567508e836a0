"""The CPD console's rules, row by row: every CPD-console rule in every TRS status, managed and not.

Each case names a row and a CPD state; it is run in all seven TRS statuses and in each of
"managed by CPD" and "not managed" that the state can exist in. FailedInWales and Exempt are
answered by P2 and P3 before any action's own rows; `by_status` lists other statuses whose answer
differs (a first period when TRS already shows Passed or Failed).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from app.rules import ACTIONS, CONSOLE_ACTIONS, TRS_STATUSES, decide, managed_by_cpd

from . import helpers as h
from .helpers import TODAY

A, F, M = "allowed", "forbidden", "manual"
TRS_DONE = {s: ("CPD-ADD-FIRST-TRS-COMPLETED", F) for s in ("Passed", "Failed")}


@dataclass(frozen=True)
class Case:
    row: str
    action: str
    state: h.State
    rule_id: str
    outcome: str
    change: dict | None = None
    by_status: dict = field(default_factory=dict)
    reason_has: str = ""


def period(started_on: str, finished_on: str | None = None, terms: float = 3) -> dict:
    change: dict = {"started_on": started_on}
    if finished_on is not None:
        change.update(finished_on=finished_on, number_of_terms=terms)
    return change


CASES = [
    # start induction: first period
    Case("first period allowed", "add_induction_period", h.no_periods, "CPD-ADD-PERIOD-ALLOWED", A, by_status=TRS_DONE),
    Case("first period with a start", "add_induction_period", h.no_periods, "CPD-ADD-PERIOD-ALLOWED", A, period("2025-09-01"), TRS_DONE),
    Case("first period: no QTS", "add_induction_period", h.no_periods_no_qts, "CPD-ADD-FIRST-NO-QTS", F, reason_has="QTS"),
    Case("first period: TRS shows an outcome", "add_induction_period", h.no_periods, "CPD-ADD-PERIOD-ALLOWED", A, by_status=TRS_DONE),
    Case("start before QTS", "add_induction_period", h.no_periods, "CPD-PERIOD-START-BEFORE-QTS", F, period("2015-06-30"), TRS_DONE, "30 June 2015"),
    Case("start on the QTS date", "add_induction_period", h.no_periods, "CPD-ADD-PERIOD-ALLOWED", A, period("2015-07-01"), TRS_DONE),
    Case("start in the future", "add_induction_period", h.no_periods, "CPD-PERIOD-START-IN-FUTURE", F, period("2026-03-11"), TRS_DONE, "11 March 2026"),
    Case("start today", "add_induction_period", h.no_periods, "CPD-ADD-PERIOD-ALLOWED", A, period("2026-03-10"), TRS_DONE),
    Case("end in the future", "add_induction_period", h.no_periods, "CPD-FINISH-IN-FUTURE", F, period("2025-09-01", "2026-03-11"), TRS_DONE),
    # add a later period
    Case("later period after a pass", "add_induction_period", h.pass_in_window, "CPD-ADD-LATER-AFTER-OUTCOME", F, reason_has="Reopen the outcome first"),
    Case("later period after a fail", "add_induction_period", h.fail_window_closed, "CPD-ADD-LATER-AFTER-OUTCOME", F, reason_has="a fail on"),
    Case("later period after an upheld appeal", "add_induction_period", h.appeal_upheld, "CPD-ADD-LATER-AFTER-OUTCOME", F, reason_has="a pass on appeal"),
    Case("later period after an extended appeal", "add_induction_period", h.appeal_extended, "CPD-ADD-PERIOD-ALLOWED", A),
    Case("later period after the last", "add_induction_period", h.finished_no_outcome, "CPD-ADD-PERIOD-ALLOWED", A, period("2024-09-02")),
    Case("starts the day the last finished", "add_induction_period", h.finished_no_outcome, "CPD-ADD-PERIOD-ALLOWED", A, period("2024-07-19")),
    Case("overlap names the clash", "add_induction_period", h.finished_no_outcome, "CPD-PERIOD-OVERLAP", F, period("2024-01-08", "2024-03-28"), reason_has="the period from 4 September 2023 to 19 July 2024"),
    Case("overlap with the ongoing period", "add_induction_period", h.ongoing, "CPD-PERIOD-OVERLAP", F, period("2025-09-01"), reason_has="the ongoing period that started on 4 September 2023"),
    Case("inserted period without an end", "add_induction_period", h.finished_no_outcome, "CPD-PERIOD-INSERTED-WITHOUT-END", F, period("2022-09-05"), reason_has="needs an end date"),
    Case("inserted period with an end", "add_induction_period", h.finished_no_outcome, "CPD-ADD-PERIOD-ALLOWED", A, period("2022-09-05", "2023-07-20")),
    # edit a period
    Case("edit: no periods", "edit_induction_period", h.no_periods, "CPD-EDIT-NO-PERIODS", F),
    Case("edit a period without an outcome", "edit_induction_period", h.ongoing, "CPD-EDIT-PERIOD-ALLOWED", A),
    Case("edit the outcome period in the window", "edit_induction_period", h.pass_in_window, "CPD-EDIT-OUTCOME-PERIOD-IN-WINDOW", A, reason_has="31 March 2026"),
    Case("edit the outcome period after the window", "edit_induction_period", h.pass_window_closed, "CPD-EDIT-OUTCOME-CORRECTION-WINDOW", M, reason_has="closed on 4 February 2026"),
    Case("edit, asked in general, another period has no outcome", "edit_induction_period", h.pass_with_earlier_period, "CPD-EDIT-PERIOD-ALLOWED", A),
    Case("edit the period without the outcome", "edit_induction_period", h.pass_with_earlier_period, "CPD-EDIT-PERIOD-ALLOWED", A, {"period_index": 0, "number_of_terms": 2}),
    Case("edit the outcome period, window closed", "edit_induction_period", h.pass_with_earlier_period, "CPD-EDIT-OUTCOME-CORRECTION-WINDOW", M, {"period_index": 1, "number_of_terms": 3}),
    Case("edit into an overlap", "edit_induction_period", h.finished_then_ongoing, "CPD-PERIOD-OVERLAP", F, {"period_index": 1, "started_on": "2024-07-01"}, reason_has="19 July 2024"),
    Case("edit an earlier period to have no end", "edit_induction_period", h.finished_then_ongoing, "CPD-PERIOD-INSERTED-WITHOUT-END", F, {"period_index": 0, "finished_on": None}),
    Case("edit a period to start after the pass, ongoing", "edit_induction_period", h.pass_with_earlier_period, "CPD-EDIT-LATER-AFTER-OUTCOME", F, {"period_index": 0, "started_on": "2026-02-02", "finished_on": None}, reason_has="Reopen the outcome first"),
    Case("edit a period to start after the pass, finished", "edit_induction_period", h.pass_with_earlier_period, "CPD-EDIT-LATER-AFTER-OUTCOME", F, {"period_index": 0, "started_on": "2026-02-02", "finished_on": "2026-03-02"}),
    Case("edit the outcome period to be ongoing", "edit_induction_period", h.pass_in_window, "CPD-EDIT-LATER-AFTER-OUTCOME", F, {"period_index": 0, "finished_on": None}, reason_has="a pass on"),
    Case("edit a start to before QTS", "edit_induction_period", h.ongoing, "CPD-PERIOD-START-BEFORE-QTS", F, {"period_index": 0, "started_on": "2015-06-01"}),
    # delete a period
    Case("delete: no periods", "delete_induction_period", h.no_periods, "CPD-DELETE-NO-PERIODS", F),
    Case("delete the outcome period", "delete_induction_period", h.pass_in_window, "CPD-DELETE-OUTCOME-PERIOD", F, reason_has="Reopen the outcome first"),
    Case("delete the outcome period, by index", "delete_induction_period", h.pass_in_window, "CPD-DELETE-OUTCOME-PERIOD", F, {"period_index": 0, "note": "ticket 41"}),
    Case("delete a period without an outcome", "delete_induction_period", h.pass_with_earlier_period, "CPD-DELETE-PERIOD-ALLOWED", A, {"period_index": 0, "note": "ticket 41"}),
    Case("delete the ongoing period", "delete_induction_period", h.ongoing, "CPD-DELETE-PERIOD-ALLOWED", A),
    # record pass or fail
    Case("pass an ongoing period", "record_pass", h.ongoing, "CPD-OUTCOME-ALLOWED", A),
    Case("fail an ongoing period", "record_fail", h.ongoing, "CPD-OUTCOME-ALLOWED", A),
    Case("pass with finish and terms", "record_pass", h.finished_then_ongoing, "CPD-OUTCOME-ALLOWED", A, {"finished_on": "2026-03-06", "number_of_terms": 6}),
    Case("pass: no ongoing period", "record_pass", h.finished_no_outcome, "CPD-OUTCOME-NO-ONGOING-PERIOD", F),
    Case("fail: no periods at all", "record_fail", h.no_periods, "CPD-OUTCOME-NO-ONGOING-PERIOD", F),
    Case("pass: already passed", "record_pass", h.pass_in_window, "CPD-OUTCOME-ALREADY-RECORDED", F, reason_has="a pass on"),
    Case("fail: already failed", "record_fail", h.fail_window_closed, "CPD-OUTCOME-ALREADY-RECORDED", F, reason_has="a fail on"),
    Case("pass: passed on appeal", "record_pass", h.appeal_upheld, "CPD-OUTCOME-ALREADY-RECORDED", F, reason_has="a pass on appeal"),
    Case("pass with a future end", "record_pass", h.ongoing, "CPD-FINISH-IN-FUTURE", F, {"finished_on": "2026-03-11", "number_of_terms": 6}),
    # reopen an outcome
    Case("reopen: no outcome", "reopen_outcome", h.ongoing, "CPD-REOPEN-NO-OUTCOME", F),
    Case("reopen in the window", "reopen_outcome", h.pass_in_window, "CPD-REOPEN-ALLOWED", A, reason_has="until 31 March 2026"),
    Case("reopen after the window", "reopen_outcome", h.pass_window_closed, "CPD-OUTCOME-CORRECTION-WINDOW", M, reason_has="the correction window closed on 4 February 2026"),
    Case("reopen a fail under appeal", "reopen_outcome", h.appeal_open, "CPD-REOPEN-APPEAL-LODGED", F, reason_has="Record the appeal's decision instead"),
    Case("reopen after the appeal was dismissed", "reopen_outcome", h.appeal_dismissed, "CPD-REOPEN-APPEAL-DECIDED", F, reason_has="dismissed"),
    Case("reopen after an extended appeal", "reopen_outcome", h.appeal_extended, "CPD-REOPEN-NO-OUTCOME", F),
    # add an extension
    Case("extend an ongoing induction", "add_extension", h.ongoing, "CPD-EXTENSION-ALLOWED", A),
    Case("extend between periods", "add_extension", h.finished_no_outcome, "CPD-EXTENSION-ALLOWED", A),
    Case("extend after a pass", "add_extension", h.pass_in_window, "CPD-EXTENSION-AFTER-PASS", F),
    Case("extend after a fail", "add_extension", h.fail_window_closed, "CPD-EXTENSION-AFTER-FAIL", F, reason_has="An extension after a fail comes from an appeal decision"),
    Case("extend under appeal", "add_extension", h.appeal_open, "CPD-EXTENSION-AFTER-FAIL", F),
    Case("extend with no periods", "add_extension", h.no_periods, "CPD-EXTENSION-NO-PERIODS", F),
    Case("extend after an extended appeal", "add_extension", h.appeal_extended, "CPD-EXTENSION-ALLOWED", A),
    # lodge an appeal
    Case("lodge inside the window", "lodge_appeal", h.fail_in_lodging_window, "CPD-APPEAL-LODGE-ALLOWED", A, reason_has="until 27 March 2026"),
    Case("lodge after the window", "lodge_appeal", h.fail_window_closed, "CPD-APPEAL-LODGING-WINDOW", M),
    Case("lodge against a pass", "lodge_appeal", h.pass_in_window, "CPD-APPEAL-NOT-A-FAIL", F, reason_has="a pass on"),
    Case("lodge with no outcome", "lodge_appeal", h.ongoing, "CPD-APPEAL-NOT-A-FAIL", F, reason_has="no outcome"),
    Case("lodge a second appeal", "lodge_appeal", h.appeal_open, "CPD-APPEAL-ALREADY-LODGED", F, reason_has="20 November 2025"),
    Case("lodge after a decided appeal", "lodge_appeal", h.appeal_dismissed, "CPD-APPEAL-ALREADY-LODGED", F),
    # record an appeal decision
    Case("decide inside the window", "record_appeal_decision", h.appeal_open, "CPD-APPEAL-DECISION-ALLOWED", A, reason_has="until 19 May 2026"),
    Case("decide after the window", "record_appeal_decision", h.appeal_open_long_ago, "CPD-APPEAL-DECISION-WINDOW", M, reason_has="closed on 28 February 2026"),
    Case("decide with no appeal", "record_appeal_decision", h.fail_window_closed, "CPD-APPEAL-DECISION-NO-OPEN-APPEAL", F),
    Case("decide a decided appeal", "record_appeal_decision", h.appeal_dismissed, "CPD-APPEAL-DECISION-NO-OPEN-APPEAL", F, reason_has="12 January 2026"),
    Case("decide with no outcome", "record_appeal_decision", h.ongoing, "CPD-APPEAL-DECISION-NO-OPEN-APPEAL", F),
    # record an exemption: never here
    Case("exemption, in progress", "record_exemption", h.ongoing, "CPD-EXEMPTION-HELD-IN-TRS", F, reason_has="Exemptions are held in TRS"),
    Case("exemption, no periods", "record_exemption", h.no_periods, "CPD-EXEMPTION-HELD-IN-TRS", F),
    Case("exemption, passed", "record_exemption", h.pass_in_window, "CPD-EXEMPTION-HELD-IN-TRS", F),
    # correct a legacy record's status in TRS
    Case("legacy: CPD has periods", "correct_legacy_status", h.ongoing, "CPD-LEGACY-HAS-PERIODS", F),
    Case("legacy: CPD has an outcome", "correct_legacy_status", h.pass_in_window, "CPD-LEGACY-HAS-PERIODS", F),
    Case("legacy: asked in general", "correct_legacy_status", h.no_periods, "CPD-LEGACY-ALLOWED", A),
    Case("legacy: no QTS", "correct_legacy_status", h.no_periods_no_qts, "CPD-LEGACY-NO-QTS", F),
    Case("legacy: to RequiredToComplete", "correct_legacy_status", h.no_periods, "CPD-LEGACY-ALLOWED", A, {"status": "RequiredToComplete"}),
    Case("legacy: passed long ago", "correct_legacy_status", h.no_periods, "CPD-LEGACY-ALLOWED", A, {"status": "Passed", "start_date": "2010-09-01", "completed_date": "2011-07-20"}),
    Case("legacy: failed recently", "correct_legacy_status", h.no_periods, "CPD-LEGACY-RECENT-COMPLETION", F, {"status": "Failed", "start_date": "2022-09-05", "completed_date": "2024-07-19"}, reason_has="19 July 2031"),
    Case("legacy: to InProgress", "correct_legacy_status", h.no_periods, "CPD-LEGACY-IN-PROGRESS", F, {"status": "InProgress", "start_date": "2025-09-01"}),
    Case("legacy: to Exempt", "correct_legacy_status", h.no_periods, "CPD-LEGACY-STATUS-SET-IN-TRS", F, {"status": "Exempt"}),
    Case("legacy: to FailedInWales", "correct_legacy_status", h.no_periods, "CPD-LEGACY-STATUS-SET-IN-TRS", F, {"status": "FailedInWales"}),
    Case("legacy: to None", "correct_legacy_status", h.no_periods, "CPD-LEGACY-STATUS-SET-IN-TRS", F, {"status": "None"}),
]  # fmt: skip

PARAMS = [
    pytest.param(case, status, managed, id=f"{case.row}-{status}-{'managed' if managed else 'not'}")
    for case in CASES
    for status, managed in h.every_variant(case.state)
]


def expected(case: Case, status: str) -> tuple[str, str]:
    if status == "FailedInWales":
        return "CPD-P2-FAILED-IN-WALES", F
    if status == "Exempt":
        return "CPD-P3-EXEMPT", F
    return case.by_status.get(status, (case.rule_id, case.outcome))


@pytest.mark.parametrize(("case", "status", "managed"), PARAMS)
def test_cpd_console_row(case: Case, status: str, managed: bool) -> None:
    record = h.build(status, case.state, managed)
    assert managed_by_cpd(record, TODAY) is managed

    decision = decide("cpd", case.action, record, TODAY, case.change)

    rule_id, outcome = expected(case, status)
    assert (decision.rule_id, decision.outcome) == (rule_id, outcome), decision.reason
    assert decision.reason and decision.evaluated_on == TODAY
    target = ACTIONS[case.action].write_target if outcome == A else None
    assert decision.write_target == target
    if rule_id == case.rule_id and case.reason_has:
        assert case.reason_has in decision.reason


def test_every_case_runs_in_every_status() -> None:
    """The table above really covers all seven TRS statuses for every case."""
    for case in CASES:
        assert {status for status, _ in h.every_variant(case.state)} == set(TRS_STATUSES)


def test_every_cpd_rule_row_is_exercised() -> None:
    """Every rule id of the CPD console appears as an expected answer above (or in P1's test)."""
    from app.rules.decide import CHAINS

    cpd_ids = {r.id for a in CONSOLE_ACTIONS["cpd"] for r in CHAINS[a]}
    covered = {c.rule_id for c in CASES} | {v[0] for c in CASES for v in c.by_status.values()}
    covered |= {"CPD-P1-NO-ACTIVE-TRS-RECORD", "CPD-P2-FAILED-IN-WALES", "CPD-P3-EXEMPT"}
    covered |= {"CPD-PERIOD-START-BEFORE-SEPTEMBER-1999"}  # its own test below
    assert cpd_ids == covered


@pytest.mark.parametrize("action", CONSOLE_ACTIONS["cpd"])
@pytest.mark.parametrize("found", ["not_found", "deactivated", "merged"])
@pytest.mark.parametrize("status", TRS_STATUSES)
def test_p1_no_active_trs_record_comes_first(action: str, found: str, status: str) -> None:
    record = h.build(
        status, h.ongoing, True, trs_found=found, merged_into_trn="1000001" if found else None
    )
    decision = decide("cpd", action, record, TODAY)
    assert (decision.rule_id, decision.outcome) == ("CPD-P1-NO-ACTIVE-TRS-RECORD", F)
    assert ("TRN 1000001" in decision.reason) is (found == "merged")
    # Each state has its own advice: only a merged record has a retained TRN to go to.
    advice = {
        "not_found": "Check the TRN with TRS support",
        "deactivated": "TRS support, who can say why the record was deactivated",
        "merged": "The retained record, TRN 1000001",
    }
    assert decision.make_it_instead.startswith(advice[found])


@pytest.mark.parametrize("action", CONSOLE_ACTIONS["cpd"])
def test_p2_and_p3_reasons(action: str) -> None:
    wales = decide("cpd", action, h.build("FailedInWales", h.ongoing, True), TODAY)
    assert "cannot be served again in England" in wales.reason
    exempt = decide("cpd", action, h.build("Exempt", h.ongoing, True), TODAY)
    assert exempt.reason == (
        "TRS records this teacher as exempt (qualified before 7 May 2000). Any open induction "
        "here is closed when this console next reads TRS."
    )
    assert exempt.make_it_instead


def test_start_before_september_1999() -> None:
    record = h.TeacherRecord(trs_status="RequiredToComplete", qts_date=h.date(1998, 7, 1))
    early = decide("cpd", "add_induction_period", record, TODAY, period("1999-08-31"))
    assert early.rule_id == "CPD-PERIOD-START-BEFORE-SEPTEMBER-1999"
    assert "1 September 1999" in early.reason
    first_day = decide("cpd", "add_induction_period", record, TODAY, period("1999-09-01"))
    assert first_day.rule_id == "CPD-ADD-PERIOD-ALLOWED"


def test_first_period_after_trs_outcome_says_which_with_the_date() -> None:
    record = h.build("Failed", h.no_periods, False)
    decision = decide("cpd", "add_induction_period", record, TODAY)
    assert "Failed, completed on 18 July 2025" in decision.reason
    assert ("trs_completed_date", h.TRS_COMPLETED) in decision.dates_used


def test_forbidden_says_where_instead() -> None:
    record = h.build("Passed", h.pass_in_window, True)
    decision = decide("cpd", "add_induction_period", record, TODAY)
    assert decision.make_it_instead == "Reopen the outcome (this console), then add the period"
