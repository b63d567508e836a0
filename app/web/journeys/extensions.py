"""Journeys for extensions: add one, change one, delete one (all under the `add_extension` rule)."""

from __future__ import annotations

from decimal import Decimal

from app.models import Extension
from app.services import extensions
from app.services.casework import Case
from app.services.teacher_page import TeacherAsRead
from app.web.filters import format_date, format_terms
from app.web.forms.journeys import (
    ChooseExtensionForm,
    ExtensionForm,
    JourneyForm,
    decimal_text,
)
from app.web.journeys.flow import Answers, Journey, Row, Step


def _terms(answers: Answers) -> Decimal:
    return Decimal(answers["number_of_terms"])


def _terms_change(case: Case, answers: Answers) -> dict[str, object]:
    return {"number_of_terms": _terms(answers)}


def _extension_words(extension: Extension) -> str:
    return f"{format_terms(extension.number_of_terms)}, added on {format_date(extension.created_at.date())}"


def _extension_choices(form: JourneyForm, case: Case, answers: Answers) -> None:
    form.extension_id.choices = {
        str(e.id): _extension_words(e) for e in (case.teacher.extensions if case.teacher else [])
    }


def _chosen(case: Case, answers: Answers) -> Extension:
    return extensions.find_extension(case, int(answers["extension_id"]))


def _has_extensions(teacher: TeacherAsRead | None) -> bool:
    return bool(teacher and teacher.extensions)


CHOOSE_TO_CHANGE = Step(
    "extension",
    "Which extension do you want to change?",
    ChooseExtensionForm,
    heading=True,
    setup=_extension_choices,
    resets=True,
)

ADD = Journey(
    slug="add-extension",
    action=extensions.ACTION,
    title="Add an extension",
    steps=(
        Step(
            "terms",
            "How many terms is the extension?",
            ExtensionForm,
            heading=True,
            checks=_terms_change,
        ),
    ),
    change=_terms_change,
    rows=lambda case, answers: [Row("Extension", format_terms(_terms(answers)), "terms")],
    save=lambda submission, answers: extensions.add_extension(submission, _terms(answers)),
    done="Extension added",
)

EDIT = Journey(
    slug="change-extension",
    action=extensions.ACTION,
    title="Change an extension",
    steps=(
        CHOOSE_TO_CHANGE,
        Step(
            "terms",
            "How many terms should the extension be?",
            ExtensionForm,
            heading=True,
            checks=_terms_change,
            initial=lambda case, answers: {
                "number_of_terms": decimal_text(_chosen(case, answers).number_of_terms)
            },
        ),
    ),
    change=_terms_change,
    rows=lambda case, answers: [
        Row("Extension", _extension_words(_chosen(case, answers)), "extension"),
        Row("New number of terms", format_terms(_terms(answers)), "terms"),
    ],
    save=lambda submission, answers: extensions.edit_extension(
        submission, int(answers["extension_id"]), _terms(answers)
    ),
    done="Extension changed",
    needs=_has_extensions,
)

DELETE = Journey(
    slug="delete-extension",
    action=extensions.ACTION,
    title="Delete an extension",
    steps=(
        Step(
            "extension",
            "Which extension do you want to delete?",
            ChooseExtensionForm,
            heading=True,
            setup=_extension_choices,
        ),
    ),
    change=lambda case, answers: None,
    rows=lambda case, answers: [
        Row("Extension", _extension_words(_chosen(case, answers)), "extension")
    ],
    save=lambda submission, answers: extensions.delete_extension(
        submission, int(answers["extension_id"])
    ),
    done="Extension deleted",
    confirm="Delete extension",
    destructive=True,
    warning="Deleting an extension cannot be undone.",
    needs=_has_extensions,
)
