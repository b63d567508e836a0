"""The TRS client against respx: what it sends, how it reads answers, how it maps every failure."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import pytest
import respx

from app.trs.client import (
    DEFAULT_TIMEOUT,
    TrsClient,
    error_for_response,
    format_modified_on,
    parse_retry_after,
)
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
from app.trs.person import ExemptionReason, TrsInduction, TrsPerson

BASE = "https://trs.test"
PERSON_URL = f"{BASE}/v3/persons/1234567"
PUT_URL = f"{BASE}/v3/persons/1234567/cpd-induction"
MODIFIED = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)

PERSON_JSON = {
    "trn": "1234567",
    "firstName": "Amara",
    "middleName": "Grace",
    "lastName": "Okafor",
    "dateOfBirth": "1997-04-12",
    "qts": {"holdsFrom": "2024-07-03", "routes": []},
    "qtlsStatus": "None",
    "induction": {
        "status": "Exempt",
        "startDate": "2024-09-02",
        "completedDate": None,
        "exemptionReasons": [
            {
                "inductionExemptionReasonId": "39550fa9-3147-489d-b808-4feea7f7f979",
                "name": "They passed induction in Wales",
            }
        ],
    },
}


def problem(status: int, title: str, code: int | None = None, **extra) -> httpx.Response:
    body = {"title": title, "status": status, "detail": "TRN: '1234567'", **extra}
    if code is not None:
        body["errorCode"] = code
    return httpx.Response(
        status, json=body, headers={"content-type": "application/problem+json; charset=utf-8"}
    )


@pytest.fixture
def trs():
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


@pytest.fixture(scope="module")
def client():
    # One client for the module (building one costs an SSL context); respx mocks each test.
    with TrsClient(BASE, "the-key") as client:
        yield client


# -- what is sent ---------------------------------------------------------------------------------


def test_get_sends_the_key_version_accept_and_include(trs, client):
    route = trs.get("/v3/persons/1234567").respond(json=PERSON_JSON)

    client.get_person("1234567")

    request = route.calls.last.request
    assert request.headers["authorization"] == "Bearer the-key"
    assert request.headers["x-api-version"] == "20260120"
    assert request.headers["accept"] == "application/json"
    assert request.url.params["include"] == "Induction"


def test_the_api_version_is_configurable(trs):
    route = trs.get("/v3/persons/1234567").respond(json=PERSON_JSON)
    with TrsClient(BASE, "k", api_version="20250627") as client:
        client.get_person("1234567")
    assert route.calls.last.request.headers["x-api-version"] == "20250627"


def test_put_sends_the_body_as_trs_expects(trs, client):
    route = trs.put("/v3/persons/1234567/cpd-induction").respond(204)

    result = client.put_cpd_induction(
        "1234567", "Passed", date(2024, 9, 2), date(2026, 2, 27), MODIFIED
    )

    assert result is None
    request = route.calls.last.request
    assert request.headers["content-type"] == "application/json"
    assert request.headers["authorization"] == "Bearer the-key"
    assert json.loads(request.content) == {
        "status": "Passed",
        "startDate": "2024-09-02",
        "completedDate": "2026-02-27",
        "modifiedOn": "2026-03-02T09:30:15.123Z",
    }


def test_put_sends_null_dates(trs, client):
    route = trs.put("/v3/persons/1234567/cpd-induction").respond(204)
    client.put_cpd_induction("1234567", "RequiredToComplete", None, None, MODIFIED)
    body = json.loads(route.calls.last.request.content)
    assert body["startDate"] is None and body["completedDate"] is None


def test_put_converts_modified_on_to_utc(trs, client):
    route = trs.put("/v3/persons/1234567/cpd-induction").respond(204)
    bst = timezone(timedelta(hours=1))
    client.put_cpd_induction(
        "1234567", "InProgress", date(2026, 5, 1), None, datetime(2026, 6, 1, 0, 30, tzinfo=bst)
    )
    assert json.loads(route.calls.last.request.content)["modifiedOn"] == "2026-05-31T23:30:00.000Z"


def test_put_refuses_a_naive_modified_on_without_sending(trs, client):
    route = trs.put("/v3/persons/1234567/cpd-induction").respond(204)
    with pytest.raises(ValueError, match="timezone"):
        client.put_cpd_induction("1234567", "InProgress", date(2026, 5, 1), None, datetime.now())
    assert not route.called


@pytest.mark.parametrize("trn", ["123456", "12345678", "12345a7", "../../x", ""])
def test_a_malformed_trn_is_never_sent(trs, client, trn):
    route = trs.route().respond(200, json=PERSON_JSON)
    with pytest.raises(ValueError, match="TRN"):
        client.get_person(trn)
    with pytest.raises(ValueError, match="TRN"):
        client.put_cpd_induction(trn, "InProgress", date(2026, 5, 1), None, MODIFIED)
    assert not route.called


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 1, 1, tzinfo=UTC), "2026-01-01T00:00:00.000Z"),
        (datetime(2026, 1, 1, 12, 0, 0, 999999, tzinfo=UTC), "2026-01-01T12:00:00.999Z"),
        (datetime(2026, 1, 1, 12, 0, 0, 1000, tzinfo=UTC), "2026-01-01T12:00:00.001Z"),
        (
            datetime(2026, 7, 1, 1, 0, tzinfo=timezone(timedelta(hours=2))),
            "2026-06-30T23:00:00.000Z",
        ),
    ],
)
def test_format_modified_on(moment, expected):
    assert format_modified_on(moment) == expected


def test_redirects_are_not_followed(trs, client):
    merged = trs.get("/v3/persons/1234567").respond(
        308, headers={"location": "/v3/persons/7654321"}
    )
    retained = trs.get("/v3/persons/7654321").respond(json=PERSON_JSON)
    with pytest.raises(TrsMerged):
        client.get_person("1234567")
    assert merged.call_count == 1
    assert not retained.called


def test_default_timeouts_are_set_on_every_phase(trs):
    route = trs.get("/v3/persons/1234567").respond(json=PERSON_JSON)
    with TrsClient(BASE, "k") as client:
        client.get_person("1234567")
    timeout = route.calls.last.request.extensions["timeout"]
    assert timeout == {"connect": 2.0, "read": 5.0, "write": 5.0, "pool": 2.0}
    assert DEFAULT_TIMEOUT.read == 5.0


def test_a_base_url_with_a_path_keeps_it(trs):
    with respx.mock(base_url="https://gateway.test/trs-api") as router:
        route = router.get("/v3/persons/1234567").respond(json=PERSON_JSON)
        with TrsClient("https://gateway.test/trs-api", "k") as client:
            client.get_person("1234567")
        assert route.calls.last.request.url.path == "/trs-api/v3/persons/1234567"


def test_an_injected_transport_is_used():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(200, json=PERSON_JSON)

    with TrsClient(BASE, "k", transport=httpx.MockTransport(handler)) as client:
        assert client.get_person("1234567").trn == "1234567"
    assert seen == ["/v3/persons/1234567"]


# -- reading a person -----------------------------------------------------------------------------


def test_reads_the_person(trs, client):
    trs.get("/v3/persons/1234567").respond(json=PERSON_JSON)

    person = client.get_person("1234567")

    assert person == TrsPerson(
        trn="1234567",
        first_name="Amara",
        middle_name="Grace",
        last_name="Okafor",
        date_of_birth=date(1997, 4, 12),
        qts_date=date(2024, 7, 3),
        induction=TrsInduction(
            status="Exempt",
            start_date=date(2024, 9, 2),
            completed_date=None,
            exemption_reasons=(
                ExemptionReason(
                    "39550fa9-3147-489d-b808-4feea7f7f979", "They passed induction in Wales"
                ),
            ),
        ),
    )
    assert person.full_name == "Amara Grace Okafor"
    assert person.induction.is_exempt
    assert person.has_qts


def test_reads_no_qts_no_middle_name_and_an_old_version_induction(trs, client):
    body = {
        **PERSON_JSON,
        "middleName": "",
        "qts": None,
        "induction": {"status": "Passed", "startDate": "2020-09-01", "completedDate": "2022-07-20"},
    }
    trs.get("/v3/persons/1234567").respond(json=body)

    person = client.get_person("1234567")

    assert person.qts_date is None and not person.has_qts
    assert person.full_name == "Amara Okafor"
    assert person.induction == TrsInduction("Passed", date(2020, 9, 1), date(2022, 7, 20), ())


def test_reads_a_person_without_induction(trs, client):
    body = {k: v for k, v in PERSON_JSON.items() if k != "induction"}
    trs.get("/v3/persons/1234567").respond(json=body)
    assert client.get_person("1234567").induction is None


def test_the_person_is_frozen(trs, client):
    trs.get("/v3/persons/1234567").respond(json=PERSON_JSON)
    person = client.get_person("1234567")
    with pytest.raises(AttributeError):
        person.first_name = "Changed"  # type: ignore[misc]


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="<html>proxy</html>"),
        httpx.Response(200, json={"trn": "1234567"}),
        httpx.Response(200, json={**PERSON_JSON, "dateOfBirth": "12/04/1997"}),
        httpx.Response(200, json=[1, 2]),
    ],
)
def test_an_unreadable_success_is_invalid_response(trs, client, response):
    trs.get("/v3/persons/1234567").mock(return_value=response)
    with pytest.raises(TrsInvalidResponse) as raised:
        client.get_person("1234567")
    assert raised.value.retryable is False
    assert raised.value.trn == "1234567"


# -- every status to its error --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "error_type", "retryable"),
    [
        (problem(400, "Invalid induction status.", 10035), TrsValidationError, False),
        (problem(401, "Unauthorized"), TrsUnauthorised, False),
        (problem(403, "Forbidden"), TrsForbidden, False),
        (problem(404, "Person not found.", 10001), TrsNotFound, False),
        (httpx.Response(404), TrsEndpointNotFound, False),
        (problem(409, "Request is stale.", 10033), TrsStale, False),
        (problem(409, "Conflict", 10099), TrsConflict, False),
        (problem(410, "Record is deactivated."), TrsDeactivated, False),
        (problem(429, "Too many requests"), TrsRateLimited, True),
        (problem(500, "Internal Server Error"), TrsServerError, True),
        (httpx.Response(502, text="Bad gateway"), TrsServerError, True),
        (problem(503, "Service Unavailable"), TrsServerError, True),
        (httpx.Response(504), TrsServerError, True),
        (problem(415, "Unsupported Media Type"), TrsError, False),
        (httpx.Response(408), TrsError, True),
    ],
)
@pytest.mark.parametrize("call", ["get", "put"])
def test_each_status_maps_to_its_error(trs, client, response, error_type, retryable, call):
    trs.route().mock(return_value=response)

    with pytest.raises(TrsError) as raised:
        if call == "get":
            client.get_person("1234567")
        else:
            client.put_cpd_induction("1234567", "InProgress", date(2026, 5, 1), None, MODIFIED)

    error = raised.value
    assert type(error) is error_type
    assert error.status == response.status_code
    assert error.retryable is retryable
    assert error.trn == "1234567"
    assert error.message and str(error) == error.message
    assert "Traceback" not in error.message


def test_the_problem_details_are_kept(trs, client):
    trs.put("/v3/persons/1234567/cpd-induction").mock(
        return_value=problem(400, "Person does not have QTS.", 10034)
    )
    with pytest.raises(TrsValidationError) as raised:
        client.put_cpd_induction("1234567", "InProgress", date(2026, 5, 1), None, MODIFIED)
    error = raised.value
    assert (error.status, error.error_code, error.title, error.detail) == (
        400,
        10034,
        "Person does not have QTS.",
        "TRN: '1234567'",
    )
    assert error.message == (
        "TRS says the teacher does not hold QTS, so it cannot record induction."
    )


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (10035, "status"),
        (10036, "start date"),
        (10037, "completed date"),
        (10038, "start date"),
        (10039, "completed date"),
    ],
)
def test_validation_messages_are_plain_english(trs, client, code, words):
    trs.put("/v3/persons/1234567/cpd-induction").mock(return_value=problem(400, "x", code))
    with pytest.raises(TrsValidationError) as raised:
        client.put_cpd_induction("1234567", "InProgress", None, None, MODIFIED)
    assert words in raised.value.message
    assert str(code) not in raised.value.message


def test_a_validation_problem_without_a_code_keeps_its_field_errors(trs, client):
    trs.put("/v3/persons/1234567/cpd-induction").respond(
        400,
        json={
            "title": "One or more validation errors occurred.",
            "status": 400,
            "errors": {"$.status": ["The JSON value could not be converted."]},
        },
    )
    with pytest.raises(TrsValidationError) as raised:
        client.put_cpd_induction("1234567", "Banana", None, None, MODIFIED)
    assert raised.value.error_code is None
    assert raised.value.errors == {"$.status": ["The JSON value could not be converted."]}
    assert "One or more validation errors occurred" in raised.value.message


def test_stale_is_a_conflict(trs, client):
    trs.put("/v3/persons/1234567/cpd-induction").mock(
        return_value=problem(409, "Request is stale.", 10033)
    )
    with pytest.raises(TrsConflict) as raised:
        client.put_cpd_induction("1234567", "InProgress", date(2026, 5, 1), None, MODIFIED)
    assert isinstance(raised.value, TrsStale)
    assert raised.value.error_code == 10033
    assert "newer" in raised.value.message


@pytest.mark.parametrize(
    "location",
    [
        "/v3/persons/7654321",
        "https://trs.test/v3/persons/7654321",
        "/v3/persons/7654321?include=Induction",
        "/v3/persons/7654321/",
    ],
)
def test_308_names_the_retained_trn_from_location(trs, client, location):
    trs.get("/v3/persons/1234567").respond(308, headers={"location": location})
    with pytest.raises(TrsMerged) as raised:
        client.get_person("1234567")
    assert raised.value.retained_trn == "7654321"
    assert raised.value.status == 308
    assert "7654321" in raised.value.message and "1234567" in raised.value.message


def test_308_without_location_falls_back_to_the_body(trs, client):
    trs.get("/v3/persons/1234567").respond(308, json={"mergedWithTrn": "7654321"})
    with pytest.raises(TrsMerged) as raised:
        client.get_person("1234567")
    assert raised.value.retained_trn == "7654321"


def test_308_naming_nobody_still_reads_as_merged(trs, client):
    trs.get("/v3/persons/1234567").respond(308, headers={"location": "/elsewhere"})
    with pytest.raises(TrsMerged) as raised:
        client.get_person("1234567")
    assert raised.value.retained_trn is None


def test_429_retry_after_in_seconds(trs, client):
    trs.get("/v3/persons/1234567").respond(429, headers={"retry-after": "30"})
    with pytest.raises(TrsRateLimited) as raised:
        client.get_person("1234567")
    assert raised.value.retry_after == 30.0
    assert "30 seconds" in raised.value.message


def test_429_retry_after_as_an_http_date(trs, client):
    when = datetime.now(UTC) + timedelta(seconds=120)
    trs.get("/v3/persons/1234567").respond(
        429, headers={"retry-after": format_datetime(when, usegmt=True)}
    )
    with pytest.raises(TrsRateLimited) as raised:
        client.get_person("1234567")
    assert 100 <= raised.value.retry_after <= 121


def test_429_without_retry_after(trs, client):
    trs.get("/v3/persons/1234567").respond(429)
    with pytest.raises(TrsRateLimited) as raised:
        client.get_person("1234567")
    assert raised.value.retry_after is None
    assert "shortly" in raised.value.message


def test_503_keeps_its_retry_after(trs, client):
    trs.get("/v3/persons/1234567").respond(503, headers={"retry-after": "5"})
    with pytest.raises(TrsServerError) as raised:
        client.get_person("1234567")
    assert raised.value.retry_after == 5.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", 0.0),
        ("12", 12.0),
        ("1.5", 1.5),
        (" 7 ", 7.0),
        ("-3", 0.0),
        ("soon", None),
        ("nan", None),
        ("inf", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # in the past: no wait
        ("Wed, 21 Oct 2015 07:28:30 GMT", 30.0),
    ],
)
def test_parse_retry_after(value, expected):
    now = datetime(2015, 10, 21, 7, 28, tzinfo=UTC).timestamp()
    if value.endswith("30 GMT"):
        assert parse_retry_after(httpx.Headers({"retry-after": value}), now=now) == expected
    else:
        assert parse_retry_after(httpx.Headers({"retry-after": value}), now=now + 60) == expected


def test_parse_retry_after_absent():
    assert parse_retry_after(httpx.Headers()) is None


def test_error_for_response_without_a_trn():
    error = error_for_response(httpx.Response(404, json={"errorCode": 10001, "title": "x"}))
    assert isinstance(error, TrsNotFound)
    assert error.message == "TRS has no teacher record with that TRN."


# -- no HTTP answer at all ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectTimeout("connect timed out"),
        httpx.ReadTimeout("read timed out"),
        httpx.WriteTimeout("write timed out"),
        httpx.PoolTimeout("no connection free"),
        httpx.ConnectError("connection refused"),
        httpx.ReadError("connection reset by peer"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
    ],
)
@pytest.mark.parametrize("call", ["get", "put"])
def test_timeouts_and_connection_failures_are_unavailable(trs, client, failure, call):
    trs.route().mock(side_effect=failure)

    with pytest.raises(TrsUnavailable) as raised:
        if call == "get":
            client.get_person("1234567")
        else:
            client.put_cpd_induction("1234567", "InProgress", date(2026, 5, 1), None, MODIFIED)

    error = raised.value
    assert error.retryable is True
    assert error.status is None
    assert type(failure).__name__ in error.detail
    assert error.__cause__ is failure
    assert "TRS" in error.message


def test_a_timeout_says_so(trs, client):
    trs.route().mock(side_effect=httpx.ReadTimeout("read timed out"))
    with pytest.raises(TrsUnavailable) as raised:
        client.get_person("1234567")
    assert "in time" in raised.value.message


def test_close_closes_the_pool(trs):
    trs.get("/v3/persons/1234567").respond(json=PERSON_JSON)
    client = TrsClient(BASE, "k")
    with client:
        client.get_person("1234567")
    with pytest.raises(RuntimeError):
        client.get_person("1234567")
