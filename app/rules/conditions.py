"""The conditions the rule table names, one small function each.

Each takes (record, today, change) and returns None when it does not hold, or the facts its reason
needs (a dict; dates in it become the decision's `dates_used`). `change` is None when a page asks
whether the action is available at all; conditions about a change's fields then do not hold.
A condition's docstring is the "when" the rules page publishes.
"""

from __future__ import annotations

from datetime import date, timedelta

from app.rules.formatting import APPEAL_DECISION_WORDS, long_date, status_words
from app.rules.record import PeriodFacts, TeacherRecord, managed_by_cpd
from app.rules.windows import window

Facts = dict[str, object] | None
STATUTORY_INDUCTION_BEGAN = date(1999, 9, 1)
FAR_FUTURE = date.max


# Shared facts -----------------------------------------------------------------------------------


def _outcome_facts(r: TeacherRecord) -> dict[str, object]:
    """The outcome in words, e.g. "a pass on 3 March 2025", with its dates."""
    facts: dict[str, object] = {"outcome_date": r.outcome_date}
    if r.appeal_counts and r.appeal_decision == "upheld":
        facts["appeal_decided_on"] = r.appeal_decided_on
        facts["outcome"] = f"a pass on appeal, decided on {long_date(r.appeal_decided_on)}"
    else:
        facts["outcome"] = f"a {r.outcome} on {long_date(r.outcome_date)}"
    return facts


def _correction_window(r: TeacherRecord) -> tuple[date, date]:
    recorded = r.outcome_recorded_on
    return recorded, window("OUTCOME_CORRECTION").last_day(recorded)


def _correction_facts(r: TeacherRecord) -> dict[str, object]:
    recorded, last = _correction_window(r)
    return {"outcome_recorded_on": recorded, "correction_closes_on": last}


def _period_words(p: PeriodFacts) -> str:
    if p.finished_on is None:
        return f"the ongoing period that started on {long_date(p.started_on)}"
    return f"the period from {long_date(p.started_on)} to {long_date(p.finished_on)}"


def _proposed(r: TeacherRecord, ch: dict) -> tuple[date, date | None, int | None]:
    """The period as the change would leave it: (start, finish, index of the period edited)."""
    index = ch.get("period_index")
    if index is None:
        return ch["started_on"], ch.get("finished_on"), None
    period = r.periods[index]
    return ch.get("started_on", period.started_on), ch.get("finished_on", period.finished_on), index


def _moves_dates(ch: dict | None) -> bool:
    return ch is not None and ("started_on" in ch or "finished_on" in ch)


def _target_has_outcome(r: TeacherRecord, ch: dict | None) -> bool:
    """The period acted on carries the outcome; asked in general, every period does."""
    if ch is None:
        return bool(r.periods) and all(p.has_outcome for p in r.periods)
    return r.periods[ch["period_index"]].has_outcome


# Before any CPD-console write ---------------------------------------------------------------------

TRS_RECORD_WORDS = {
    "not_found": "TRS has no record with this TRN",
    "deactivated": "TRS has deactivated this teacher's record",
    "merged": "TRS has merged this record into TRN {trn}: make the change on that record",
}
# Where to go instead, for each state of a record that is not active.
TRS_RECORD_ADVICE = {
    "not_found": "Check the TRN with TRS support: CPD may hold a mistyped or retired TRN",
    "deactivated": "TRS support, who can say why the record was deactivated and restore it",
    "merged": "The retained record, TRN {trn}",
}


