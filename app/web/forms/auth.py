"""Signing in, and finding a teacher."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import Email, InputRequired, Length, Regexp

# C0 controls and DEL: never typed in a search box; PostgreSQL refuses NUL in text outright.
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f]*\Z"


def email_validators(missing: str) -> list[Any]:
    """An email address is required, at most 254 characters and shaped like one."""
    return [
        InputRequired(message=missing),
        Length(max=254, message="Email address must be 254 characters or fewer"),
        Email(
            message="Enter an email address in the correct format, like name@example.gov.uk",
            check_deliverability=False,
        ),
    ]


class SignInForm(FlaskForm):
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=email_validators("Enter your email address"),
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired(message="Enter your password"),
            Length(max=200, message="Password must be 200 characters or fewer"),
        ],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class SearchForm(FlaskForm):
    """Search is a GET: bookmarkable, and it changes nothing, so it needs no CSRF token."""

    class Meta:
        csrf = False

    q = StringField(
        "Search by TRN or name",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter a TRN or a name"),
            Length(min=2, max=100, message="Enter between 2 and 100 characters"),
            Regexp(NO_CONTROL_CHARACTERS, message="Enter a TRN or a name in letters and digits"),
        ],
    )
