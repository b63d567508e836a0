"""Journeys for induction periods: add one, change one, delete one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.models.teacher import TRAINING_PROGRAMMES
from app.rules import long_date
from app.services import induction_periods as periods
from app.services.casework import Case, period_index
from app.web.context import db_session
from app.web.filters import format_terms
from app.web.forms.journeys import (
    AppropriateBodyForm,
    ChoosePeriodForm,
    DeletePeriodForm,
    EditPeriodForm,
    JourneyForm,
    PeriodDatesForm,
    TrainingProgrammeForm,
    decimal_text,
    delete_note,
)
from app.web.journeys.flow import Answers, Journey, Row, Step


def _dates(answers: Answers) -> tuple[date, date | None, Decimal | None]:
    """Start, end and terms from a journey's answers (each checked by its form on the way in)."""
    finished, terms = answers.get("finished_on"), answers.get("number_of_terms")
    return (
        date.fromisoformat(answers["started_on"]),
        date.fromisoformat(finished) if finished else None,
        Decimal(terms) if terms else None,
    )


def period_answers(answers: Answers) -> periods.PeriodAnswers:
    started_on, finished_on, number_of_terms = _dates(answers)
    return periods.PeriodAnswers(
        appropriate_body_id=int(answers["appropriate_body_id"]),
        started_on=started_on,
        finished_on=finished_on,
        training_programme=answers["training_programme"],
        number_of_terms=number_of_terms,
    )


def _body_choices(form: JourneyForm, case: Case, answers: Answers) -> None:
    form.appropriate_body_id.choices = {"": "Select an appropriate body"} | {
        str(body.id): body.name for body in periods.appropriate_bodies(db_session())
    }


def _period_choices(form: JourneyForm, case: Case, answers: Answers) -> None:
    teacher_periods = case.teacher.induction_periods if case.teacher else []
    form.period_id.choices = {str(p.id): periods.period_words(p) for p in teacher_periods}


def _only_period(case: Case) -> Answers:
    """The period chosen without asking, when the teacher has exactly one."""
    teacher_periods = case.teacher.induction_periods if case.teacher else []
    return {"period_id": str(teacher_periods[0].id)} if len(teacher_periods) == 1 else {}


def _chosen(case: Case, answers: Answers):
    return periods.find_period(case, int(answers["period_id"]))


def _body_name(answers: Answers) -> str:
    return periods.appropriate_body(db_session(), int(answers["appropriate_body_id"])).name


def _period_rows(answers: Answers, steps: dict[str, str]) -> list[Row]:
    """A period's answers as rows; `steps` says which page each row's Change link goes to."""
    return [
        Row("Appropriate body", _body_name(answers), steps["appropriate_body_id"]),
        Row("Start date", long_date(date.fromisoformat(answers["started_on"])), steps["dates"]),
        Row("End date", _end_words(answers.get("finished_on")), steps["dates"]),
        Row("Number of terms", _terms_words(answers.get("number_of_terms")), steps["dates"]),
        Row(
            "Training programme",
            TRAINING_PROGRAMMES[answers["training_programme"]],
            steps["training_programme"],
        ),
    ]


def _end_words(finished: str | None) -> str:
    return long_date(date.fromisoformat(finished)) if finished else "Ongoing"


def _terms_words(terms: str | None) -> str:
    return format_terms(Decimal(terms)) if terms else "Not yet known"


def _dates_change(case: Case, answers: Answers) -> dict[str, object]:
    return periods.dates_change(*_dates(answers))


ADD_LINKS = {
    "appropriate_body_id": "appropriate-body",
    "dates": "dates",
    "training_programme": "training-programme",
}
EDIT_LINKS = dict.fromkeys(ADD_LINKS, "details")

ADD = Journey(
    slug="add-induction-period",
    action="add_induction_period",
    title="Add an induction period",
    steps=(
        Step(
            "appropriate-body",
            "Which appropriate body is this induction period with?",
            AppropriateBodyForm,
            heading=True,
            setup=_body_choices,
        ),
        Step(
            "dates",
            "When is the induction period?",
            PeriodDatesForm,
            checks=_dates_change,
        ),
        Step(
            "training-programme",
            "Which training programme is the teacher on?",
            TrainingProgrammeForm,
            heading=True,
        ),
    ),
    change=_dates_change,
    rows=lambda case, answers: _period_rows(answers, ADD_LINKS),
    save=lambda submission, answers: periods.add_period(
        submission, answers=period_answers(answers)
    ),
    done="Induction period added",
)


