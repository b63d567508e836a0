"""The caseworker journeys' forms, with GOV.UK error messages modelled on RECT's.

The fields check what a form can know on its own (a real date, a number of terms with one decimal
place, a choice from the list). Whether the change is allowed (a start before QTS, an overlap) is
the rules' answer, which the journey shows on the field it is about.

Every field copes with any input: a date's parts may be missing, extra or text; a choice may be an
id that does not exist; text may be huge. Each becomes an error message, never an exception.
"""

from __future__ import annotations

import re
from copy import deepcopy
from datetime import date
from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import Field, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.core import UnboundField
from wtforms.validators import Length, Optional, Regexp, StopValidation

from app.models.teacher import TRAINING_PROGRAMMES
from app.rules import STATUS_DATES, status_words
from app.rules.numbers import WHOLE, has_one_decimal_place_at_most, read_decimal
from app.services.legacy import LEGACY_STATUSES

NOTE_LIMIT = 1000  # the answers wait in the session cookie, which holds about 4 KB
MAX_PART = 10  # a date part longer than this is not a date; shown back cut short
PARTS = ("day", "month", "year")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _strip(value: Any) -> Any:
    """Trim text and drop control characters (PostgreSQL refuses NUL; none is ever meant)."""
    return CONTROL.sub("", value).strip() if isinstance(value, str) else value


def _sentence(what: str) -> str:
    """ "start date" -> "Start date", to open an error message."""
    return what[:1].upper() + what[1:]


class GovDateField(Field):
    """A date as three inputs (day, month, year) sharing one name, with GOV.UK's messages.

    `what` names the date in messages ("start date" -> "Enter the start date").
    """

    widget = GovDateInput()

    def __init__(self, label: str, *, what: str, required: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"params": {"hint": None}})
        super().__init__(label, **kwargs)
        self.what = what
        self.required = required
        self.problem: str | None = None

    def process_data(self, value: Any) -> None:
        self.data = date.fromisoformat(value) if isinstance(value, str) and value else value

    def process_formdata(self, valuelist: list[str]) -> None:
        parts = [str(part).strip()[:MAX_PART] for part in valuelist[:3]]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts
        self.data = None
        self.problem = self._read(parts, len(valuelist) > 3)

    def _read(self, parts: list[str], extra: bool) -> str | None:
        """Set `data` from the parts, or return the message saying what is wrong."""
        what = _sentence(self.what)
        missing = [name for name, part in zip(PARTS, parts, strict=True) if not part]
        if len(missing) == 3:
            return None  # empty: required or not, `pre_validate` says
        if missing:
            return f"{what} must include a {' and '.join(missing)}"
        if extra or not all(WHOLE.fullmatch(part) for part in parts):
            return f"{what} must be a real date"
        if not (1 <= int(parts[0]) <= 31 and 1 <= int(parts[1]) <= 12):
            return f"{what} must be a real date"
        if len(parts[2]) != 4:
            return "Year must include 4 numbers"
        try:
            self.data = date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            return f"{what} must be a real date"
        if not 1900 <= self.data.year <= 2100:
            self.data = None
            return f"{what} must be between 1900 and 2100"
        return None

    def _value(self) -> str:
        return ""  # the widget shows the parts (`raw_data`) or `data`, never one value

    def pre_validate(self, form: FlaskForm) -> None:
        if self.problem:
            raise StopValidation(self.problem)
        if self.data is None and self.required:
            raise StopValidation(f"Enter the {self.what}")

    def answer(self) -> str | None:
        return self.data.isoformat() if self.data else None

    @property
    def error_href(self) -> str:
        """The error summary links to the day input (GOV.UK's pattern), so the focus moves there."""
        return f"#{self.id}-day"


class _Kept:
    """A field whose answer the journey keeps between pages: its text, or None when blank."""

    data: Any

    def answer(self) -> str | None:
        return self.data or None


class TermsField(_Kept, StringField):
    """A number of terms with at most one decimal place, between `low` and `high`."""

    widget = GovTextInput()

    def __init__(
        self,
        label: str,
        *,
        low: Decimal,
        high: Decimal,
        required: bool = True,
        what: str = "number of terms",
        **kwargs: Any,
    ) -> None:
        params = {"classes": "govuk-input--width-4", "inputmode": "decimal", "spellcheck": False}
        kwargs.setdefault("render_kw", {"params": params})
        super().__init__(label, filters=[_strip], **kwargs)
        self.low, self.high, self.required, self.what = low, high, required, what

    def pre_validate(self, form: FlaskForm) -> None:
        what = _sentence(self.what)
        text = self.data or ""
        if not text:
            if self.required:
                raise StopValidation(f"Enter the {self.what}")
            return
        number = read_decimal(text)
        if number is None:
            raise StopValidation(f"{what} must be a number, like 3 or 4.5")
        if not self.low <= number <= self.high:
            raise StopValidation(f"{what} must be between {self.low} and {self.high}")
        if not has_one_decimal_place_at_most(number):
            raise StopValidation(f"{what} can have no more than one decimal place")


