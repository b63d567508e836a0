"""The error types' promises (retryable, messages) and the person's small helpers."""

from __future__ import annotations

from datetime import date

import pytest

from app.trs import errors
from app.trs.errors import (
    TrsConflict,
    TrsDeactivated,
    TrsEndpointNotFound,
    TrsError,
    TrsForbidden,
    TrsInvalidResponse,
    TrsMerged,
    TrsNotFound,
    TrsRateLimited,
    TrsServerError,
    TrsStale,
    TrsUnauthorised,
    TrsUnavailable,
    TrsValidationError,
)
from app.trs.person import TrsInduction, TrsPerson


@pytest.mark.parametrize(
    ("error_type", "retryable"),
    [
        (TrsError, False),
        (TrsUnauthorised, False),
        (TrsForbidden, False),
        (TrsNotFound, False),
        (TrsEndpointNotFound, False),
        (TrsConflict, False),
        (TrsStale, False),
        (TrsDeactivated, False),
        (TrsMerged, False),
        (TrsValidationError, False),
        (TrsInvalidResponse, False),
        (TrsRateLimited, True),
        (TrsServerError, True),
        (TrsUnavailable, True),
    ],
)
def test_retryable_by_type(error_type, retryable):
    error = error_type(trn="1234567", status=500 if error_type is TrsServerError else None)
    assert error.retryable is retryable
    assert isinstance(error, TrsError)
    assert error.message == str(error)
    assert error.message.endswith(".")


def test_every_error_type_is_exported():
    exported = {name for name in errors.__all__ if name.startswith("Trs")}
    defined = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, TrsError)
    }
    assert exported == defined


def test_a_given_message_wins():
    assert TrsNotFound("Custom words.", trn="1234567").message == "Custom words."


def test_retryable_can_be_overridden():
    assert TrsError(retryable=True).retryable is True
    assert TrsError().retryable is False


def test_messages_name_the_teacher_and_avoid_jargon():
    assert TrsNotFound(trn="1234567").message == "TRS has no teacher record with TRN 1234567."
    assert TrsDeactivated(trn="1234567").message == (
        "TRS has deactivated the teacher record for TRN 1234567."
    )
    assert TrsMerged(trn="1234567", retained_trn="7654321").message == (
        "TRS has merged the teacher record for TRN 1234567 into TRN 7654321."
    )
    assert TrsMerged(trn="1234567").message == "TRS has merged the teacher record for TRN 1234567."
    assert "API key" in TrsUnauthorised().message
    assert "version" in TrsEndpointNotFound().message
    assert TrsServerError(status=502).message == (
        "TRS had a problem (HTTP 502). The console will try again."
    )
    for error in (TrsNotFound(trn="1"), TrsStale(trn="1"), TrsDeactivated(trn="1")):
        assert "errorCode" not in error.message and "409" not in error.message


def test_repr_shows_what_trs_said():
    error = TrsStale(status=409, error_code=10033, title="Request is stale.", trn="1234567")
    assert repr(error) == (
        "TrsStale(status=409, error_code=10033, title='Request is stale.', trn='1234567')"
    )


def test_full_name_skips_blank_parts():
    person = TrsPerson("1234567", "Ben", "", "Hughes", date(1995, 11, 3), None, None)
    assert person.full_name == "Ben Hughes"
    assert TrsPerson("1234567", "", "", "Hughes", date(1995, 11, 3), None, None).full_name == (
        "Hughes"
    )


def test_induction_defaults_and_exempt():
    induction = TrsInduction("RequiredToComplete")
    assert (induction.start_date, induction.completed_date, induction.exemption_reasons) == (
        None,
        None,
        (),
    )
    assert not induction.is_exempt
    assert TrsInduction("Exempt").is_exempt
