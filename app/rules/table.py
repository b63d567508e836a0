"""The rule set as tables (docs/domain.md): read this file to know the policy.

Each action's rows are checked top to bottom; the first whose condition holds answers. Every CPD
action starts with P1, P2, P3. Conditions are named functions in `conditions.py`; reasons are
templates: {name} is a fact of the record (dates shown as "3 March 2025") or a window's length.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from app.rules import conditions as c
from app.rules.actions import CONSOLE_ACTIONS
from app.rules.record import TeacherRecord

ALLOWED, FORBIDDEN, MANUAL = "allowed", "forbidden", "manual"
ASK = " Ask for manual handling: a senior caseworker other than you decides."


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    answer: str
    when: Callable[[TeacherRecord, date, dict | None], dict | None]
    reason: str
    instead: str = ""


R = Rule
# fmt: off
# Before any CPD-console write (4.2) ---------------------------------------------------------------
P1 = R("CPD-P1-NO-ACTIVE-TRS-RECORD", FORBIDDEN, c.no_active_trs_record, "{trs_record}. Nothing can be changed here until TRS has an active record for this teacher.", "{trs_record_advice}")
P2 = R("CPD-P2-FAILED-IN-WALES", FORBIDDEN, c.failed_in_wales, "TRS records that this teacher failed induction in Wales. A failed induction in Wales cannot be served again in England.")
P3 = R("CPD-P3-EXEMPT", FORBIDDEN, c.exempt_in_trs, "TRS records this teacher as exempt ({exemption}). Any open induction here is closed when this console next reads TRS.", "The TRS console, where exemptions are held")
# Dates of a period, shared by add and edit --------------------------------------------------------
BEFORE_QTS = R("CPD-PERIOD-START-BEFORE-QTS", FORBIDDEN, c.start_before_qts, "The start date, {started_on}, is before the teacher's QTS date, {qts_date}.")
BEFORE_1999 = R("CPD-PERIOD-START-BEFORE-SEPTEMBER-1999", FORBIDDEN, c.start_before_statutory_induction, "The start date, {started_on}, is before 1 September 1999, when statutory induction began.")
START_FUTURE = R("CPD-PERIOD-START-IN-FUTURE", FORBIDDEN, c.start_in_future, "The start date, {started_on}, is in the future. Add the period on or after the day it starts.")
FINISH_FUTURE = R("CPD-FINISH-IN-FUTURE", FORBIDDEN, c.finish_in_future, "The end date, {finished_on}, is in the future. Record it on or after that day.")
NOT_LAST = R("CPD-PERIOD-INSERTED-WITHOUT-END", FORBIDDEN, c.ongoing_period_not_last, "A period that starts before {later_period} needs an end date.")
OVERLAP = R("CPD-PERIOD-OVERLAP", FORBIDDEN, c.overlaps_another_period, "The period would overlap {clash}. Induction periods cannot overlap.")
PERIOD_DATES = (BEFORE_QTS, BEFORE_1999, START_FUTURE, FINISH_FUTURE, NOT_LAST, OVERLAP)
OUTCOME_DONE = R("CPD-OUTCOME-ALREADY-RECORDED", FORBIDDEN, c.outcome_recorded, "This induction already has an outcome: {outcome}.", "Reopen the outcome (this console) if it was recorded in error")

CPD_RULES: dict[str, tuple[Rule, ...]] = {
    "add_induction_period": (
        R("CPD-ADD-FIRST-NO-QTS", FORBIDDEN, c.first_period_without_qts, "TRS has no QTS date for this teacher. Induction can start only once they hold QTS.", "TRS, where QTS is recorded"),
        R("CPD-ADD-FIRST-TRS-COMPLETED", FORBIDDEN, c.first_period_after_trs_outcome, "TRS already shows this teacher's induction as {trs_outcome}, so a new induction cannot start here.", "If TRS is wrong: correct a legacy record's status (this console) or the TRS console"),
        R("CPD-ADD-LATER-AFTER-OUTCOME", FORBIDDEN, c.later_period_after_outcome, "This induction already has an outcome: {outcome}. Reopen the outcome first.", "Reopen the outcome (this console), then add the period"),
        *PERIOD_DATES,
        R("CPD-ADD-PERIOD-ALLOWED", ALLOWED, c.always, "You can add an induction period."),
    ),
    "edit_induction_period": (
        R("CPD-EDIT-NO-PERIODS", FORBIDDEN, c.no_periods, "CPD holds no induction periods for this teacher.", "Add an induction period (this console)"),
        *PERIOD_DATES,
        R("CPD-EDIT-LATER-AFTER-OUTCOME", FORBIDDEN, c.edited_period_after_outcome, "This induction already has an outcome: {outcome}. A period cannot start after it or stay ongoing. Reopen the outcome first.", "Reopen the outcome (this console), then change the period"),
        R("CPD-EDIT-OUTCOME-CORRECTION-WINDOW", MANUAL, c.outcome_period_window_closed, "The outcome was recorded on {outcome_recorded_on}; the correction window closed on {correction_closes_on}." + ASK),
        R("CPD-EDIT-OUTCOME-PERIOD-IN-WINDOW", ALLOWED, c.outcome_period_window_open, "The outcome was recorded on {outcome_recorded_on}; it can be corrected until {correction_closes_on} ({OUTCOME_CORRECTION})."),
        R("CPD-EDIT-PERIOD-ALLOWED", ALLOWED, c.always, "You can change an induction period that carries no outcome."),
    ),
    "delete_induction_period": (
        R("CPD-DELETE-NO-PERIODS", FORBIDDEN, c.no_periods, "CPD holds no induction periods for this teacher."),
        R("CPD-DELETE-OUTCOME-PERIOD", FORBIDDEN, c.period_carries_outcome, "This period carries the induction's outcome: {outcome}. Reopen the outcome first.", "Reopen the outcome (this console), then delete the period"),
        R("CPD-DELETE-PERIOD-ALLOWED", ALLOWED, c.always, "You can delete an induction period that carries no outcome, with a note or support ticket."),
    ),
    "record_pass": (
        OUTCOME_DONE,
        R("CPD-OUTCOME-NO-ONGOING-PERIOD", FORBIDDEN, c.no_ongoing_period, "There is no ongoing induction period to finish.", "Add an induction period (this console)"),
        FINISH_FUTURE,
        R("CPD-OUTCOME-ALLOWED", ALLOWED, c.always, "You can record the outcome: it finishes the ongoing induction period."),
    ),
    "reopen_outcome": (
        R("CPD-REOPEN-NO-OUTCOME", FORBIDDEN, c.no_outcome, "This induction has no outcome to reopen."),
        R("CPD-REOPEN-APPEAL-LODGED", FORBIDDEN, c.appeal_lodged, "An appeal against this fail was lodged on {appeal_lodged_on}. Record the appeal's decision instead.", "Record the appeal decision (appeals officers, this console)"),
        R("CPD-REOPEN-APPEAL-DECIDED", FORBIDDEN, c.appeal_decided, "The appeal against the fail was decided on {appeal_decided_on}: {appeal_decision}. The appeal's decision stands."),
        R("CPD-OUTCOME-CORRECTION-WINDOW", MANUAL, c.correction_window_closed, "The outcome was recorded on {outcome_recorded_on}; the correction window closed on {correction_closes_on}." + ASK),
        R("CPD-REOPEN-ALLOWED", ALLOWED, c.correction_window_open, "The outcome was recorded on {outcome_recorded_on}; it can be reopened until {correction_closes_on} ({OUTCOME_CORRECTION})."),
    ),
    "add_extension": (
        R("CPD-EXTENSION-NO-PERIODS", FORBIDDEN, c.no_periods, "CPD holds no induction periods for this teacher: an extension needs an induction in progress.", "Add an induction period (this console)"),
        R("CPD-EXTENSION-AFTER-PASS", FORBIDDEN, c.passed, "This induction has an outcome: {outcome}. A passed induction cannot be extended."),
        R("CPD-EXTENSION-AFTER-FAIL", FORBIDDEN, c.failed, "This induction has an outcome: {outcome}. An extension after a fail comes from an appeal decision.", "Record the appeal decision as extended (appeals officers, this console)"),
        R("CPD-EXTENSION-ALLOWED", ALLOWED, c.always, "You can add an extension: the induction is in progress."),
    ),
    "lodge_appeal": (
        R("CPD-APPEAL-NOT-A-FAIL", FORBIDDEN, c.not_a_fail, "Only a fail can be appealed. {outcome_now}."),
        R("CPD-APPEAL-ALREADY-LODGED", FORBIDDEN, c.appeal_exists, "An appeal against this fail was already lodged on {appeal_lodged_on}."),
        R("CPD-APPEAL-LODGING-WINDOW", MANUAL, c.lodging_window_closed, "The fail was decided on {outcome_date}; the last day to lodge an appeal was {lodging_last_day} ({APPEAL_LODGING})." + ASK),
        R("CPD-APPEAL-LODGE-ALLOWED", ALLOWED, c.lodging_window_open, "The fail was decided on {outcome_date}; an appeal can be lodged until {lodging_last_day} ({APPEAL_LODGING})."),
    ),
    "record_appeal_decision": (
        R("CPD-APPEAL-DECISION-NO-OPEN-APPEAL", FORBIDDEN, c.no_open_appeal, "{appeal_state}. There is no open appeal to decide.", "Record that an appeal was lodged (appeals officers, this console)"),
        R("CPD-APPEAL-DECISION-WINDOW", MANUAL, c.decision_window_closed, "The appeal was lodged on {appeal_lodged_on}; the decision window closed on {decision_last_day} ({APPEAL_DECISION})." + ASK),
        R("CPD-APPEAL-DECISION-ALLOWED", ALLOWED, c.decision_window_open, "The appeal was lodged on {appeal_lodged_on}; its decision can be recorded until {decision_last_day} ({APPEAL_DECISION})."),
    ),
    "record_exemption": (
        R("CPD-EXEMPTION-HELD-IN-TRS", FORBIDDEN, c.asked_here, "Exemptions are held in TRS. Record it in the TRS console; this console will close the open induction when TRS reports it.", "The TRS console"),
    ),
    "correct_legacy_status": (
        R("CPD-LEGACY-HAS-PERIODS", FORBIDDEN, c.has_periods, "CPD holds induction periods for this teacher, so TRS's status is derived from them.", "Change the induction periods or the outcome (this console)"),
        R("CPD-LEGACY-NO-QTS", FORBIDDEN, c.no_qts, "TRS has no QTS date for this teacher, and TRS takes an induction status only for a teacher with QTS.", "TRS, where QTS is recorded"),
        R("CPD-LEGACY-IN-PROGRESS", FORBIDDEN, c.new_status_in_progress, "An induction in progress must be recorded as induction periods here, so that CPD manages it.", "Add an induction period (this console)"),
        R("CPD-LEGACY-STATUS-SET-IN-TRS", FORBIDDEN, c.new_status_held_in_trs, "The status “{new_status}” is set in the TRS console, not here.", "The TRS console"),
        R("CPD-LEGACY-RECENT-COMPLETION", FORBIDDEN, c.completed_too_recently, "The completed date, {completed_date}, is less than {MANAGED_BY_CPD} ago (a legacy correction is possible from {legacy_from}). A recent induction must be recorded as induction periods so that CPD manages it.", "Add the induction periods and record the outcome (this console)"),
        R("CPD-LEGACY-ALLOWED", ALLOWED, c.always, "CPD holds no induction periods for this teacher: you can correct the status in TRS (to Required to complete, or to Passed or Failed completed at least {MANAGED_BY_CPD} ago)."),
    ),
}
CPD_RULES["record_fail"] = CPD_RULES["record_pass"]

# TRS console: change_induction_status (4.3) --------------------------------------------------------
TRS_RULES: dict[str, tuple[Rule, ...]] = {
    "change_induction_status": (
        R("TRS-NO-ACTIVE-RECORD", FORBIDDEN, c.no_active_trs_record, "{trs_record}. Only an active record can be changed.", "The retained record, for a merged one"),
        R("TRS-NO-CHANGE", FORBIDDEN, c.same_as_trs, "TRS already holds this status ({status}) with these dates: there is nothing to change."),
        R("TRS-TO-NONE", FORBIDDEN, c.to_none, "An induction status cannot be set back to “No induction status”."),
        R("TRS-INPROGRESS-TO-EXEMPT", ALLOWED, c.in_progress_to_exempt, "An induction in progress can be made Exempt, with at least one exemption reason, even while CPD manages it."),
        R("TRS-TO-INPROGRESS", FORBIDDEN, c.to_in_progress, "An induction in progress needs an induction period in CPD.", "The CPD console: add an induction period"),
        R("TRS-MANAGED-EXEMPT-ONLY", ALLOWED, c.managed_and_in_progress, "This induction is managed in CPD. The only change the TRS console can make is from In progress to Exempt, with at least one exemption reason."),
        R("TRS-MANAGED-BY-CPD", FORBIDDEN, c.managed, "This induction is managed in CPD. Record it there so the open induction record is closed properly.", "The CPD console"),
        R("TRS-NOT-MANAGED-ALLOWED", ALLOWED, c.not_managed, "CPD does not manage this induction ({why_not_managed}): TRS may change it, with the dates the TRS API requires."),
    ),
}

# Who owns what (section 3) ------------------------------------------------------------------------
OWNERSHIP_COLUMNS = ("value", "owner", "stored in", "changed from the CPD console", "changed from the TRS console")
OWNERSHIP = (
    ("Name, date of birth, QTS date, TRN", "TRS", "TRS only (read live, cached briefly)", "Never: link to TRS", "Yes"),
    ("Induction periods, appropriate body, programme, terms", "CPD", "CPD only", "Yes, by rule", "Never"),
    ("Extensions", "CPD", "CPD only", "Yes", "Never"),
    ("Outcome (pass or fail, date)", "CPD", "CPD, pushed to TRS as status", "Yes, by rule", "Only when not managed by CPD"),
    ("Appeal (lodged on, decision, decided on)", "CPD", "CPD only", "Appeals officers, by rule", "Never"),
    ("Induction status, start and completed date", "Derived from CPD while CPD has periods; TRS otherwise", "TRS", "Indirectly: CPD pushes what it derives; a legacy record (no CPD periods) is corrected straight in TRS", "By rule"),
    ("Exemption and its reasons", "TRS", "TRS only", "Never: link to TRS, explained", "Yes"),
)

# Who may ask (checked before the rules) -----------------------------------------------------------
APPEAL_ACTIONS = ("lodge_appeal", "record_appeal_decision")
CASEWORK_ACTIONS = tuple(a for a in CONSOLE_ACTIONS["cpd"] if a not in APPEAL_ACTIONS)
ROLE_ACTIONS: dict[str, tuple[str, ...]] = {
    "caseworker": CASEWORK_ACTIONS,
    "senior_caseworker": CASEWORK_ACTIONS,
    "appeals_officer": APPEAL_ACTIONS,
    "viewer": (),
    "admin": (),  # manages accounts; no induction action at all
}
DECIDES_MANUAL_REQUESTS = ("senior_caseworker",)  # never their own request
# fmt: on
