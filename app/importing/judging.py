"""Judging a teacher the file brings: agreement with TRS first, then each period's own rules.

The file records inductions that already happened, so the teacher is judged by whether what the
file implies agrees with TRS (`app.rules.judge_import`), not by whether a caseworker could start
an induction today. The periods are then put to the ordinary period rules one by one, each refusal
with its rule id. The rule set is the authority: nothing here re-checks what a rule checks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import NamedTuple

from app.importing.reading import Row
from app.rules import (
    Decision,
    MalformedChange,
    PeriodFacts,
    TeacherRecord,
    decide,
    judge_import,
    long_date,
)
from app.rules.table import P1, P2, P3

# Refusals that say only what TRS holds: the report adds what the file has beside them.
TRS_SIDE_ONLY = frozenset({P1.id, P2.id, P3.id})
AGREES = "IMPORT-AGREES-WITH-TRS"


class Checked(NamedTuple):
    """The rule set's answer on a teacher of the file.

    - `failed_row` set: that row was refused (`decision` the period rule's, or `problem` a value
      the rules could not read): the teacher is rejected.
    - `decision` not allowed and no `failed_row`: TRS disagrees with the file, a conflict.
    - otherwise `decision` is the import rule that allowed the teacher and `record` the teacher as
      the import leaves them.
    """

    record: TeacherRecord
    decision: Decision | None
    failed_row: Row | None = None
    problem: str | None = None  # a change the rules could not read (MalformedChange)

    @property
    def allowed(self) -> bool:
        return self.failed_row is None and self.decision is not None and self.decision.allowed


def judge_teacher(base: TeacherRecord, rows: Iterable[Row], today: date) -> Checked:
    """`base` is the teacher as TRS holds them (CPD holding no periods); `rows` the file's."""
    ordered = sorted(rows, key=lambda r: (r.started_on, r.line))
    implied = implied_record(base, ordered)
    judged = judge_import(implied, today)
    if not judged.allowed:
        return Checked(implied, judged)
    # TRS's status has been judged by agreement above, so the periods are asked of a record whose
    # TRS side holds no induction: only each period's own rules then answer.
    without_status = replace(
        base, trs_status="None", trs_start_date=None, trs_completed_date=None, exemption_reasons=()
    )
    checked = check_periods(without_status, ordered, today)
    if checked.failed_row is not None:
        return checked
    return Checked(implied, judged)


def implied_record(base: TeacherRecord, ordered: list[Row]) -> TeacherRecord:
    """TRS as read, with the file's periods, outcome and appeal as CPD's side.

    The first row with an outcome carries it (a second is refused by the period rules). Without
    an outcome_recorded_on the outcome counts as recorded on its own date, so an old outcome gains
    no fresh correction window by being imported today.
    """
    carrier = next((r for r in ordered if r.outcome), None)
    return replace(
        base,
        periods=tuple(PeriodFacts(r.started_on, r.finished_on, r is carrier) for r in ordered),
        outcome=carrier.outcome if carrier else None,
        outcome_date=carrier.outcome_on if carrier else None,
        outcome_recorded_on=(carrier.recorded_on or carrier.outcome_on) if carrier else None,
        appeal_lodged_on=carrier.appeal_lodged_on if carrier else None,
        appeal_decision=carrier.appeal_decision if carrier else None,
        appeal_decided_on=carrier.appeal_decided_on if carrier else None,
    )


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
            problem = outcome_dates_problem(row, today)
            if problem:
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


def outcome_dates_problem(row: Row, today: date) -> str | None:
    """The outcome's dates in the order they happen, none in the future: the period starts, the
    outcome is decided, recorded, appealed, and the appeal decided."""
    steps = (
        ("outcome_date", row.outcome_on, row.started_on, "the period started"),
        ("outcome_recorded_on", row.recorded_on, row.outcome_on, "the outcome was decided"),
        ("appeal_lodged_on", row.appeal_lodged_on, row.outcome_on, "the outcome was decided"),
        ("appeal_decided_on", row.appeal_decided_on, row.appeal_lodged_on, "it was lodged"),
    )
    for column, day, earliest, event in steps:
        if day is None:
            continue
        if day > today:
            return f"The {column}, {long_date(day)}, is in the future."
        if earliest is not None and day < earliest:
            return f"The {column}, {long_date(day)}, is before {event}."
    return None


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
