"""Journeys for outcomes: record a pass, record a fail, reopen an outcome recorded in error."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.rules import long_date
from app.services import outcomes
from app.services.casework import Case
from app.web.filters import format_terms
from app.web.forms.journeys import OutcomeForm, ReopenForm
from app.web.journeys.flow import Answers, Journey, Row, Step


def _finish(answers: Answers) -> tuple[date, Decimal]:
    """The end date and the number of terms the outcome closes the ongoing period with."""
    return date.fromisoformat(answers["finished_on"]), Decimal(answers["number_of_terms"])


def _outcome_change(case: Case, answers: Answers) -> dict[str, object]:
    finished_on, number_of_terms = _finish(answers)
    return {"finished_on": finished_on, "number_of_terms": number_of_terms}


def _outcome_rows(case: Case, answers: Answers) -> list[Row]:
    ongoing = case.teacher.ongoing_period
    finished_on, number_of_terms = _finish(answers)
    return [
        Row("Appropriate body", ongoing.appropriate_body.name),
        Row("Period started", long_date(ongoing.started_on)),
        Row("End date", long_date(finished_on), "outcome"),
        Row("Number of terms", format_terms(number_of_terms), "outcome"),
    ]


def _outcome_journey(outcome: str, words: str) -> Journey:
    """Recording a pass and a fail differ only in the outcome they record."""
    return Journey(
        slug=f"record-{outcome}",
        action=outcomes.OUTCOME_ACTIONS[outcome],
        title=f"Record a {outcome}",
        steps=(
            Step(
                "outcome",
                f"Record that the teacher {words} induction",
                OutcomeForm,
                checks=_outcome_change,
            ),
        ),
        change=_outcome_change,
        rows=lambda case, answers: [
            Row("Outcome", words.capitalize()),
            *_outcome_rows(case, answers),
        ],
        save=lambda submission, answers: outcomes.record_outcome(
            submission, outcome, *_finish(answers)
        ),
        done=f"Induction {words}",
        confirm=f"Record {outcome}",
    )


RECORD_PASS = _outcome_journey("pass", "passed")
RECORD_FAIL = _outcome_journey("fail", "failed")


def _outcome_words(case: Case) -> str:
    period = case.teacher.outcome_period
    return f"{period.outcome_name} on {long_date(period.outcome_on)}"


REOPEN = Journey(
    slug="reopen-outcome",
    action="reopen_outcome",
    title="Reopen an outcome recorded in error",
    steps=(
        Step(
            "note",
            "Why was the outcome recorded in error?",
            ReopenForm,
            heading=True,
            checks=lambda case, answers: {"note": answers["note"]},
            lead=lambda case, answers: f"The outcome recorded is: {_outcome_words(case)}.",
        ),
    ),
    change=lambda case, answers: {"note": answers["note"]},
    rows=lambda case, answers: [
        Row("Outcome to reopen", _outcome_words(case)),
        Row("Why it was recorded in error", answers["note"], "note"),
    ],
    save=lambda submission, answers: outcomes.reopen_outcome(submission, answers["note"]),
    done="Outcome reopened",
    confirm="Reopen outcome",
    warning=(
        "The period stays finished; the teacher's induction is in progress again "
        "until an outcome is recorded."
    ),
)
