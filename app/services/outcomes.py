"""Recording a pass or a fail, and reopening an outcome recorded in error (docs/domain.md)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.models import Teacher
from app.models.teacher import OUTCOMES
from app.rules import long_date
from app.services.casework import Outcome, Submission, change_cpd

OUTCOME_ACTIONS = {"pass": "record_pass", "fail": "record_fail"}


def record_outcome(
    submission: Submission, outcome: str, finished_on: date, number_of_terms: Decimal
) -> Outcome:
    """Close the ongoing period with a pass or a fail on `finished_on` (the outcome's date)."""
    change = {"finished_on": finished_on, "number_of_terms": number_of_terms}
    now = submission.clock.now()

    def write(teacher: Teacher) -> str:
        period = teacher.ongoing_period
        period.finished_on = finished_on
        period.number_of_terms = number_of_terms
        period.outcome = outcome
        period.outcome_on = finished_on
        period.outcome_recorded_at = now
        return f"{OUTCOMES[outcome]} induction on {long_date(finished_on)}"

    return change_cpd(submission, OUTCOME_ACTIONS[outcome], lambda case: change, write)


def reopen_outcome(submission: Submission, note: str) -> Outcome:
    """Take back an outcome recorded in error: the period stays finished, the outcome goes."""

    def write(teacher: Teacher) -> str:
        period = teacher.outcome_period
        was = f"{OUTCOMES[period.outcome].lower()} on {long_date(period.outcome_on)}"
        period.outcome = None
        period.outcome_on = None
        period.outcome_recorded_at = None
        return f"Outcome reopened: {was} recorded in error"

    return change_cpd(submission, "reopen_outcome", lambda case: {"note": note}, write, note=note)
