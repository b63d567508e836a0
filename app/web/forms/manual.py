"""Forms for manual handling: why a change is needed (raising a request), and a decision on one."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import HiddenField, SubmitField

from app.web.forms.journeys import GovRadioField, JourneyForm, NoteField

DECISIONS = {"approve": "Approve: make the change as requested", "reject": "Reject the request"}


class RequestReasonForm(JourneyForm):
    """The request's own questions, asked after the action's journey pages on one page (see
    `Journey.ask_at_once`); a JourneyForm for its GOV.UK question parameters."""

    reason = NoteField(
        "Why is this change needed outside its time window?",
        required=True,
        hint="The senior caseworker who decides reads this; it is kept with the request.",
        missing="Enter why this change is needed outside its time window",
    )
    evidence = NoteField(
        "Evidence",
        required=False,
        hint="For example, where the notice of appeal or the appropriate body's email is filed.",
    )
    write_token = HiddenField()  # one-time: raising twice from one page raises one request
    steps = HiddenField()  # the journey pages this page asked (a later one can wait for an answer)
    submit = SubmitField("Send request", widget=GovSubmitInput())


class DecideRequestForm(FlaskForm):
    decision = GovRadioField(
        "What do you decide?", message="Select approve or reject", choices=DECISIONS
    )
    note = NoteField(
        "Justification or reason",
        required=True,
        hint="Approving: why the change may be made outside its window. Rejecting: why not.",
        missing="Enter the justification or reason for your decision",
    )
    write_token = HiddenField()  # one-time: a replayed decision is shown, not made again
    submit = SubmitField("Save decision", widget=GovSubmitInput())
