"""The appeals journeys' forms: the day a notice of appeal was received, and the panel's decision."""

from __future__ import annotations

from app.models.appeal import APPEAL_DECISIONS
from app.web.forms.journeys import (
    EXTENSION_TERMS,
    GovDateField,
    GovRadioField,
    JourneyForm,
    TermsField,
)


class LodgeAppealForm(JourneyForm):
    lodged_on = GovDateField(
        "When was the notice of appeal received?",
        what="date the appeal was received",
        render_kw={"params": {"hint": {"text": "For example, 18 9 2026"}}},
    )


class AppealDecisionForm(JourneyForm):
    decision = GovRadioField(
        "What did the appeal panel decide?",
        message="Select the appeal panel's decision",
        choices=APPEAL_DECISIONS,
    )
    decided_on = GovDateField(
        "Date of the decision",
        what="date of the decision",
        render_kw={"params": {"hint": {"text": "For example, 2 11 2026"}}},
    )


class AppealExtensionForm(JourneyForm):
    extension_terms = TermsField(
        "How many terms did the panel extend the induction by?",
        description="From 0.1 to 16, like 1 or 1.5",
        what="number of terms",
        **EXTENSION_TERMS,
    )
