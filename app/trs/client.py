"""The console's client for the TRS API (docs/trs-contract.md).

Two calls, both over one pooled `httpx.Client`:

- `get_person(trn)`: `GET /v3/persons/{trn}?include=Induction` -> `TrsPerson`;
- `put_cpd_induction(...)`: `PUT /v3/persons/{trn}/cpd-induction` -> None (204).

Every failure is raised as one of the typed errors in `app.trs.errors`, so callers decide by type
(retry, supersede, ask a person) and never by status code. Redirects are not followed: a 308 is
TRS telling us a record was merged, which the console must show, not silently chase.

Timeouts are set on every phase (connect, read, write, pool) because the outbox worker must never
hang on TRS; a timeout becomes `TrsUnavailable`, which is retryable.

The client is safe to share between threads (httpx's pool is) and should be: one per process
keeps connections alive between calls.

Every call carries an `X-Request-Id` header (the id of the click or delivery it serves, so TRS's
logs and the console's can be joined) and is timed into the `trs_request_duration_seconds` metric.
"""

from __future__ import annotations

import email.utils
import re
import time
from datetime import UTC, date, datetime
from typing import Any

import httpx

from app.observability.context import current_request_id
from app.observability.metrics import observe_trs_call
from app.rules.numbers import WHOLE
from app.trs.errors import (
    STALE_REQUEST,
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
from app.trs.person import ExemptionReason, TrsInduction, TrsPerson

DEFAULT_API_VERSION = "20260120"
DEFAULT_TIMEOUT = httpx.Timeout(connect=2.0, read=5.0, write=5.0, pool=2.0)

_TRN = re.compile(r"^[0-9]{7}\Z")  # ASCII: `\d` also matches "١"
_RETAINED_TRN = re.compile(r"/persons/([0-9]{7})/?(?:[?#].*)?$")


class TrsClient:
    """A TRS API client bound to one base URL, API key and API minor version.

    `transport` lets tests (and benchmarks) swap the network for an `httpx.MockTransport`;
    `limits` sizes the connection pool for callers that run many requests at once.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        api_version: str = DEFAULT_API_VERSION,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        limits: httpx.Limits | None = None,
    ) -> None:
        self.base_url = base_url
        self.api_version = api_version
        self._http = httpx.Client(
            base_url=base_url,
            headers={
                "Authorization": f"Bearer {api_key}",
                "X-Api-Version": api_version,
                "Accept": "application/json",
                "User-Agent": "induction-console",
            },
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
            limits=limits or httpx.Limits(max_connections=100, max_keepalive_connections=20),
        )
        # Each call's URL is joined here, whole: given a path and `params`, httpx parses the URL
        # three times over (base, merge, query), about a seventh of a read's CPU.
        self._persons = f"{str(self._http.base_url).rstrip('/')}/v3/persons/"

    # -- the two calls ------------------------------------------------------------------------

    def get_person(self, trn: str) -> TrsPerson:
        """The teacher's TRS record with induction.

        Raises `TrsNotFound`, `TrsDeactivated`, `TrsMerged` (with `retained_trn`) for records TRS
        will not show, and the other `TrsError`s for everything else.
        """
        _check_trn(trn)
        response = self._send("get_person", "GET", f"{self._persons}{trn}?include=Induction", trn)
        try:
            return _parse_person(response.json())
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise TrsInvalidResponse(
                status=response.status_code, detail=str(error), trn=trn
            ) from error

    def put_cpd_induction(
        self,
        trn: str,
        status: str,
        start_date: date | None,
        completed_date: date | None,
        modified_on: datetime,
        request_id: str | None = None,
    ) -> None:
        """Tell TRS the induction status CPD derives; TRS answers 204 when it accepts it.

        `modified_on` must be timezone-aware: it is the change's commit time, TRS compares it with
        the last one it accepted (earlier -> `TrsStale`; equal is accepted), and it is sent as
        ISO-8601 UTC with milliseconds (`2025-01-31T09:15:00.123Z`). `request_id`: the id of the
        click that made the change (default: the work in hand's).
        """
        _check_trn(trn)
        body = {
            "status": status,
            "startDate": start_date.isoformat() if start_date else None,
            "completedDate": completed_date.isoformat() if completed_date else None,
            "modifiedOn": format_modified_on(modified_on),
        }
        url = f"{self._persons}{trn}/cpd-induction"
        self._send("put_cpd_induction", "PUT", url, trn, request_id, json=body)

    # -- lifecycle ----------------------------------------------------------------------------

    def close(self) -> None:
        """Close pooled connections."""
        self._http.close()

    def __enter__(self) -> TrsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing -----------------------------------------------------------------------------

    def _send(
        self,
        endpoint: str,
        method: str,
        url: str,
        trn: str,
        request_id: str | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        request_id = request_id or current_request_id()
        headers = {"X-Request-Id": request_id} if request_id else None
        started = time.perf_counter()
        outcome = "connection_error"
        try:
            response = self._http.request(method, url, headers=headers, **kwargs)
            outcome = str(response.status_code)
        except httpx.TimeoutException as error:
            outcome = "timeout"
            raise TrsUnavailable(
                "TRS did not answer in time. The console will try again.",
                detail=f"{type(error).__name__}: {error}",
                trn=trn,
            ) from error
        except httpx.TransportError as error:
            # Connection refused or reset, or TRS closed the connection without answering.
            raise TrsUnavailable(detail=f"{type(error).__name__}: {error}", trn=trn) from error
        finally:
            observe_trs_call(endpoint, outcome, time.perf_counter() - started)
        if response.is_success:
            return response
        raise error_for_response(response, trn)


def format_modified_on(modified_on: datetime) -> str:
    """ISO-8601 in UTC with milliseconds and a `Z`, as TRS expects `modifiedOn`.

    Sub-millisecond digits are truncated (never rounded up, so a timestamp is never moved later).
    """
    if modified_on.tzinfo is None or modified_on.utcoffset() is None:
        raise ValueError("modified_on must be timezone-aware (UTC)")
    utc = modified_on.astimezone(UTC)
    return utc.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def error_for_response(response: httpx.Response, trn: str | None = None) -> TrsError:
    """The typed error for a non-success TRS response."""
    status = response.status_code
    problem = _problem(response)
    fields: dict[str, Any] = {
        "status": status,
        "error_code": _int_or_none(problem.get("errorCode")),
        "title": _str_or_none(problem.get("title")),
        "detail": _str_or_none(problem.get("detail")),
        "trn": trn,
    }
    if 300 <= status < 400:
        retained = _retained_trn(response.headers.get("location"))
        if retained is None:
            retained = _str_or_none(problem.get("mergedWithTrn") or problem.get("retainedTrn"))
        return TrsMerged(retained_trn=retained, **fields)
    if status == 400:
        errors = problem.get("errors")
        return TrsValidationError(errors=errors if isinstance(errors, dict) else None, **fields)
    if status == 401:
        return TrsUnauthorised(**fields)
    if status == 403:
        return TrsForbidden(**fields)
    if status == 404:
        if fields["error_code"] is None:
            return TrsEndpointNotFound(**fields)
        return TrsNotFound(**fields)
    if status == 409:
        if fields["error_code"] == STALE_REQUEST:
            return TrsStale(**fields)
        return TrsConflict(**fields)
    if status == 410:
        return TrsDeactivated(**fields)
    if status == 429:
        return TrsRateLimited(retry_after=parse_retry_after(response.headers), **fields)
    if status >= 500:
        return TrsServerError(retry_after=parse_retry_after(response.headers), **fields)
    return TrsError(retryable=status == 408, **fields)


def parse_retry_after(headers: httpx.Headers, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header: delay-seconds or an HTTP date; None if absent
    or unreadable. Never negative."""
    value = headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds or seconds in (float("inf"), float("-inf")):  # NaN or infinite
        return None
    return max(0.0, seconds)


def _check_trn(trn: str) -> None:
    # TRS itself answers 404 for a malformed TRN, but the TRN is also a path segment here, so a
    # malformed one is refused before it can change the URL. Callers validate TRNs at their edge.
    if not isinstance(trn, str) or not _TRN.match(trn):
        raise ValueError(f"not a TRN (7 digits): {trn!r}")


def _retained_trn(location: str | None) -> str | None:
    if not location:
        return None
    match = _RETAINED_TRN.search(location)
    return match.group(1) if match else None


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and WHOLE.fullmatch(value):
        return int(value)
    return None


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _date(value: Any) -> date | None:
    if value is None:
        return None
    return date.fromisoformat(value)


def _parse_person(body: dict[str, Any]) -> TrsPerson:
    qts = body.get("qts")
    induction = body.get("induction")
    return TrsPerson(
        trn=body["trn"],
        first_name=body.get("firstName") or "",
        middle_name=body.get("middleName") or "",
        last_name=body.get("lastName") or "",
        date_of_birth=date.fromisoformat(body["dateOfBirth"]),
        qts_date=_date(qts.get("holdsFrom")) if qts else None,
        induction=_parse_induction(induction) if induction is not None else None,
    )


def _parse_induction(body: dict[str, Any]) -> TrsInduction:
    return TrsInduction(
        status=body["status"],
        start_date=_date(body.get("startDate")),
        completed_date=_date(body.get("completedDate")),
        exemption_reasons=tuple(
            ExemptionReason(id=r["inductionExemptionReasonId"], name=r["name"])
            for r in body.get("exemptionReasons") or ()
        ),
    )


__all__ = [
    "DEFAULT_API_VERSION",
    "DEFAULT_TIMEOUT",
    "TrsClient",
    "error_for_response",
    "format_modified_on",
    "parse_retry_after",
]
