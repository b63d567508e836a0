"""Typed errors for every way a call to the TRS API can fail.

Callers decide what to do from the type alone: the outbox worker retries anything whose
`retryable` is True (5xx, 429, timeouts, dropped connections) and turns the rest into a
manual-handling request; the teacher page shows `message`, written for a caseworker, and never
the HTTP details. Each error still carries `status`, `error_code`, `title` and `detail` (TRS's
ProblemDetails) so support staff can see exactly what TRS said.

Status to type:

| HTTP | type | retryable |
|---|---|---|
| 308 | `TrsMerged` (`retained_trn` from `Location`) | no |
| 400 | `TrsValidationError` (`error_code` 10034 to 10039, or none for a malformed body) | no |
| 401 | `TrsUnauthorised` | no |
| 403 | `TrsForbidden` | no |
| 404 with an errorCode | `TrsNotFound` (10001) | no |
| 404 without one | `TrsEndpointNotFound` (wrong base URL or `X-Api-Version`) | no |
| 409 | `TrsStale` (10033) or `TrsConflict` | no |
| 410 | `TrsDeactivated` | no |
| 429 | `TrsRateLimited` (`retry_after` seconds from `Retry-After`) | yes |
| 5xx | `TrsServerError` (`retry_after` when TRS sent one) | yes |
| timeout, refused, reset, dropped | `TrsUnavailable` | yes |
| 200 with a body that cannot be read | `TrsInvalidResponse` | no |
| anything else | `TrsError` | no (408: yes) |
"""

from __future__ import annotations

# TRS's own error codes (TeachingRecordSystem.Api ApiError.ErrorCodes).
PERSON_NOT_FOUND = 10001
STALE_REQUEST = 10033
PERSON_DOES_NOT_HAVE_QTS = 10034
INVALID_INDUCTION_STATUS = 10035
INDUCTION_START_DATE_IS_REQUIRED = 10036
INDUCTION_COMPLETED_DATE_IS_REQUIRED = 10037
INDUCTION_START_DATE_IS_NOT_PERMITTED = 10038
INDUCTION_COMPLETED_DATE_IS_NOT_PERMITTED = 10039


def _for_teacher(trn: str | None) -> str:
    return f" for TRN {trn}" if trn else ""


class TrsError(Exception):
    """Anything that went wrong talking to TRS.

    `message` is plain English for a caseworker; `str(error)` is the same text. The remaining
    attributes are what TRS said, where it said it.
    """

    retryable: bool = False

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        error_code: int | None = None,
        title: str | None = None,
        detail: str | None = None,
        trn: str | None = None,
        retry_after: float | None = None,
        retryable: bool | None = None,
    ) -> None:
        self.status = status
        self.error_code = error_code
        self.title = title
        self.detail = detail
        self.trn = trn
        self.retry_after = retry_after
        if retryable is not None:
            self.retryable = retryable
        self.message = message or self.default_message()
        super().__init__(self.message)

    def default_message(self) -> str:
        what = f" (HTTP {self.status})" if self.status else ""
        return f"TRS could not deal with the request{_for_teacher(self.trn)}{what}."

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, error_code={self.error_code!r}, "
            f"title={self.title!r}, trn={self.trn!r})"
        )


class TrsUnauthorised(TrsError):
    """401: TRS did not accept the console's API key (missing, wrong or revoked)."""

    def default_message(self) -> str:
        return (
            "The console could not sign in to TRS: its API key was refused. "
            "Ask the service team to check the console's TRS settings."
        )


class TrsForbidden(TrsError):
    """403: the key is valid but lacks the role (GetPerson or SetCpdInduction) for this call."""

    def default_message(self) -> str:
        return (
            "TRS refused this request: the console's API key is not allowed to make it. "
            "Ask the service team to check the console's TRS settings."
        )


class TrsNotFound(TrsError):
    """404 with an errorCode (10001): TRS holds no active record with this TRN."""

    def default_message(self) -> str:
        return (
            f"TRS has no teacher record with TRN {self.trn}."
            if self.trn
            else ("TRS has no teacher record with that TRN.")
        )


class TrsEndpointNotFound(TrsError):
    """404 with no ProblemDetails errorCode: no TRS endpoint matched the request.

    TRS answers this way when the `X-Api-Version` header is missing, unknown or older than the
    endpoint, or when the base URL is wrong. It says nothing about the teacher, so it is kept
    apart from `TrsNotFound` (a configuration fault must never read as "teacher not in TRS").
    """

    def default_message(self) -> str:
        return (
            "TRS did not recognise the console's request. "
            "Ask the service team to check the TRS API address and version settings."
        )


class TrsConflict(TrsError):
    """409: TRS refused the change because of what it already holds."""

    def default_message(self) -> str:
        return f"TRS refused the change{_for_teacher(self.trn)}: it conflicts with what TRS holds."


