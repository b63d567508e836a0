"""Adding, changing and deleting a teacher's induction periods (docs/domain.md).

One function per caseworker action. Each asks the rules with the full change and writes through
`casework.change_cpd`, so the period rows, the audit event and the outbox row commit together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AppropriateBody, InductionPeriod, Teacher
from app.rules import long_date
from app.services.casework import Case, NotFound, Outcome, Submission, change_cpd, period_index


@dataclass(frozen=True)
class PeriodAnswers:
    """A period as a caseworker gives it; `finished_on` None while it is ongoing."""

    appropriate_body_id: int
    started_on: date
    finished_on: date | None
    training_programme: str
    number_of_terms: Decimal | None


def dates_change(
    started_on: date, finished_on: date | None, number_of_terms: Decimal | None
) -> dict[str, object]:
    """The fields the rules read for a new period (an ongoing one has no end date or terms)."""
    change: dict[str, object] = {"started_on": started_on}
    if finished_on is not None:
        change["finished_on"] = finished_on
    if number_of_terms is not None:
        change["number_of_terms"] = number_of_terms
    return change


def appropriate_bodies(session: Session) -> list[AppropriateBody]:
    """Every appropriate body, by name, for a caseworker to choose from."""
    return list(session.scalars(select(AppropriateBody).order_by(AppropriateBody.name)))


def appropriate_body(session: Session, body_id: int) -> AppropriateBody:
    body = session.get(AppropriateBody, body_id)
    if body is None:
        raise NotFound(f"appropriate body {body_id}")
    return body


def find_period(case: Case, period_id: int) -> InductionPeriod:
    """The teacher's period with this id, or NotFound (another teacher's id is not found)."""
    return case.teacher.induction_periods[period_index(case, period_id)]


def period_words(period: InductionPeriod) -> str:
    """ "Alpha Teaching School Hub, 2 September 2024 to 18 July 2025" (or "onwards")."""
    end = f"to {long_date(period.finished_on)}" if period.finished_on else "onwards"
    return f"{period.appropriate_body.name}, {long_date(period.started_on)} {end}"


def add_period(submission: Submission, answers: PeriodAnswers) -> Outcome:
    """Add a period: the first (starting induction) or a later or earlier one."""
    body = appropriate_body(submission.session, answers.appropriate_body_id)

    def write(teacher: Teacher) -> str:
        period = InductionPeriod(
            appropriate_body=body,
            started_on=answers.started_on,
            finished_on=answers.finished_on,
            training_programme=answers.training_programme,
            number_of_terms=answers.number_of_terms,
        )
        teacher.induction_periods.append(period)
        return f"Induction period added: {period_words(period)}"

    change = dates_change(answers.started_on, answers.finished_on, answers.number_of_terms)
    return change_cpd(submission, "add_induction_period", lambda case: change, write)


def edit_change(case: Case, period_id: int, answers: PeriodAnswers) -> dict[str, object]:
    """The rules' change for an edit: the period's index and only the values that change.

    Unchanged dates are left out, so a period whose old dates a rule would now refuse (say TRS
    moved the QTS date) can still have its programme or appropriate body corrected.
    """
    period = find_period(case, period_id)
    change: dict[str, object] = {"period_index": period_index(case, period_id)}
    if answers.started_on != period.started_on:
        change["started_on"] = answers.started_on
    if answers.finished_on != period.finished_on:
        change["finished_on"] = answers.finished_on
    if answers.number_of_terms is not None and answers.number_of_terms != period.number_of_terms:
        change["number_of_terms"] = answers.number_of_terms
    return change


def edit_period(submission: Submission, period_id: int, answers: PeriodAnswers) -> Outcome:
    """Change a period's dates, terms, programme or appropriate body.

    A period carrying the outcome keeps its outcome; the outcome's date is the period's end
    (as when it was recorded), so correcting the end date corrects the outcome date too.
    """
    body = appropriate_body(submission.session, answers.appropriate_body_id)

    def write(teacher: Teacher) -> str:
        period = _period_of(teacher, period_id)
        period.appropriate_body = body
        period.started_on = answers.started_on
        period.finished_on = answers.finished_on
        period.training_programme = answers.training_programme
        period.number_of_terms = answers.number_of_terms
        if period.outcome is not None:
            period.outcome_on = answers.finished_on
        return f"Induction period changed: {period_words(period)}"

    return change_cpd(
        submission,
        "edit_induction_period",
        lambda case: edit_change(case, period_id, answers),
        write,
    )


def delete_period(submission: Submission, period_id: int, note: str) -> Outcome:
    """Delete a period carrying no outcome, with a note or support ticket (kept in the event)."""

    def write(teacher: Teacher) -> str:
        period = _period_of(teacher, period_id)
        teacher.induction_periods.remove(period)
        return f"Induction period deleted: {period_words(period)}"

    return change_cpd(
        submission,
        "delete_induction_period",
        lambda case: {"period_index": period_index(case, period_id), "note": note},
        write,
        note=note,
    )


def _period_of(teacher: Teacher, period_id: int) -> InductionPeriod:
    return next(p for p in teacher.induction_periods if p.id == period_id)
