"""The journey for correcting a legacy record's induction status straight in TRS."""

from __future__ import annotations

from datetime import date

from app.rules import long_date, status_words
from app.services import legacy
from app.services.casework import Case
from app.web.forms.journeys import (
    LegacyDatesForm,
    LegacyReasonForm,
    LegacyStatusForm,
    delete_note,
    legacy_needs_dates,
)
from app.web.journeys.flow import Answers, Journey, Row, Step


def _day(answers: Answers, name: str) -> date | None:
    value = answers.get(name)
    return date.fromisoformat(value) if value else None


def _change(case: Case, answers: Answers) -> dict[str, object]:
    change = {
        "status": answers["status"],
        "start_date": _day(answers, "start_date"),
        "completed_date": _day(answers, "completed_date"),
    }
    return {key: value for key, value in change.items() if value is not None}


def _rows(case: Case, answers: Answers) -> list[Row]:
    record = case.record
    rows = [
        Row("Induction status in TRS now", status_words(record.trs_status)),
        Row("New induction status", status_words(answers["status"]), "status"),
    ]
    for key, name in (
        ("Induction start date", "start_date"),
        ("Induction completed date", "completed_date"),
    ):
        if answers.get(name):
            rows.append(Row(key, long_date(_day(answers, name)), "dates"))
    rows.append(Row("Why", answers["reason"], "reason"))
    rows.append(
        Row("Support ticket number", answers.get("support_ticket") or "None given", "reason")
    )
    return rows


CORRECT = Journey(
    slug="correct-trs-status",
    action=legacy.ACTION,
    title="Correct the induction status in TRS",
    steps=(
        Step(
            "status",
            "What should TRS record as the induction status?",
            LegacyStatusForm,
            heading=True,
            # With dates to come, the rules are asked once they are given.
            checks=lambda case, answers: (
                None if legacy_needs_dates(answers.get("status")) else _change(case, answers)
            ),
            lead=lambda case, answers: (
                "CPD holds no induction periods for this teacher, so this correction goes straight "
                f"to TRS. TRS records: {status_words(case.record.trs_status)}."
            ),
        ),
        Step(
            "dates",
            "When was the induction?",
            LegacyDatesForm,
            checks=_change,
            applies=lambda answers: legacy_needs_dates(answers.get("status")),
        ),
        Step("reason", "Why is the induction status being corrected?", LegacyReasonForm),
    ),
    change=_change,
    rows=_rows,
    save=lambda submission, answers: legacy.correct_legacy_status(
        submission,
        status=answers["status"],
        start_date=_day(answers, "start_date"),
        completed_date=_day(answers, "completed_date"),
        note=delete_note(answers["reason"], answers.get("support_ticket")),
    ),
    seen=lambda case: legacy.trs_values(case.record),
    done="Induction status corrected in TRS",
    confirm="Send to TRS",
)
