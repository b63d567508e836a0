"""Journeys for appeals officers: lodge an appeal against a fail, record the panel's decision."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.models.appeal import APPEAL_DECISIONS
from app.rules import APPEAL_DECISION, long_date
from app.services import appeals
from app.services.casework import Case
from app.web.filters import format_terms
from app.web.forms.appeals import AppealDecisionForm, AppealExtensionForm, LodgeAppealForm
from app.web.journeys.flow import Answers, Journey, Row, Step


def day_words(day: date) -> str:
    """ "Tuesday 6 October 2026": a deadline reads best with its weekday."""
    return f"{day:%A} {long_date(day)}"


def _lodged_on(answers: Answers) -> date:
    return date.fromisoformat(answers["lodged_on"])


def _lodging_lead(case: Case, answers: Answers) -> str:
    last_day = appeals.lodging_last_day(case)
    failed_on = long_date(case.record.outcome_date)
    return (
        f"The fail was decided on {failed_on}. Appeals must be received by {day_words(last_day)}."
    )


LODGE = Journey(
    slug="lodge-appeal",
    action=appeals.LODGE,
    title="Lodge an appeal",
    steps=(
        Step(
            "received",
            "Lodge an appeal against the fail",
            LodgeAppealForm,
            checks=lambda case, answers: {"lodged_on": _lodged_on(answers)},
            lead=_lodging_lead,
        ),
    ),
    change=lambda case, answers: {"lodged_on": _lodged_on(answers)},
    rows=lambda case, answers: [
        Row("Fail decided on", long_date(case.record.outcome_date)),
        Row("Notice of appeal received", long_date(_lodged_on(answers)), "received"),
    ],
    save=lambda submission, answers: appeals.lodge_appeal(submission, _lodged_on(answers)),
    done="Appeal lodged",
    confirm="Lodge appeal",
)


def _extended(answers: Answers) -> bool:
    return answers.get("decision") == "extended"


def _decision(answers: Answers) -> tuple[str, date, Decimal | None]:
    terms = answers.get("extension_terms") if _extended(answers) else None
    return (
        answers["decision"],
        date.fromisoformat(answers["decided_on"]),
        Decimal(terms) if terms else None,
    )


def _decision_change(case: Case, answers: Answers) -> dict[str, object]:
    return appeals.decision_change(*_decision(answers))


def _decision_lead(case: Case, answers: Answers) -> str:
    lodged_on = case.record.appeal_lodged_on
    last_day = APPEAL_DECISION.last_day(lodged_on)
    return (
        f"The appeal was lodged on {long_date(lodged_on)}. "
        f"Its decision can be recorded until {day_words(last_day)}."
    )


def _decision_rows(case: Case, answers: Answers) -> list[Row]:
    decision, decided_on, terms = _decision(answers)
    rows = [
        Row("Appeal lodged on", long_date(case.record.appeal_lodged_on)),
        Row("Decision", APPEAL_DECISIONS[decision], "decision"),
        Row("Date of the decision", long_date(decided_on), "decision"),
    ]
    if terms is not None:
        rows.append(Row("Extension", format_terms(terms), "extension"))
    return rows


DECIDE = Journey(
    slug="record-appeal-decision",
    action=appeals.DECIDE,
    title="Record an appeal decision",
    steps=(
        Step(
            "decision",
            "Record the appeal decision",
            AppealDecisionForm,
            # An extension's terms come on the next page; the rules see the whole change there.
            checks=lambda case, answers: (
                None if _extended(answers) else _decision_change(case, answers)
            ),
            lead=_decision_lead,
            resets=True,
        ),
        Step(
            "extension",
            "How many terms did the panel extend the induction by?",
            AppealExtensionForm,
            heading=True,
            checks=_decision_change,
            applies=_extended,
        ),
    ),
    change=_decision_change,
    rows=_decision_rows,
    save=lambda submission, answers: appeals.record_appeal_decision(
        submission, *_decision(answers)
    ),
    done="Appeal decision recorded",
    confirm="Record decision",
)