def no_active_trs_record(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """TRS has no active record: not found, deactivated, or merged into another TRN."""
    if r.trs_found == "active":
        return None
    return {
        "trs_record": TRS_RECORD_WORDS[r.trs_found].format(trn=r.merged_into_trn),
        "trs_record_advice": TRS_RECORD_ADVICE[r.trs_found].format(trn=r.merged_into_trn),
    }


def failed_in_wales(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """TRS status is FailedInWales."""
    return {} if r.trs_status == "FailedInWales" else None


def exempt_in_trs(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """TRS status is Exempt."""
    if r.trs_status != "Exempt":
        return None
    return {
        "exemption": status_words("Exempt", r.exemption_reasons).partition(": ")[2]
        or "no reason given"
    }


# Induction periods -------------------------------------------------------------------------------


def first_period_without_qts(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """CPD has no periods and TRS has no QTS date for the teacher."""
    return {} if not r.periods and r.qts_date is None else None


def first_period_after_trs_outcome(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """CPD has no periods and TRS already shows Passed or Failed."""
    if r.periods or r.trs_status not in ("Passed", "Failed"):
        return None
    when = f", completed on {long_date(r.trs_completed_date)}" if r.trs_completed_date else ""
    return {
        "trs_outcome": f"{r.trs_status}{when}",
        "trs_completed_date": r.trs_completed_date,
    }


def outcome_recorded(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """The induction has an outcome (after any appeal)."""
    return _outcome_facts(r) if r.effective_outcome is not None else None


def later_period_after_outcome(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """CPD has periods and the induction has an outcome (after any appeal)."""
    return outcome_recorded(r, today, ch) if r.periods else None


def start_before_qts(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """The period would start before the teacher's QTS date."""
    if ch is None or "started_on" not in ch or r.qts_date is None:
        return None
    start = _proposed(r, ch)[0]
    return {"started_on": start, "qts_date": r.qts_date} if start < r.qts_date else None


def start_before_statutory_induction(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """The period would start before 1 September 1999."""
    if ch is None or "started_on" not in ch:
        return None
    start = _proposed(r, ch)[0]
    return {"started_on": start} if start < STATUTORY_INDUCTION_BEGAN else None


def start_in_future(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """The period would start after today."""
    if ch is None or "started_on" not in ch:
        return None
    start = _proposed(r, ch)[0]
    return {"started_on": start} if start > today else None


def finish_in_future(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """The end date given is after today."""
    finish = None if ch is None else ch.get("finished_on")
    return {"finished_on": finish} if finish is not None and finish > today else None


def ongoing_period_not_last(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """The period would have no end date but another period starts on or after its start."""
    if not _moves_dates(ch):
        return None
    start, finish, index = _proposed(r, ch)
    if finish is not None:
        return None
    for i, p in enumerate(r.periods):
        if i != index and p.started_on >= start:
            return {"later_period": _period_words(p), "started_on": start}
    return None


def overlaps_another_period(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """The period would overlap another (a period may start on the day another finished)."""
    if not _moves_dates(ch):
        return None
    start, finish, index = _proposed(r, ch)
    end = finish or FAR_FUTURE
    for i, p in enumerate(r.periods):
        if i != index and start < (p.finished_on or FAR_FUTURE) and p.started_on < end:
            return {
                "clash": _period_words(p),
                "clash_started_on": p.started_on,
                "clash_finished_on": p.finished_on,
            }
    return None


def edited_period_after_outcome(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """The induction has an outcome and the edited period would be ongoing or start after it."""
    if not _moves_dates(ch) or r.effective_outcome is None:
        return None
    start, finish, index = _proposed(r, ch)
    if not r.periods[index].has_outcome and start >= r.cpd_completed_date:
        return {**_outcome_facts(r), "started_on": start}
    return _outcome_facts(r) if finish is None else None


def no_periods(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """CPD holds no induction periods for the teacher."""
    return None if r.periods else {}


def has_periods(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """CPD holds induction periods for the teacher."""
    return {} if r.periods else None


def period_carries_outcome(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """The period carries the induction's outcome."""
    return _outcome_facts(r) if r.outcome and _target_has_outcome(r, ch) else None


def outcome_period_window_closed(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """The period carries the outcome and the outcome-correction window has closed."""
    if not _target_has_outcome(r, ch) or r.outcome_recorded_on is None:
        return None
    recorded, last = _correction_window(r)
    return _correction_facts(r) if today > last else None


def outcome_period_window_open(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """The period carries the outcome and the outcome-correction window is open."""
    if not _target_has_outcome(r, ch) or r.outcome_recorded_on is None:
        return None
    return _correction_facts(r)


# Outcomes ---------------------------------------------------------------------------------------


def no_ongoing_period(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """There is no ongoing induction period."""
    return {} if r.ongoing_period is None else None


def no_outcome(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """The induction has no outcome (after any appeal)."""
    return {} if r.effective_outcome is None else None


def appeal_lodged(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """An appeal against the fail has been lodged and not decided."""
    return {"appeal_lodged_on": r.appeal_lodged_on} if r.appeal_open else None


def appeal_decided(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """An appeal against the outcome now standing has been decided.

    Upheld leaves a pass and dismissed a fail on the appealed period: either way the appeal's
    decision is final here, so neither outcome may be reopened as if recorded in error.
    """
    if r.appeal_lodged_on is None or r.appeal_decision is None or r.outcome is None:
        return None
    return {
        "appeal_decided_on": r.appeal_decided_on,
        "appeal_decision": APPEAL_DECISION_WORDS[r.appeal_decision],
    }


def correction_window_closed(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """The outcome-correction window has closed."""
    return _correction_facts(r) if today > _correction_window(r)[1] else None


def correction_window_open(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """The outcome-correction window is open."""
    return _correction_facts(r)


def passed(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """The induction was passed (after any appeal)."""
    return _outcome_facts(r) if r.effective_outcome == "pass" else None


def failed(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """The induction was failed and the fail stands or is under appeal."""
    return _outcome_facts(r) if r.effective_outcome == "fail" else None


# Appeals ----------------------------------------------------------------------------------------


def not_a_fail(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """The outcome is not a fail."""
    if r.outcome == "fail":
        return None
    if r.outcome is None:
        return {"outcome_now": "This induction has no outcome"}
    return {
        "outcome_now": f"This induction's outcome is {_outcome_facts(r)['outcome']}",
        "outcome_date": r.outcome_date,
    }


def appeal_exists(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """An appeal against the fail has already been lodged."""
    return {"appeal_lodged_on": r.appeal_lodged_on} if r.appeal_counts else None


def _lodging_facts(r: TeacherRecord) -> dict[str, object]:
    return {
        "outcome_date": r.outcome_date,
        "lodging_last_day": window("APPEAL_LODGING").last_day(r.outcome_date),
    }


def lodging_window_closed(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """The appeal lodging window has closed."""
    facts = _lodging_facts(r)
    return facts if today > facts["lodging_last_day"] else None


def lodging_window_open(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """The appeal lodging window is open."""
    return _lodging_facts(r)


def no_open_appeal(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """No appeal is open (none lodged against a fail, or it has been decided)."""
    if r.appeal_open:
        return None
    if r.appeal_counts:
        words = APPEAL_DECISION_WORDS[r.appeal_decision]
        return {
            "appeal_state": f"The appeal was decided on {long_date(r.appeal_decided_on)}: {words}",
            "appeal_decided_on": r.appeal_decided_on,
        }
    return {"appeal_state": "No appeal has been lodged against a fail for this teacher"}


def _decision_facts(r: TeacherRecord) -> dict[str, object]:
    lodged = r.appeal_lodged_on
    return {
        "appeal_lodged_on": lodged,
        "decision_last_day": window("APPEAL_DECISION").last_day(lodged),
    }


def decision_window_closed(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """The appeal decision window has closed."""
    facts = _decision_facts(r)
    return facts if today > facts["decision_last_day"] else None


def decision_window_open(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """The appeal decision window is open."""
    return _decision_facts(r)


# Legacy records and the TRS console --------------------------------------------------------------


def no_qts(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """TRS has no QTS date for the teacher."""
    return {} if r.qts_date is None else None


def new_status_in_progress(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """The new status is InProgress."""
    return {} if ch is not None and ch["status"] == "InProgress" else None


def new_status_held_in_trs(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """The new status is None, Exempt or FailedInWales."""
    if ch is None or ch["status"] not in ("None", "Exempt", "FailedInWales"):
        return None
    return {"new_status": status_words(ch["status"])}


def completed_too_recently(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """The new status is Passed or Failed, completed less than {MANAGED_BY_CPD} ago."""
    if ch is None or ch["status"] not in ("Passed", "Failed"):
        return None
    completed = ch["completed_date"]
    managed = window("MANAGED_BY_CPD")
    if not managed.is_open(completed, today):
        return None
    return {"completed_date": completed, "legacy_from": managed.last_day(completed) + timedelta(1)}


def always(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """Otherwise."""
    return {}


def asked_here(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """Always: exemptions are held in TRS only."""
    return {}


def same_as_trs(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """The change gives the status and dates TRS already holds (not Exempt, whose reasons may change)."""
    if ch is None or ch["status"] != r.trs_status or r.trs_status == "Exempt":
        return None
    if ch.get("start_date") != r.trs_start_date or ch.get("completed_date") != r.trs_completed_date:
        return None
    return {"status": status_words(r.trs_status)}


def to_none(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """The new status is None."""
    return {} if ch is not None and ch["status"] == "None" else None


def in_progress_to_exempt(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """TRS status is InProgress and the new status is Exempt."""
    return (
        {} if ch is not None and r.trs_status == "InProgress" and ch["status"] == "Exempt" else None
    )


def to_in_progress(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """The new status is InProgress."""
    return {} if ch is not None and ch["status"] == "InProgress" else None


def managed_and_in_progress(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """Asked in general: CPD manages the induction and TRS status is InProgress."""
    if ch is not None or r.trs_status != "InProgress" or not managed_by_cpd(r, today):
        return None
    return _managed_facts(r)


def managed(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """CPD manages the induction: CPD has periods, completed none or less than {MANAGED_BY_CPD} ago."""
    if not managed_by_cpd(r, today):
        return None
    return _managed_facts(r)


def _managed_facts(r: TeacherRecord) -> dict[str, object]:
    """The induction's start and, once it is completed, the last day CPD manages it."""
    facts: dict[str, object] = {"induction_start": r.cpd_start_date}
    if r.cpd_completed_date is not None:
        facts["managed_until"] = window("MANAGED_BY_CPD").last_day(r.cpd_completed_date)
    return facts


def not_managed(r: TeacherRecord, today: date, ch: dict | None) -> Facts:
    """CPD does not manage the induction."""
    if not r.periods:
        return {"why_not_managed": "CPD holds no induction periods for this teacher"}
    completed = r.cpd_completed_date
    return {
        "why_not_managed": f"the induction was completed on {long_date(completed)}, "
        f"at least {window('MANAGED_BY_CPD').words} ago",
        "completed_date": completed,
    }