def _edit_initial(case: Case, answers: Answers) -> Answers:
    """The chosen period's values, for the edit page to start from."""
    period = _chosen(case, answers)
    return {
        "appropriate_body_id": str(period.appropriate_body_id),
        "started_on": period.started_on.isoformat(),
        "finished_on": period.finished_on.isoformat() if period.finished_on else None,
        "number_of_terms": decimal_text(period.number_of_terms)
        if period.number_of_terms is not None
        else None,
        "training_programme": period.training_programme,
    }


def _edit_setup(form: JourneyForm, case: Case, answers: Answers) -> None:
    _body_choices(form, case, answers)
    form.ongoing_allowed = _chosen(case, answers).outcome is None


def _chosen_change(case: Case, answers: Answers) -> dict[str, object]:
    """Whether the chosen period can be changed at all, before any new values are given."""
    return {"period_index": period_index(case, int(answers["period_id"]))}


def _edit_change(case: Case, answers: Answers) -> dict[str, object]:
    return periods.edit_change(case, int(answers["period_id"]), period_answers(answers))


def _edit_rows(case: Case, answers: Answers) -> list[Row]:
    """The period as it will be, each changed value with what it was."""
    period = _chosen(case, answers)
    rows = [Row("Induction period", periods.period_words(period), "period", "period_id")]
    old_rows = _period_rows(_edit_initial(case, answers), EDIT_LINKS)
    for new, old in zip(_period_rows(answers, EDIT_LINKS), old_rows, strict=True):
        value = new.value if new.value == old.value else f"{new.value} (was {old.value})"
        rows.append(Row(new.key, value, new.step))
    return rows


EDIT = Journey(
    slug="change-induction-period",
    action="edit_induction_period",
    title="Change an induction period",
    steps=(
        Step(
            "period",
            "Which induction period do you want to change?",
            ChoosePeriodForm,
            heading=True,
            checks=_chosen_change,
            setup=_period_choices,
            resets=True,
            given=_only_period,
        ),
        Step(
            "details",
            "Change the induction period",
            EditPeriodForm,
            checks=_edit_change,
            setup=_edit_setup,
            initial=_edit_initial,
        ),
    ),
    change=_edit_change,
    rows=_edit_rows,
    save=lambda submission, answers: periods.edit_period(
        submission, period_id=int(answers["period_id"]), answers=period_answers(answers)
    ),
    done="Induction period changed",
    needs=lambda teacher: bool(teacher and teacher.induction_periods),
)


def _delete_change(case: Case, answers: Answers) -> dict[str, object]:
    return {
        "period_index": period_index(case, int(answers["period_id"])),
        "note": delete_note(answers.get("note"), answers.get("support_ticket")),
    }


def _deleting(case: Case, answers: Answers) -> str | None:
    """Which period the page deletes, when it does not ask (the teacher has only the one)."""
    only = _only_period(case)
    if not only:
        return None
    return (
        f"You are deleting the induction period with {periods.period_words(_chosen(case, only))}."
    )


def _delete_rows(case: Case, answers: Answers) -> list[Row]:
    return [
        Row(
            "Induction period", periods.period_words(_chosen(case, answers)), "period", "period_id"
        ),
        Row("Support ticket number", answers.get("support_ticket") or "None given", "period"),
        Row("Note", answers.get("note") or "None given", "period"),
    ]


DELETE = Journey(
    slug="delete-induction-period",
    action="delete_induction_period",
    title="Delete an induction period",
    steps=(
        Step(
            "period",
            "Delete an induction period",
            DeletePeriodForm,
            checks=_delete_change,
            setup=_period_choices,
            given=_only_period,
            lead=_deleting,
        ),
    ),
    change=_delete_change,
    rows=_delete_rows,
    save=lambda submission, answers: periods.delete_period(
        submission,
        period_id=int(answers["period_id"]),
        note=delete_note(answers.get("note"), answers.get("support_ticket")),
    ),
    done="Induction period deleted",
    confirm="Delete induction period",
    destructive=True,
    warning="Deleting a period cannot be undone. TRS is sent the status the remaining periods give.",
    needs=lambda teacher: bool(teacher and teacher.induction_periods),
)