class TrsStale(TrsConflict):
    """409 with 10033: TRS already accepted a change with a later `modifiedOn`.

    A newer state has won, so the outbox marks the row superseded rather than failed.
    """

    def default_message(self) -> str:
        return (
            f"TRS already holds a newer induction change{_for_teacher(self.trn)}, "
            "so this older one was not applied."
        )


class TrsDeactivated(TrsError):
    """410 (API version 20260120 or later): the TRS record has been deactivated."""

    def default_message(self) -> str:
        return f"TRS has deactivated the teacher record{_for_teacher(self.trn)}."


class TrsMerged(TrsError):
    """308 (API version 20260120 or later): the record was merged into `retained_trn`."""

    def __init__(
        self, message: str | None = None, *, retained_trn: str | None = None, **kw
    ) -> None:
        self.retained_trn = retained_trn
        super().__init__(message, **kw)

    def default_message(self) -> str:
        into = f" into TRN {self.retained_trn}" if self.retained_trn else ""
        return f"TRS has merged the teacher record{_for_teacher(self.trn)}{into}."


_VALIDATION_MESSAGES = {
    PERSON_DOES_NOT_HAVE_QTS: (
        "TRS says the teacher does not hold QTS, so it cannot record induction."
    ),
    INVALID_INDUCTION_STATUS: "TRS does not accept that induction status from this console.",
    INDUCTION_START_DATE_IS_REQUIRED: "TRS needs an induction start date for that status.",
    INDUCTION_START_DATE_IS_NOT_PERMITTED: (
        "TRS does not allow an induction start date with that status."
    ),
    INDUCTION_COMPLETED_DATE_IS_REQUIRED: "TRS needs an induction completed date for that status.",
    INDUCTION_COMPLETED_DATE_IS_NOT_PERMITTED: (
        "TRS does not allow an induction completed date with that status."
    ),
}


class TrsValidationError(TrsError):
    """400: TRS rejected the request's content; sending it again cannot help.

    `error_code` is TRS's code (10034 to 10039) when it gave one; a body TRS could not read
    (ASP.NET model binding) comes back without a code but with `errors` per field.
    """

    def __init__(self, message: str | None = None, *, errors: dict | None = None, **kw) -> None:
        self.errors = errors or {}
        super().__init__(message, **kw)

    def default_message(self) -> str:
        known = _VALIDATION_MESSAGES.get(self.error_code or 0)
        if known:
            return known
        said = f": {self.title.rstrip('.')}" if self.title else ""
        return f"TRS rejected the request{_for_teacher(self.trn)}{said}."


class TrsRateLimited(TrsError):
    """429: TRS is shedding load; try again after `retry_after` seconds (None: not said)."""

    retryable = True

    def default_message(self) -> str:
        when = f" in {self.retry_after:g} seconds" if self.retry_after is not None else " shortly"
        return f"TRS is receiving too many requests. The console will try again{when}."


class TrsServerError(TrsError):
    """5xx: TRS failed; the same request may well succeed later."""

    retryable = True

    def default_message(self) -> str:
        return f"TRS had a problem (HTTP {self.status}). The console will try again."


class TrsUnavailable(TrsError):
    """No HTTP answer at all: timeout, connection refused or reset, connection dropped.

    A PUT that timed out may still have been applied by TRS; retrying is safe because the PUT
    carries the full state and its `modifiedOn` (replays are idempotent).
    """

    retryable = True

    def default_message(self) -> str:
        return "TRS could not be reached. The console will try again."


class TrsInvalidResponse(TrsError):
    """TRS answered success with a body the console cannot read (not the agreed contract)."""

    def default_message(self) -> str:
        return (
            "TRS sent an answer the console could not read. Ask the service team to look into it."
        )


# Errors about the console's own access to TRS (its key, its base URL or API version), not about
# any one teacher: nothing the console asks can succeed until someone fixes the setting.
CONSOLE_REFUSED = (TrsUnauthorised, TrsForbidden, TrsEndpointNotFound)

__all__ = [
    "CONSOLE_REFUSED",
    "INDUCTION_COMPLETED_DATE_IS_NOT_PERMITTED",
    "INDUCTION_COMPLETED_DATE_IS_REQUIRED",
    "INDUCTION_START_DATE_IS_NOT_PERMITTED",
    "INDUCTION_START_DATE_IS_REQUIRED",
    "INVALID_INDUCTION_STATUS",
    "PERSON_DOES_NOT_HAVE_QTS",
    "PERSON_NOT_FOUND",
    "STALE_REQUEST",
    "TrsConflict",
    "TrsDeactivated",
    "TrsEndpointNotFound",
    "TrsError",
    "TrsForbidden",
    "TrsInvalidResponse",
    "TrsMerged",
    "TrsNotFound",
    "TrsRateLimited",
    "TrsServerError",
    "TrsStale",
    "TrsUnauthorised",
    "TrsUnavailable",
    "TrsValidationError",
]