class _Choice(_Kept):
    """A choice among known values; anything else (a stale or made-up id) gets `message`."""

    def __init__(self, label: str, *, message: str, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.message = message

    def pre_validate(self, form: FlaskForm) -> None:
        # `choices` is a dict, value -> label; "" is a select's "Select ..." prompt.
        if not self.data or self.data not in self.choices:
            raise StopValidation(self.message)


class GovRadioField(_Choice, RadioField):
    widget = GovRadioInput()

    def __init__(self, label: str, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"params": {"hint": None}})
        super().__init__(label, **kwargs)


class GovSelectField(_Choice, SelectField):
    widget = GovSelect()


class TextField(_Kept, StringField):
    widget = GovTextInput()

    def __init__(self, label: str, **kwargs: Any) -> None:
        super().__init__(label, filters=[_strip], **kwargs)


class NoteField(_Kept, TextAreaField):
    widget = GovTextArea()

    def __init__(
        self,
        label: str,
        *,
        required: bool,
        hint: str,
        missing: str = "Enter a note",
        **kwargs: Any,
    ) -> None:
        """`missing`: the error when a required note is empty; it names its own question, so two
        notes on one page never share a message."""
        validators = [
            Length(max=NOTE_LIMIT, message=f"Note must be {NOTE_LIMIT:,} characters or fewer")
        ]
        super().__init__(
            label,
            validators=validators,
            filters=[_strip],
            render_kw={"params": {"hint": {"text": hint}}, "rows": 4},
            **kwargs,
        )
        self.required = required
        self.missing = missing

    def pre_validate(self, form: FlaskForm) -> None:
        if self.required and not self.data:
            raise StopValidation(self.missing)


class JourneyForm(FlaskForm):
    """A page of a journey: its answers go into the session as plain JSON values."""

    submit = SubmitField("Continue", widget=GovSubmitInput())

    @classmethod
    def question_names(cls) -> tuple[str, ...]:
        """The names of the fields whose answers the journey keeps (not the button, not CSRF)."""
        return tuple(
            name
            for name in dir(cls)
            if isinstance(unbound := getattr(cls, name, None), UnboundField)
            and hasattr(unbound.field_class, "answer")
        )

    @classmethod
    def question_labels(cls) -> dict[str, str]:
        """Each question's name -> its label, for words where no form is built."""
        return {name: getattr(cls, name).args[0] for name in cls.question_names()}

    def question_fields(self) -> list[Field]:
        return [f for f in self if hasattr(f, "answer")]

    def questions(
        self, heading: str | None = None, lead: str | None = None
    ) -> list[tuple[Field, dict[str, Any]]]:
        """Each question with its GOV.UK macro parameters (legend or label, hint), for any page
        built from these questions. `heading`: the page's one question, asked as its h1 (and
        `lead`, the page's lead paragraph, becomes its hint, so nothing sits between the caption
        and the heading)."""
        questions = []
        for field in self.question_fields():
            params = deepcopy((field.render_kw or {}).get("params", {}))
            text = heading or field.label.text
            if heading and lead:
                hint = (params.get("hint") or {}).get("text")
                params["hint"] = {"text": f"{lead} {hint}" if hint else lead}
            question = {"text": text, "isPageHeading": bool(heading)}
            if isinstance(field.widget, GovDateInput | GovRadioInput):
                size = "l" if heading else "m"
                params["fieldset"] = {
                    "legend": {**question, "classes": f"govuk-fieldset__legend--{size}"}
                }
            else:
                size = "l" if heading else "s"
                params["label"] = {**question, "classes": f"govuk-label--{size}"}
            questions.append((field, params))
        return questions

    def answers(self) -> dict[str, str | None]:
        return {f.name: f.answer() for f in self.question_fields()}


def decimal_text(number: Decimal) -> str:
    """A stored number of terms as a person would type it: "3", "2.5" (never "3.0" or "1E+1")."""
    return f"{number.normalize():f}"


def _terms_and_end(form: JourneyForm, ongoing_allowed: bool = True) -> bool:
    """Terms go with an end date: given together, or (ongoing) neither."""
    finished, terms = form.finished_on, form.number_of_terms
    if finished.errors or terms.errors:
        return False
    if finished.data is None and not ongoing_allowed:
        finished.errors.append("Enter the end date")
        return False
    if finished.data is not None and not terms.data:
        terms.errors.append("Enter the number of terms: the period has an end date")
        return False
    if finished.data is None and terms.data:
        terms.errors.append("Leave the number of terms blank while the period is ongoing")
        return False
    return True


PERIOD_TERMS = {"low": Decimal("0"), "high": Decimal("16")}
EXTENSION_TERMS = {"low": Decimal("0.1"), "high": Decimal("16")}
PROGRAMME_CHOICES = dict(TRAINING_PROGRAMMES)


def appropriate_body_field() -> GovSelectField:
    return GovSelectField("Appropriate body", message="Select the appropriate body", choices={})


def programme_field() -> GovRadioField:
    return GovRadioField(
        "Training programme", message="Select the training programme", choices=PROGRAMME_CHOICES
    )


