"""The deadlines list's filter: how many working days ahead to look."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import StringField
from wtforms.validators import InputRequired, Regexp, ValidationError

from app.services.deadlines import DEFAULT_WORKING_DAYS, MOST_WORKING_DAYS

DAYS_MESSAGE = f"Enter a whole number of working days from 1 to {MOST_WORKING_DAYS}"


class DeadlinesFilterForm(FlaskForm):
    """A GET: bookmarkable, and it changes nothing, so it needs no CSRF token."""

    class Meta:
        csrf = False

    days = StringField(
        "Working days ahead",
        widget=GovTextInput(),
        default=str(DEFAULT_WORKING_DAYS),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            InputRequired(message=DAYS_MESSAGE),
            Regexp(r"^\d{1,3}\Z", message=DAYS_MESSAGE),
        ],
    )

    def validate_days(self, field: StringField) -> None:
        if field.data and field.data.isdigit() and not 1 <= int(field.data) <= MOST_WORKING_DAYS:
            raise ValidationError(DAYS_MESSAGE)

    @property
    def working_days(self) -> int:
        """The number asked for, once the form is valid."""
        return int(self.days.data)
