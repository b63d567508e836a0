"""The sandbox's web app: the TRS API of docs/trs-contract.md plus the `/_sandbox/` area.

See the package docstring (`app.sandbox`) for the endpoints, keys and the choices made where
the contract is silent.

`create_sandbox_app` returns a Flask app. The `/_sandbox/` area is ordinary Flask views; the two
`/v3/` endpoints are served by `V3Api`, a bare WSGI layer mounted in front of Flask's `wsgi_app`,
because the benchmarks push thousands of requests a second through them and Flask's request
context would cost more than the work itself. A `/v3/` request costs one dictionary lookup for the
key, then one indexed row read (GET) or one short write transaction (PUT).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qs

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from app.clock import Clock
from app.sandbox.faults import FaultDecision, Faults
from app.sandbox.serving import DROPPED
from app.sandbox.store import (
    INDUCTION_STATUSES,
    DuplicateTrn,
    NewPerson,
    SandboxStore,
    UnknownPerson,
    demo_persons,
)

GET_PERSON = "GetPerson"
SET_CPD_INDUCTION = "SetCpdInduction"
ROLES = (GET_PERSON, SET_CPD_INDUCTION)
DEFAULT_API_KEYS: dict[str, frozenset[str]] = {
    "sandbox-cpd-key": frozenset({GET_PERSON, SET_CPD_INDUCTION}),
    "sandbox-read-key": frozenset({GET_PERSON}),
}
API_KEYS_ENV = "TRS_SANDBOX_API_KEYS"

# TRS's declared V3 minor versions (VersionRegistry). The two endpoints exist from 20250203.
# fmt: off
KNOWN_VERSIONS = frozenset([
    "20240101", "20240307", "20240412", "20240416", "20240606", "20240814", "20240912",
    "20240920", "20250203", "20250327", "20250425", "20250627", "20250804", "20250905",
    "20260120",
])
# fmt: on
FIRST_VERSION = "20250203"
EXEMPTION_REASONS_FROM = "20250627"
GONE_AND_REDIRECT_FROM = "20260120"

CPD_STATUSES = ("RequiredToComplete", "InProgress", "Passed", "Failed")
_NEEDS_START = ("InProgress", "Passed", "Failed")
_NEEDS_COMPLETED = ("Passed", "Failed")
_STATUS_BY_LOWER = {s.lower(): s for s in INDUCTION_STATUSES}
# GetPersonRequestIncludes values (matched case-insensitively); only Induction changes the answer.
# fmt: off
_INCLUDES = frozenset([
    "induction", "initialteachertraining", "mandatoryqualifications", "pendingdetailchanges",
    "alerts", "previousnames", "allowidsigninwithprohibitions", "routestoprofessionalstatuses",
    "all",
])
# fmt: on
_TRN = re.compile(r"^\d{7}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PERSON_PATH = re.compile(r"^/v3/persons/([^/]+)$")
_CPD_INDUCTION_PATH = re.compile(r"^/v3/persons/([^/]+)/cpd-induction$")

PROBLEM_JSON = "application/problem+json; charset=utf-8"
JSON = "application/json; charset=utf-8"


# -- keys ---------------------------------------------------------------------------------------


def parse_api_keys(text: str) -> dict[str, frozenset[str]]:
    """`key1:GetPerson+SetCpdInduction,key2:GetPerson` -> {key: roles}."""
    keys: dict[str, frozenset[str]] = {}
    for entry in text.split(","):
        entry = entry.strip()
        if not entry:
            continue
        key, sep, roles_text = entry.partition(":")
        roles = frozenset(r.strip() for r in roles_text.split("+") if r.strip())
        if not sep or not key.strip() or not roles or not roles <= set(ROLES):
            raise ValueError(
                f"{API_KEYS_ENV}: bad entry {entry!r}; expected KEY:ROLE[+ROLE] with roles "
                f"from {', '.join(ROLES)}"
            )
        keys[key.strip()] = roles
    if not keys:
        raise ValueError(f"{API_KEYS_ENV} names no keys")
    return keys


def resolve_api_keys(
    api_keys: Mapping[str, Iterable[str]] | str | None,
) -> dict[str, frozenset[str]]:
    """Keys from the argument, else `TRS_SANDBOX_API_KEYS`, else the two development keys."""
    if api_keys is None:
        text = os.environ.get(API_KEYS_ENV, "").strip()
        return parse_api_keys(text) if text else dict(DEFAULT_API_KEYS)
    if isinstance(api_keys, str):
        return parse_api_keys(api_keys)
    return {key: frozenset(roles) for key, roles in api_keys.items()}


# -- shared parsing -----------------------------------------------------------------------------


class BadInput(Exception):
    """Input that cannot be used; becomes a 400."""


def parse_date(value: Any, field: str) -> str | None:
    """A `yyyy-MM-dd` date (as TRS's DateOnly binding wants it), or None for null/absent."""
    if value is None:
        return None
    if not isinstance(value, str) or not _DATE.match(value):
        raise BadInput(f"{field} must be a date as yyyy-MM-dd")
    try:
        date.fromisoformat(value)
    except ValueError as error:
        raise BadInput(f"{field} is not a real date: {value}") from error
    return value


class SandboxState:
    """What the request handlers share: the store, the faults, the keys and the clock."""

    def __init__(
        self, store: SandboxStore, faults: Faults, api_keys: dict[str, frozenset[str]], clock: Clock
    ) -> None:
        self.store = store
        self.faults = faults
        self.api_keys = api_keys
        self.clock = clock

    def seed(self, today: date | None = None) -> int:
        """Replace everything with the demo teachers TRS knows, dated from `today` (default: the
        clock's today, so the sandbox agrees with a console seeded the same day)."""
        return self.store.reset(demo_persons(today or self.clock.today()))


def create_sandbox_app(
    db_path: str | Path,
    api_keys: Mapping[str, Iterable[str]] | str | None = None,
    seed: bool = True,
    clock: Clock | None = None,
) -> Flask:
    """The sandbox as a Flask app over the SQLite file at `db_path`.

    `api_keys`: {key: roles}, a `TRS_SANDBOX_API_KEYS`-style string, or None for the environment
    variable (or, without it, the two development keys). With `seed`, an empty database is seeded
    with the demo teachers; a database that already holds persons is left as it is.
    """
    store = SandboxStore(db_path)
    state = SandboxState(store, Faults(), resolve_api_keys(api_keys), clock or Clock())
    if seed and store.count() == 0:
        state.seed()

    app = Flask("app.sandbox")
    app.extensions["trs_sandbox"] = state
    _register_admin(app, state)
    app.wsgi_app = V3Api(state, app.wsgi_app)  # type: ignore[method-assign]
    return app


# -- /v3: the TRS API ---------------------------------------------------------------------------

Answer = tuple[int, list[tuple[str, str]], bytes]


def _dumps(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def json_answer(body: Any, status: int = 200, headers: Iterable[tuple[str, str]] = ()) -> Answer:
    return status, [("Content-Type", JSON), *headers], _dumps(body)


def problem_answer(
    status: int,
    title: str,
    detail: str | None = None,
    error_code: int | None = None,
    headers: Iterable[tuple[str, str]] = (),
    **extra: Any,
) -> Answer:
    """A ProblemDetails answer, as ASP.NET writes TRS's errors."""
    body: dict[str, Any] = {"title": title, "status": status}
    if detail is not None:
        body["detail"] = detail
    if error_code is not None:
        body["errorCode"] = error_code
    body.update(extra)
    return status, [("Content-Type", PROBLEM_JSON), *headers], _dumps(body)


def validation_answer(errors: dict[str, list[str]]) -> Answer:
    """ASP.NET's answer to a body or query it cannot bind: 400, no errorCode, errors per field."""
    return problem_answer(400, "One or more validation errors occurred.", errors=errors)


def _no_endpoint(detail: str) -> Answer:
    # ASP.NET answers an unmatched route with a bare 404; the sandbox adds a body to say why.
    return problem_answer(404, "Not Found", detail)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _person_not_found(trn: str) -> Answer:
    return problem_answer(404, "Person not found.", f"TRN: '{trn}'", 10001)


class V3Api:
    """`/v3/persons/{trn}` (GET) and `/v3/persons/{trn}/cpd-induction` (PUT) as bare WSGI;
    every other path goes on to `fallback` (the Flask app)."""

    def __init__(self, state: SandboxState, fallback: Callable) -> None:
        self.state = state
        self.fallback = fallback

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if not environ.get("PATH_INFO", "").startswith("/v3/"):
            return self.fallback(environ, start_response)
        status, headers, body = self.answer(environ)
        if environ.get(DROPPED):
            # The socket is already shut: the sandbox's handler writes nothing; any other server's
            # write fails as a dropped connection, which servers ignore.
            start_response("500 Internal Server Error", [("Content-Length", "0")])
            return []
        headers.append(("Content-Length", str(len(body))))
        start_response(f"{status} {_reason(status)}", headers)
        return [body]

    def answer(self, environ: dict[str, Any]) -> Answer:
        method = environ["REQUEST_METHOD"]
        decision = self.state.faults.decide(method)
        if decision is not None:
            faulted = self._fault(decision, environ)
            if faulted is not None:
                return faulted

        path = environ["PATH_INFO"]
        route = _PERSON_PATH.match(path)
        handler, allowed = self.get_person, "GET"
        if route is None:
            route = _CPD_INDUCTION_PATH.match(path)
            handler, allowed = self.put_cpd_induction, "PUT"
        if route is None:
            return _no_endpoint("No TRS API endpoint matches this path.")
        if method != allowed:
            return problem_answer(405, "Method Not Allowed", headers=[("Allow", allowed)])

        version = environ.get("HTTP_X_API_VERSION")
        if version is None:
            # TRS serves a request without the header as its default version, 20240101, where
            # neither endpoint exists, so no endpoint matches.
            return _no_endpoint(
                "No X-Api-Version header: TRS treats that as 20240101, which has no such "
                f"endpoint (these need {FIRST_VERSION} or later)."
            )
        version = version.strip()
        if version not in KNOWN_VERSIONS:
            return _no_endpoint(f"X-Api-Version {version!r} is not a TRS API version.")
        if version < FIRST_VERSION:
            return _no_endpoint(
                f"X-Api-Version {version} has no such endpoint (it needs {FIRST_VERSION} or later)."
            )

        refused = self._authorise(environ, SET_CPD_INDUCTION if allowed == "PUT" else GET_PERSON)
        if refused is not None:
            return refused
        return handler(environ, route.group(1), version)

    # -- pieces -------------------------------------------------------------------------------

    def _fault(self, decision: FaultDecision, environ: dict[str, Any]) -> Answer | None:
        if decision.latency_ms:
            time.sleep(decision.latency_ms / 1000)
        rule = decision.rule
        if rule is None:
            return None
        if rule.drop:
            _drop_connection(environ)
            return 500, [], b""
        assert rule.status is not None
        headers = []
        if rule.retry_after is not None:
            value = rule.retry_after
            headers.append(("Retry-After", str(int(value)) if value == int(value) else repr(value)))
        return problem_answer(
            rule.status,
            "Injected fault",
            f"The TRS sandbox was told to answer {rule.status} (fault {rule.id}).",
            headers=headers,
        )

    def _authorise(self, environ: dict[str, Any], role: str) -> Answer | None:
        scheme, _, key = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        roles = self.state.api_keys.get(key.strip()) if scheme.lower() == "bearer" else None
        if roles is None:
            return problem_answer(
                401,
                "Unauthorized",
                "A valid API key is required (Authorization: Bearer <key>).",
                headers=[("WWW-Authenticate", "Bearer")],
            )
        if role not in roles:
            return problem_answer(403, "Forbidden", f"This API key does not have the {role} role.")
        return None

    def get_person(self, environ: dict[str, Any], trn: str, version: str) -> Answer:
        include_induction = False
        query = environ.get("QUERY_STRING", "")
        if query:
            for value in parse_qs(query).get("include", ()):
                for part in value.split(","):
                    name = part.strip().lower()
                    if not name:
                        continue
                    if name not in _INCLUDES:
                        return validation_answer(
                            {"include": [f"The value '{part.strip()}' is not valid."]}
                        )
                    include_induction = include_induction or name in ("induction", "all")
        # TRS does no TRN format check here: a malformed TRN simply finds nobody (404 10001).
        outcome, row = self.state.store.resolve(trn)
        if outcome == "not_found":
            return _person_not_found(trn)
        if outcome != "active" and version < GONE_AND_REDIRECT_FROM:
            return _person_not_found(trn)
        assert row is not None
        if outcome == "deactivated":
            return problem_answer(410, "Record is deactivated.", f"TRN: '{trn}'")
        if outcome == "merged":
            retained = row["trn"]
            return json_answer(
                {
                    "title": "Record has been merged.",
                    "status": 308,
                    "detail": f"TRN '{trn}' was merged into TRN '{retained}'.",
                    "mergedWithTrn": retained,
                },
                status=308,
                headers=[("Location", f"/v3/persons/{retained}")],
            )
        return json_answer(self._person_json(row, include_induction, version))

    def put_cpd_induction(self, environ: dict[str, Any], trn: str, version: str) -> Answer:
        content_type = environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
        if content_type != "application/json" and not content_type.endswith("+json"):
            return problem_answer(
                415, "Unsupported Media Type", "Send the body as application/json."
            )
        length = environ.get("CONTENT_LENGTH") or "0"
        raw = environ["wsgi.input"].read(int(length)) if length.isdigit() else b""
        bound = _bind_cpd_induction(raw)
        if not isinstance(bound, CpdInductionBody):
            return bound
        status, start_date, completed_date, modified_on, logged = bound
        # TRS's checks, in TRS's order (SetCpdInductionStatusHandler).
        if status not in CPD_STATUSES:
            return problem_answer(400, "Invalid induction status.", f"Status: '{status}'", 10035)
        if status in _NEEDS_START and start_date is None:
            return problem_answer(
                400, "Induction start date is required.", f"Status: '{status}'", 10036
            )
        if status not in _NEEDS_START and start_date is not None:
            return problem_answer(
                400, "Induction start date is not permitted.", f"Status: '{status}'", 10038
            )
        if status in _NEEDS_COMPLETED and completed_date is None:
            return problem_answer(
                400, "Induction completed date is required.", f"Status: '{status}'", 10037
            )
        if status not in _NEEDS_COMPLETED and completed_date is not None:
            return problem_answer(
                400, "Induction completed date is not permitted.", f"Status: '{status}'", 10039
            )
        outcome, last = self.state.store.set_cpd_induction(
            trn,
            status,
            start_date,
            completed_date,
            modified_on,
            logged,
            request_id=environ.get("HTTP_X_REQUEST_ID"),
        )
        if outcome == "not_found":
            return _person_not_found(trn)
        if outcome == "no_qts":
            return problem_answer(400, "Person does not have QTS.", f"TRN: '{trn}'", 10034)
        if outcome == "stale":
            return problem_answer(409, "Request is stale.", f"Timestamp: {last}", 10033)
        return 204, [], b""

    def _person_json(self, row: Any, include_induction: bool, version: str) -> dict[str, Any]:
        qts_date = row["qts_date"]
        person: dict[str, Any] = {
            "trn": row["trn"],
            "firstName": row["first_name"],
            "middleName": row["middle_name"],
            "lastName": row["last_name"],
            "dateOfBirth": row["date_of_birth"],
            "qts": {"holdsFrom": qts_date, "routes": []} if qts_date else None,
            "qtlsStatus": "None",
        }
        if include_induction:
            induction: dict[str, Any] = {
                "status": row["status"],
                "startDate": row["start_date"],
                "completedDate": row["completed_date"],
            }
            if version >= EXEMPTION_REASONS_FROM:
                names = self.state.store.exemption_reasons
                induction["exemptionReasons"] = [
                    {"inductionExemptionReasonId": i, "name": names.get(i, "")}
                    for i in row["exemption_reason_ids"].split(",")
                    if i
                ]
            person["induction"] = induction
        return person


def _drop_connection(environ: dict[str, Any]) -> None:
    """Close the TCP connection under this request without writing anything.

    `shutdown` sends FIN at once, so the client sees the connection end with no response
    (httpx: RemoteProtocolError). The request handler sees the DROPPED mark and writes nothing;
    under another server the write fails as a dropped connection, which servers ignore.
    """
    environ[DROPPED] = True
    sock: socket.socket | None = environ.get("werkzeug.socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


class CpdInductionBody(NamedTuple):
    """A PUT body that bound: TRS's own checks come next."""

    status: str
    start_date: str | None
    completed_date: str | None
    modified_on: datetime
    logged: str  # the body as received, for the log of accepted PUTs


def _bind_cpd_induction(raw: bytes) -> CpdInductionBody | Answer:
    """Read the PUT body as ASP.NET's model binding would: a 400 with `errors` (no errorCode)
    for a body it cannot bind, before TRS's own checks run."""
    if not raw.strip():
        return validation_answer({"": ["A non-empty request body is required."]})
    try:
        body = json.loads(raw)
    except ValueError as error:
        return validation_answer({"$": [f"The body is not valid JSON: {error}"]})
    if not isinstance(body, dict):
        return validation_answer({"$": ["The body must be a JSON object."]})
    lowered = {k.lower(): v for k, v in body.items()}
    errors: dict[str, list[str]] = {}

    status_value = lowered.get("status")
    status = None
    if status_value is None:
        errors["status"] = ["The Status field is required."]
    elif not isinstance(status_value, str) or status_value.lower() not in _STATUS_BY_LOWER:
        errors["$.status"] = [f"The JSON value {status_value!r} is not a valid induction status."]
    else:
        status = _STATUS_BY_LOWER[status_value.lower()]

    dates: dict[str, str | None] = {}
    for field in ("startDate", "completedDate"):
        try:
            dates[field] = parse_date(lowered.get(field.lower()), field)
        except BadInput as error:
            errors[f"$.{field}"] = [str(error)]

    modified_value = lowered.get("modifiedon")
    modified_on = None
    if modified_value is None:
        errors["modifiedOn"] = ["The ModifiedOn field is required."]
    elif not isinstance(modified_value, str):
        errors["$.modifiedOn"] = ["modifiedOn must be an ISO-8601 timestamp."]
    else:
        try:
            modified_on = datetime.fromisoformat(modified_value)
        except ValueError:
            errors["$.modifiedOn"] = [f"{modified_value!r} is not an ISO-8601 timestamp."]
        else:
            if modified_on.tzinfo is None:
                modified_on = modified_on.replace(tzinfo=UTC)
    if errors:
        return validation_answer(errors)
    assert status is not None and modified_on is not None
    logged = json.dumps(body, separators=(",", ":"))
    return CpdInductionBody(status, dates["startDate"], dates["completedDate"], modified_on, logged)


# -- /_sandbox: the TRS console's part, faults, reset -------------------------------------------


def _json(body: Any, status: int = 200) -> Response:
    return Response(_dumps(body), status=status, content_type=JSON)


def _problem(status: int, title: str, detail: str | None = None) -> Response:
    answer_status, headers, body = problem_answer(status, title, detail)
    return Response(body, status=answer_status, headers=headers)


def _json_body(required: bool = True) -> Any:
    raw = request.get_data(cache=False)
    if not raw.strip():
        if required:
            raise BadInput("a JSON body is required")
        return None
    try:
        return json.loads(raw)
    except ValueError as error:
        raise BadInput(f"the body is not valid JSON: {error}") from error


def _admin_person_json(row: Any) -> dict[str, Any]:
    return {
        "trn": row["trn"],
        "firstName": row["first_name"],
        "middleName": row["middle_name"],
        "lastName": row["last_name"],
        "dateOfBirth": row["date_of_birth"],
        "qtsDate": row["qts_date"],
        "deactivated": bool(row["deactivated"]),
        "mergedInto": row["merged_into"],
        "status": row["status"],
        "startDate": row["start_date"],
        "completedDate": row["completed_date"],
        "exemptionReasonIds": [i for i in row["exemption_reason_ids"].split(",") if i],
        "trsStatus": row["trs_status"],
        "cpdStatus": row["cpd_status"],
        "cpdStartDate": row["cpd_start_date"],
        "cpdCompletedDate": row["cpd_completed_date"],
        "lastModifiedOn": row["cpd_modified_on"],
        "updatedAt": row["updated_at"],
    }


def _console_induction(spec: Any, reasons: Mapping[str, str], has_qts: bool) -> dict[str, Any]:
    """The TRS console's induction fields, validated: any status and dates, known reasons;
    Exempt needs at least one reason and only Exempt may have reasons."""
    if spec is None:
        spec = {"status": "RequiredToComplete" if has_qts else "None"}
    if not isinstance(spec, dict):
        raise BadInput("induction must be an object")
    status_value = spec.get("status")
    if not isinstance(status_value, str) or status_value.lower() not in _STATUS_BY_LOWER:
        raise BadInput(f"status must be one of {', '.join(INDUCTION_STATUSES)}")
    status = _STATUS_BY_LOWER[status_value.lower()]
    reason_ids = spec.get("exemptionReasonIds") or []
    if not isinstance(reason_ids, list) or not all(isinstance(i, str) for i in reason_ids):
        raise BadInput("exemptionReasonIds must be a list of ids")
    unknown = [i for i in reason_ids if i not in reasons]
    if unknown:
        raise BadInput(f"unknown exemption reason ids: {', '.join(unknown)}")
    if status == "Exempt" and not reason_ids:
        raise BadInput("Exempt needs at least one exemption reason")
    if status != "Exempt" and reason_ids:
        raise BadInput("only Exempt carries exemption reasons")
    return {
        "status": status,
        "start_date": parse_date(spec.get("startDate"), "startDate"),
        "completed_date": parse_date(spec.get("completedDate"), "completedDate"),
        "exemption_reason_ids": tuple(dict.fromkeys(reason_ids)),
    }


def _new_person(spec: Any, reasons: Mapping[str, str]) -> NewPerson:
    if not isinstance(spec, dict):
        raise BadInput("a person must be an object")
    trn = spec.get("trn")
    if not isinstance(trn, str) or not _TRN.match(trn):
        raise BadInput("trn must be 7 digits")
    names = {}
    for field in ("firstName", "lastName"):
        value = spec.get(field)
        if not isinstance(value, str) or not value.strip():
            raise BadInput(f"{field} is required")
        names[field] = value
    middle = spec.get("middleName") or ""
    if not isinstance(middle, str):
        raise BadInput("middleName must be text")
    date_of_birth = parse_date(spec.get("dateOfBirth"), "dateOfBirth")
    if date_of_birth is None:
        raise BadInput("dateOfBirth is required")
    qts_date = parse_date(spec.get("qtsDate"), "qtsDate")
    induction = _console_induction(spec.get("induction"), reasons, qts_date is not None)
    return NewPerson(
        trn=trn,
        first_name=names["firstName"],
        middle_name=middle,
        last_name=names["lastName"],
        date_of_birth=date_of_birth,
        qts_date=qts_date,
        **induction,
    )


class _NoSuchPerson(Exception):
    pass


def _register_admin(app: Flask, state: SandboxState) -> None:
    store = state.store

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        return _problem(error.code or 500, error.name, error.description)

    @app.errorhandler(BadInput)
    def _bad_input(error: BadInput) -> Response:
        return _problem(400, "Bad request", str(error))

    @app.errorhandler(_NoSuchPerson)
    def _no_such_person(error: _NoSuchPerson) -> Response:
        return _problem(404, "No such person in the sandbox.", f"TRN: '{error}'")

    def person_or_404(trn: str) -> Any:
        row = store.person(trn)
        if row is None:
            raise _NoSuchPerson(trn)
        return row

    def admin(rule: str, method: str) -> Callable:
        return app.route(f"/_sandbox{rule}", methods=[method])

    @admin("/health", "GET")
    def health() -> Response:
        return _json({"status": "ok"})

    @admin("/persons", "GET")
    def list_persons() -> Response:
        return _json({"persons": [_admin_person_json(r) for r in store.persons()]})

    @admin("/persons", "POST")
    def create_person() -> Response:
        person = _new_person(_json_body(), store.exemption_reasons)
        try:
            store.create_persons([person])
        except DuplicateTrn:
            return _problem(409, "A person with that TRN already exists.", f"TRN: '{person.trn}'")
        return _json(_admin_person_json(store.person(person.trn)), status=201)

    @admin("/persons/bulk", "POST")
    def create_persons() -> Response:
        specs = _json_body()
        if not isinstance(specs, list):
            raise BadInput("send a JSON list of persons")
        persons = [_new_person(spec, store.exemption_reasons) for spec in specs]
        try:
            created = store.create_persons(persons)
        except DuplicateTrn as error:
            return _problem(409, "A TRN is already taken (or repeated).", str(error))
        return _json({"created": created}, status=201)

    @admin("/persons/<trn>", "GET")
    def show_person(trn: str) -> Response:
        return _json(_admin_person_json(person_or_404(trn)))

    @admin("/persons/<trn>/induction", "PUT")
    def set_induction(trn: str) -> Response:
        row = person_or_404(trn)
        induction = _console_induction(
            _json_body(), store.exemption_reasons, row["qts_date"] is not None
        )
        try:
            store.set_trs_induction(trn, **induction)
        except UnknownPerson as error:
            raise _NoSuchPerson(trn) from error
        return _json(_admin_person_json(store.person(trn)))

    @admin("/persons/<trn>/deactivate", "POST")
    def deactivate(trn: str) -> Response:
        try:
            store.deactivate(trn)
        except UnknownPerson as error:
            raise _NoSuchPerson(trn) from error
        return _json(_admin_person_json(store.person(trn)))

    @admin("/persons/<trn>/merge", "POST")
    def merge(trn: str) -> Response:
        body = _json_body()
        into = body.get("into") if isinstance(body, dict) else None
        if not isinstance(into, str) or not _TRN.match(into):
            raise BadInput('send {"into": "<retained TRN>"}')
        if into == trn:
            raise BadInput("a record cannot be merged into itself")
        try:
            store.merge(trn, into)
        except UnknownPerson as error:
            raise _NoSuchPerson(str(error)) from error
        return _json(_admin_person_json(store.person(trn)))

    @admin("/persons/<trn>/cpd-requests", "GET")
    def person_cpd_requests(trn: str) -> Response:
        return _json({"trn": trn, "requests": store.cpd_requests(trn)})

    @admin("/cpd-requests", "GET")
    def all_cpd_requests() -> Response:
        since = request.args.get("since", "0")
        if not since.isdigit():
            raise BadInput("since must be a sequence number")
        return _json({"requests": store.cpd_requests(None, int(since))})

    @admin("/exemption-reasons", "GET")
    def exemption_reasons() -> Response:
        return _json(
            {
                "exemptionReasons": [
                    {"inductionExemptionReasonId": i, "name": n}
                    for i, n in store.exemption_reasons.items()
                ]
            }
        )

    @admin("/faults", "POST")
    def add_fault() -> Response:
        try:
            rule = state.faults.add(_json_body())
        except ValueError as error:
            raise BadInput(str(error)) from error
        return _json(rule.as_json(), status=201)

    @admin("/faults", "GET")
    def list_faults() -> Response:
        return _json({"faults": state.faults.remaining()})

    @admin("/faults", "DELETE")
    def clear_faults() -> Response:
        state.faults.clear()
        return Response(status=204)

    @admin("/reset", "POST")
    def reset() -> Response:
        body = _json_body(required=False)
        if body is None:
            body = {}
        if not isinstance(body, dict):
            raise BadInput('send {"seed": true|false, "today": "yyyy-MM-dd"?} or nothing')
        seed = body.get("seed", True)
        if not isinstance(seed, bool):
            raise BadInput("seed must be true or false")
        today = parse_date(body.get("today"), "today")
        state.faults.clear()
        if not seed:
            count = store.reset()
        else:
            count = state.seed(date.fromisoformat(today) if today else None)
        return _json({"persons": count})