def end_date_field() -> GovDateField:
    return GovDateField(
        "End date",
        what="end date",
        required=False,
        render_kw={
            "params": {
                "hint": {"text": "Leave blank while the period is ongoing. For example, 18 7 2025"}
            }
        },
    )


def period_terms_field(hint: str) -> TermsField:
    return TermsField(
        "Number of terms",
        required=False,
        description=hint,
        **PERIOD_TERMS,
    )


class AppropriateBodyForm(JourneyForm):
    appropriate_body_id = appropriate_body_field()


class PeriodDatesForm(JourneyForm):
    started_on = GovDateField("Start date", what="start date")
    finished_on = end_date_field()
    number_of_terms = period_terms_field("Only when the period has an end date, like 3 or 2.5")

    def validate(self, extra_validators: Any = None) -> bool:
        return super().validate(extra_validators) and _terms_and_end(self)


class TrainingProgrammeForm(JourneyForm):
    training_programme = programme_field()


class EditPeriodForm(JourneyForm):
    """A whole period on one page: changing one is easier seeing all of it."""

    appropriate_body_id = appropriate_body_field()
    started_on = GovDateField("Start date", what="start date")
    finished_on = end_date_field()
    number_of_terms = period_terms_field("Needed once the period has an end date, like 3 or 2.5")
    training_programme = programme_field()

    ongoing_allowed = True  # False for the period carrying the outcome: it must stay finished

    def validate(self, extra_validators: Any = None) -> bool:
        return super().validate(extra_validators) and _terms_and_end(self, self.ongoing_allowed)


class ChoosePeriodForm(JourneyForm):
    period_id = GovRadioField("Induction period", message="Select the induction period", choices={})


def support_ticket_field(label: str = "Support ticket number") -> TextField:
    """A support ticket number (never required on its own), its format in the hint."""
    return TextField(
        label,
        validators=[
            Optional(),
            Regexp(r"^\d{6}\Z", message="Support ticket number must be 6 digits, like 123456"),
        ],
        render_kw={
            "params": {
                "classes": "govuk-input--width-10",
                "inputmode": "numeric",
                "hint": {"text": "6 digits, like 123456"},
            }
        },
    )


class DeletePeriodForm(JourneyForm):
    period_id = GovRadioField("Induction period", message="Select the induction period", choices={})
    note = NoteField(
        "Note",
        required=False,
        hint="Why the period is being deleted. Give a note, a support ticket number, or both.",
    )
    support_ticket = support_ticket_field()

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        if not self.note.data and not self.support_ticket.data:
            self.note.errors.append("Enter a note or a support ticket number")
            return False
        return True


def delete_note(note: str | None, ticket: str | None) -> str:
    """The note an event keeps (a deletion's, a legacy correction's): the caseworker's words and
    the ticket, as given."""
    parts = [f"Support ticket {ticket}" if ticket else "", note or ""]
    return ". ".join(p for p in parts if p)


class OutcomeForm(JourneyForm):
    finished_on = GovDateField(
        "End date",
        what="end date",
        render_kw={
            "params": {
                "hint": {
                    "text": "The day the induction finished: the outcome's date. For example, 18 7 2026"
                }
            }
        },
    )
    number_of_terms = TermsField(
        "Number of terms in this period",
        description="Terms served with the current appropriate body, like 3 or 2.5",
        **PERIOD_TERMS,
    )


class ReopenForm(JourneyForm):
    note = NoteField(
        "Why was the outcome recorded in error?",
        required=True,
        hint="This note is kept in the teacher's timeline.",
        missing="Enter why the outcome was recorded in error",
    )


class ExtensionForm(JourneyForm):
    number_of_terms = TermsField(
        "How many terms is the extension?",
        description="From 0.1 to 16, like 1 or 1.5",
        **EXTENSION_TERMS,
    )


class ChooseExtensionForm(JourneyForm):
    extension_id = GovRadioField("Extension", message="Select the extension", choices={})


LEGACY_CHOICES = {status: status_words(status) for status in LEGACY_STATUSES}


class LegacyStatusForm(JourneyForm):
    status = GovRadioField(
        "What should TRS record as the induction status?",
        message="Select the induction status",
        choices=LEGACY_CHOICES,
    )


class LegacyDatesForm(JourneyForm):
    start_date = GovDateField("Induction start date", what="induction start date")
    completed_date = GovDateField("Induction completed date", what="induction completed date")


class LegacyReasonForm(JourneyForm):
    reason = NoteField(
        "Why is the induction status being corrected?",
        required=True,
        hint="For example, what the teacher or their school sent. It is kept with the change.",
    )
    support_ticket = support_ticket_field("Support ticket number (optional)")


def legacy_needs_dates(status: str | None) -> bool:
    """Which statuses TRS takes dates with (the TRS API's own table)."""
    return status is not None and STATUS_DATES[status][1] == "required"


class ConfirmForm(FlaskForm):
    """The check-your-answers page's button: the final POST."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())
