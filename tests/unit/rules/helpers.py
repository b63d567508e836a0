"""Records for the rule tests, built from a TRS status and a CPD state.

A CPD state is built "managed" or "not managed" by CPD (docs/domain.md) where both can exist: an
outcome completed 8 years ago but recorded in CPD recently (a legacy import) is not managed, yet
its correction window is open. A builder returns None where a variant cannot exist (no periods is
never managed; periods without an outcome always are).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from app.rules import TRS_STATUSES, PeriodFacts, TeacherRecord

TODAY = date(2026, 3, 10)  # a Tuesday
QTS = date(2015, 7, 1)
START = date(2023, 9, 4)
OLD_START = date(2016, 9, 5)
OLD_FINISH = date(2018, 7, 20)  # more than 7 years before TODAY
RECENT_FINISH = date(2026, 2, 27)  # a Friday
RECORDED_RECENTLY = date(2026, 3, 1)  # correction window open until 31 March 2026
RECORDED_LONG_AGO = date(2026, 1, 5)  # correction window closed on 4 February 2026
TRS_COMPLETED = date(2025, 7, 18)
EXEMPTION = "They qualified before 07 May 2000"

State = Callable[[bool], dict | None]


def trs_side(status: str) -> dict:
    """TRS's induction values for a status, with the dates TRS holds with it."""
    fields: dict = {"trs_status": status}
    if status in ("InProgress", "Passed", "Failed", "FailedInWales"):
        fields["trs_start_date"] = START
    if status in ("Passed", "Failed", "FailedInWales"):
        fields["trs_completed_date"] = TRS_COMPLETED
    if status == "Exempt":
        fields["exemption_reasons"] = (EXEMPTION,)
    return fields


def build(status: str, state: State, managed: bool, **trs: object) -> TeacherRecord | None:
    cpd = state(managed)
    if cpd is None:
        return None
    return TeacherRecord(**{**trs_side(status), **trs, **cpd})


def every_variant(state: State) -> list[tuple[str, bool]]:
    """Every TRS status, managed and not, that the state can be built in."""
    return [
        (status, managed)
        for status in TRS_STATUSES
        for managed in (True, False)
        if state(managed) is not None
    ]


# CPD states ---------------------------------------------------------------------------------------


def no_periods(managed: bool) -> dict | None:
    return None if managed else {"qts_date": QTS}


def no_periods_no_qts(managed: bool) -> dict | None:
    return None if managed else {"qts_date": None}


def ongoing(managed: bool) -> dict | None:
    return {"qts_date": QTS, "periods": (PeriodFacts(START),)} if managed else None


def finished_no_outcome(managed: bool) -> dict | None:
    if not managed:
        return None
    return {"qts_date": QTS, "periods": (PeriodFacts(START, date(2024, 7, 19)),)}


def finished_then_ongoing(managed: bool) -> dict | None:
    if not managed:
        return None
    return {
        "qts_date": QTS,
        "periods": (PeriodFacts(START, date(2024, 7, 19)), PeriodFacts(date(2024, 9, 2))),
    }


def outcome_state(
    outcome: str,
    recorded_on: date,
    *,
    managed_finish: date = RECENT_FINISH,
    appeal: dict | None = None,
    earlier_period: bool = False,
) -> State:
    """One period carrying the outcome; managed: finished recently; not: finished 8 years ago."""

    def state(managed: bool) -> dict | None:
        start, finish = (START, managed_finish) if managed else (OLD_START, OLD_FINISH)
        periods = (PeriodFacts(start, finish, True),)
        if earlier_period:
            periods = (PeriodFacts(date(start.year - 1, 9, 1), date(start.year, 7, 20)), *periods)
        fields = {
            "qts_date": QTS,
            "periods": periods,
            "outcome": outcome,
            "outcome_date": finish,
            "outcome_recorded_on": max(recorded_on, finish),
        }
        if appeal is not None:
            if appeal["appeal_lodged_on"] < finish:
                return None
            fields.update(appeal)
        return fields

    return state


pass_in_window = outcome_state("pass", RECORDED_RECENTLY)
pass_window_closed = outcome_state("pass", RECORDED_LONG_AGO, managed_finish=date(2026, 1, 5))
fail_in_window = outcome_state("fail", RECORDED_RECENTLY)
fail_window_closed = outcome_state("fail", RECORDED_LONG_AGO, managed_finish=date(2026, 1, 5))
pass_with_earlier_period = outcome_state(
    "pass", RECORDED_LONG_AGO, managed_finish=date(2026, 1, 5), earlier_period=True
)


def fail_in_lodging_window(managed: bool) -> dict | None:
    """Failed on Friday 27 February 2026: an appeal can be lodged until 27 March 2026."""
    return fail_in_window(managed) if managed else None


def _appealed(decision: str | None, lodged: date, decided: date | None = None) -> State:
    appeal = {"appeal_lodged_on": lodged, "appeal_decision": decision, "appeal_decided_on": decided}
    state = outcome_state(
        "fail", date(2025, 11, 3), managed_finish=date(2025, 11, 3), appeal=appeal
    )
    if decision == "extended":  # the fail is set aside: an induction in progress is always managed
        return lambda managed: state(managed) if managed else None
    return state


appeal_open = _appealed(None, date(2025, 11, 20))  # decision window open until 19 May 2026


def appeal_open_long_ago(managed: bool) -> dict | None:
    """Lodged 1 September 2025: the decision window closed on 28 February 2026."""
    state = outcome_state(
        "fail",
        date(2025, 8, 20),
        managed_finish=date(2025, 8, 20),
        appeal={"appeal_lodged_on": date(2025, 9, 1)},
    )
    return state(managed)


appeal_dismissed = _appealed("dismissed", date(2025, 11, 20), date(2026, 1, 12))
appeal_upheld = _appealed("upheld", date(2025, 11, 20), date(2026, 1, 12))
appeal_extended = _appealed("extended", date(2025, 11, 20), date(2026, 1, 12))
