"""Judging a teacher the file brings: the file's periods put to the rule set, one by one.

The rule set is the authority on periods: nothing here re-checks what a rule checks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import NamedTuple

from app.importing.reading import Row
from app.rules import Decision, MalformedChange, PeriodFacts, TeacherRecord, decide, long_date

# Rules that answer about the teacher as TRS holds them, not about one row of the file. The first
# three are TRS disagreeing with what the import implies: conflicts, listed for a person to settle.
TRS_CONFLICT_RULES = frozenset(
    {"CPD-P2-FAILED-IN-WALES", "CPD-P3-EXEMPT", "CPD-ADD-FIRST-TRS-COMPLETED"}
)
TEACHER_RULES = TRS_CONFLICT_RULES | {"CPD-P1-NO-ACTIVE-TRS-RECORD", "CPD-ADD-FIRST-NO-QTS"}


class Checked(NamedTuple):
    """The rule set's answer on a teacher's periods, put in date order onto a hypothetical record.

    `failed_row` is None when every period (and outcome) was allowed; `decision` is then the last
    allowed decision and `record` the teacher as the import would leave them.
    """

    record: TeacherRecord
    decision: Decision | None
    failed_row: Row | None = None
    problem: str | None = None  # a change the rules could not read (MalformedChange)


def check_periods(base: TeacherRecord, rows: Iterable[Row], today: date) -> Checked:
    """Ask the rules about each period in start order, as a caseworker would add them: a period
    with an outcome is added as ongoing, then its pass or fail is recorded."""
    record, decision = base, None
    for row in sorted(rows, key=lambda r: (r.started_on, r.line)):
        try:
            if row.outcome is None:
                change = {
                    "started_on": row.started_on,
                    "finished_on": row.finished_on,
                    "number_of_terms": row.terms,
                }
                decision = decide("cpd", "add_induction_period", record, today, change)
                if not decision.allowed:
                    return Checked(record, decision, row)
                record = _add(record, PeriodFacts(row.started_on, row.finished_on))
                continue
            if row.outcome_on > today or row.outcome_on < row.started_on:
                when = "in the future" if row.outcome_on > today else "before the period started"
                problem = f"The outcome_date, {long_date(row.outcome_on)}, is {when}."
                return Checked(record, None, row, problem)
            decision = decide(
                "cpd", "add_induction_period", record, today, {"started_on": row.started_on}
            )
            if not decision.allowed:
                return Checked(record, decision, row)
            record = _add(record, PeriodFacts(row.started_on))
            change = {"finished_on": row.finished_on, "number_of_terms": row.terms}
            decision = decide("cpd", f"record_{row.outcome}", record, today, change)
            if not decision.allowed:
                return Checked(record, decision, row)
            record = replace(
                record,
                periods=(*record.periods[:-1], PeriodFacts(row.started_on, row.finished_on, True)),
                outcome=row.outcome,
                outcome_date=row.outcome_on,
                outcome_recorded_on=today,
            )
        except MalformedChange as error:
            where = "" if error.field in error.message else f" ({error.field})"
            return Checked(record, None, row, f"{error.message}{where}.")
    return Checked(record, decision)


def _add(record: TeacherRecord, period: PeriodFacts) -> TeacherRecord:
    return replace(record, periods=(*record.periods, period))


def file_says(rows: list[Row]) -> str:
    """What the file's periods imply, in words, set beside TRS's status in a conflict."""
    outcome = next((r for r in rows if r.outcome), None)
    if outcome:
        return f"a {outcome.outcome} on {long_date(outcome.outcome_on)}"
    ongoing = next((r for r in rows if r.finished_on is None), None)
    if ongoing:
        return f"an ongoing induction period that started on {long_date(ongoing.started_on)}"
    first, last = min(r.started_on for r in rows), max(r.finished_on for r in rows)
    return f"induction periods from {long_date(first)} to {long_date(last)}"
