"""User administration's questions: an email address, a role, and a bare confirm (CSRF only)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField

from app.models.user import ROLE_NAMES
from app.web.forms.auth import email_validators
from app.web.forms.journeys import GovRadioField, TextField

HEADING = {"isPageHeading": True, "classes": "govuk-label--l"}


class EmailForm(FlaskForm):
    email = TextField(
        "What is their email address?",
        validators=email_validators("Enter their email address"),
        render_kw={
            "params": {
                "label": HEADING,
                "hint": {"text": "The address they sign in with at DfE"},
                "autocomplete": "off",
                "spellcheck": False,
            }
        },
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


ROLE_QUESTION = "Which role should they have?"


class RoleForm(FlaskForm):
    role = GovRadioField(
        ROLE_QUESTION,
        message="Select a role",
        choices=ROLE_NAMES,
        render_kw={
            "params": {
                "fieldset": {
                    "legend": {
                        "text": ROLE_QUESTION,
                        "isPageHeading": True,
                        "classes": "govuk-fieldset__legend--l",
                    }
                },
                "hint": {"text": "Admins manage accounts and take no casework action"},
            }
        },
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    """A check page's button: nothing to answer, but the POST carries a CSRF token."""
