"""PUT /v3/persons/{trn}/cpd-induction: every check of docs/trs-contract.md, in its order, via the client."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from app.demo import PASSED_IN_WALES
from app.trs.errors import (
    TrsConflict,
    TrsEndpointNotFound,
    TrsForbidden,
    TrsNotFound,
    TrsStale,
    TrsUnauthorised,
    TrsValidationError,
)
from app.trs.person import ExemptionReason, TrsInduction
from tests.support.sandbox import CPD_KEY, READ_KEY

T0 = datetime(2026, 3, 2, 9, 30, 15, 123000, tzinfo=UTC)
START = date(2025, 9, 1)
END = date(2026, 2, 20)
CURRENT = {"Authorization": f"Bearer {CPD_KEY}", "X-Api-Version": "20260120"}


@pytest.fixture
def teacher(sandbox_admin) -> str:
    sandbox_admin.create_person("3000001", qtsDate="2025-07-01")
    return "3000001"


def test_an_accepted_put_is_204_changes_trs_and_is_logged(sandbox_admin, trs_client, teacher):
    client = trs_client()

    assert client.put_cpd_induction(teacher, "Passed", START, END, T0) is None

    assert client.get_person(teacher).induction == TrsInduction("Passed", START, END)
    [logged] = sandbox_admin.cpd_requests(teacher)
    assert logged["body"] == {
        "status": "Passed",
        "startDate": "2025-09-01",
        "completedDate": "2026-02-20",
        "modifiedOn": "2026-03-02T09:30:15.123Z",
    }
    assert logged["receivedAt"].endswith("Z")
    assert sandbox_admin.person(teacher)["lastModifiedOn"] == "2026-03-02T09:30:15.123Z"


def test_modified_on_goes_as_utc_with_milliseconds(sandbox_admin, trs_client, teacher):
    london_summer = timezone(timedelta(hours=1))
    moment = datetime(2026, 6, 1, 10, 0, 0, 987654, tzinfo=london_summer)

    trs_client().put_cpd_induction(teacher, "InProgress", START, None, moment)

    [logged] = sandbox_admin.cpd_requests(teacher)
    assert logged["body"]["modifiedOn"] == "2026-06-01T09:00:00.987Z"


@pytest.mark.parametrize(
    ("status", "start", "completed", "code", "title"),
    [
        ("Exempt", None, None, 10035, "Invalid induction status."),
        ("None", None, None, 10035, "Invalid induction status."),
        ("FailedInWales", START, END, 10035, "Invalid induction status."),
        ("InProgress", None, None, 10036, "Induction start date is required."),
        ("Passed", None, END, 10036, "Induction start date is required."),
        ("Failed", None, END, 10036, "Induction start date is required."),
        ("RequiredToComplete", START, None, 10038, "Induction start date is not permitted."),
        ("Passed", START, None, 10037, "Induction completed date is required."),
        ("Failed", START, None, 10037, "Induction completed date is required."),
        ("InProgress", START, END, 10039, "Induction completed date is not permitted."),
        ("RequiredToComplete", None, END, 10039, "Induction completed date is not permitted."),
    ],
)
def test_each_validation_error_code(
    sandbox_admin, trs_client, teacher, status, start, completed, code, title
):
    with pytest.raises(TrsValidationError) as raised:
        trs_client().put_cpd_induction(teacher, status, start, completed, T0)

    error = raised.value
    assert (error.status, error.error_code, error.title) == (400, code, title)
    assert error.detail == f"Status: '{status}'"
    assert error.retryable is False
    assert sandbox_admin.cpd_requests(teacher) == []


@pytest.mark.parametrize(
    ("trn", "status", "start", "completed", "first_problem"),
    [
        # status before everything, even an unknown TRN
        ("9999999", "Exempt", START, END, 10035),
        # start required before completed not permitted
        ("3000001", "InProgress", None, END, 10036),
        # start not permitted before completed not permitted
        ("3000001", "RequiredToComplete", START, END, 10038),
        # start required before completed required
        ("3000001", "Passed", None, None, 10036),
        # the body's checks before the person lookup
        ("9999999", "Passed", START, None, 10037),
        # the body's checks before the QTS check
        ("3000002", "InProgress", None, None, 10036),
    ],
)
def test_a_body_with_two_problems_reports_the_first(
    sandbox_admin, trs_client, teacher, trn, status, start, completed, first_problem
):
    sandbox_admin.create_person("3000002", qtsDate=None)
    with pytest.raises(TrsValidationError) as raised:
        trs_client().put_cpd_induction(trn, status, start, completed, T0)
    assert raised.value.error_code == first_problem


def test_unknown_trn_is_404_10001(sandbox_admin, trs_client):
    with pytest.raises(TrsNotFound) as raised:
        trs_client().put_cpd_induction("9999999", "InProgress", START, None, T0)
    assert (raised.value.status, raised.value.error_code) == (404, 10001)


def test_deactivated_or_merged_cannot_be_written(sandbox_admin, trs_client, teacher):
    sandbox_admin.create_person("3000003")
    sandbox_admin.deactivate("3000003")
    sandbox_admin.merge(teacher, into="1000001")
    for trn in ("3000003", teacher):
        with pytest.raises(TrsNotFound) as raised:
            trs_client().put_cpd_induction(trn, "InProgress", START, None, T0)
        assert raised.value.error_code == 10001


def test_no_qts_is_400_10034_after_the_person_is_found(sandbox_admin, trs_client):
    sandbox_admin.create_person("3000004", qtsDate=None)
    with pytest.raises(TrsValidationError) as raised:
        trs_client().put_cpd_induction("3000004", "InProgress", START, None, T0)
    error = raised.value
    assert (error.status, error.error_code, error.title) == (
        400,
        10034,
        "Person does not have QTS.",
    )
    assert "QTS" in error.message


def test_an_earlier_modified_on_is_stale_and_changes_nothing(sandbox_admin, trs_client, teacher):
    client = trs_client()
    client.put_cpd_induction(teacher, "Passed", START, END, T0)

    with pytest.raises(TrsStale) as raised:
        client.put_cpd_induction(teacher, "InProgress", START, None, T0 - timedelta(milliseconds=1))

    error = raised.value
    assert isinstance(error, TrsConflict)
    assert (error.status, error.error_code, error.title) == (409, 10033, "Request is stale.")
    assert error.retryable is False
    assert client.get_person(teacher).induction.status == "Passed"
    assert len(sandbox_admin.cpd_requests(teacher)) == 1


def test_an_equal_modified_on_is_accepted(sandbox_admin, trs_client, teacher):
    client = trs_client()
    client.put_cpd_induction(teacher, "InProgress", START, None, T0)
    client.put_cpd_induction(teacher, "Passed", START, END, T0)  # a replay of the same moment

    assert client.get_person(teacher).induction.status == "Passed"
    assert [r["body"]["status"] for r in sandbox_admin.cpd_requests(teacher)] == [
        "InProgress",
        "Passed",
    ]


def test_a_later_put_wins_and_the_log_keeps_the_order(sandbox_admin, trs_client, teacher):
    client = trs_client()
    for offset, status in enumerate(["RequiredToComplete", "InProgress", "Failed"]):
        start = None if status == "RequiredToComplete" else START
        end = END if status == "Failed" else None
        client.put_cpd_induction(teacher, status, start, end, T0 + timedelta(seconds=offset))

    logged = sandbox_admin.cpd_requests(teacher)
    assert [r["body"]["status"] for r in logged] == ["RequiredToComplete", "InProgress", "Failed"]
    assert [r["seq"] for r in logged] == sorted(r["seq"] for r in logged)
    assert client.get_person(teacher).induction == TrsInduction("Failed", START, END)
    everyone = sandbox_admin.cpd_requests()
    assert [r["seq"] for r in everyone] == [r["seq"] for r in logged]


def test_a_read_only_key_may_not_write_403(sandbox_admin, trs_client, teacher):
    with pytest.raises(TrsForbidden) as raised:
        trs_client(READ_KEY).put_cpd_induction(teacher, "InProgress", START, None, T0)
    assert raised.value.status == 403
    assert sandbox_admin.cpd_requests(teacher) == []


def test_an_unknown_key_may_not_write_401(sandbox_admin, trs_client, teacher):
    with pytest.raises(TrsUnauthorised):
        trs_client("wrong").put_cpd_induction(teacher, "InProgress", START, None, T0)


def test_the_put_needs_20250203_or_later(sandbox_admin, trs_client, teacher):
    trs_client(api_version="20250203").put_cpd_induction(teacher, "InProgress", START, None, T0)
    assert len(sandbox_admin.cpd_requests(teacher)) == 1
    with pytest.raises(TrsEndpointNotFound):
        trs_client(api_version="20240920").put_cpd_induction(
            teacher, "Passed", START, END, T0 + timedelta(1)
        )


# -- bodies the client never sends: ASP.NET model binding answers 400 without an errorCode ------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"{not json", "$"),
        (b"[]", "$"),
        (b'{"status": "InProgress", "startDate": "2025-09-01"}', "modifiedOn"),
        (b'{"startDate": "2025-09-01", "modifiedOn": "2026-01-01T00:00:00Z"}', "status"),
        (b'{"status": "Banana", "modifiedOn": "2026-01-01T00:00:00Z"}', "$.status"),
        (
            b'{"status": "InProgress", "startDate": "01/09/2025", '
            b'"modifiedOn": "2026-01-01T00:00Z"}',
            "$.startDate",
        ),
        (
            b'{"status": "Passed", "startDate": "2025-09-01", "completedDate": "2026-02-30", '
            b'"modifiedOn": "2026-01-01T00:00:00Z"}',
            "$.completedDate",
        ),
        (
            b'{"status": "InProgress", "startDate": "2025-09-01", "modifiedOn": "soon"}',
            "$.modifiedOn",
        ),
    ],
)
def test_unreadable_bodies_are_400_validation_problems(sandbox_admin, raw, teacher, body, field):
    response = raw.put(
        f"/v3/persons/{teacher}/cpd-induction",
        content=body,
        headers={**CURRENT, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    problem = response.json()
    assert "errorCode" not in problem
    assert field in problem["errors"]
    assert sandbox_admin.cpd_requests(teacher) == []


def test_a_body_that_is_not_json_content_is_415(sandbox_admin, raw, teacher):
    response = raw.put(
        f"/v3/persons/{teacher}/cpd-induction",
        content=b"status=Passed",
        headers={**CURRENT, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415


def test_the_client_reads_a_validation_problem_without_a_code(sandbox_admin, trs_client, teacher):
    with pytest.raises(TrsValidationError) as raised:
        trs_client().put_cpd_induction(teacher, "Banana", None, None, T0)
    assert raised.value.error_code is None
    assert "$.status" in raised.value.errors


# -- Exempt priority ------------------------------------------------------------------------------


@pytest.fixture
def exempt_teacher(sandbox_admin) -> str:
    sandbox_admin.create_person(
        "3000010",
        induction={"status": "Exempt", "exemptionReasonIds": [PASSED_IN_WALES]},
    )
    return "3000010"


@pytest.mark.parametrize(("status", "start"), [("InProgress", START), ("RequiredToComplete", None)])
def test_exempt_stays_when_cpd_sends_in_progress_or_required(
    sandbox_admin, trs_client, exempt_teacher, status, start
):
    client = trs_client()
    client.put_cpd_induction(exempt_teacher, status, start, None, T0)

    induction = client.get_person(exempt_teacher).induction
    assert induction.status == "Exempt"
    assert induction.exemption_reasons == (
        ExemptionReason(PASSED_IN_WALES, "They passed induction in Wales"),
    )
    stored = sandbox_admin.person(exempt_teacher)
    assert (stored["cpdStatus"], stored["trsStatus"]) == (status, "Exempt")
    assert len(sandbox_admin.cpd_requests(exempt_teacher)) == 1  # accepted, just not shown


@pytest.mark.parametrize("status", ["Passed", "Failed"])
def test_passed_or_failed_override_exempt(sandbox_admin, trs_client, exempt_teacher, status):
    client = trs_client()
    client.put_cpd_induction(exempt_teacher, status, START, END, T0)
    induction = client.get_person(exempt_teacher).induction
    assert (induction.status, induction.start_date, induction.completed_date) == (
        status,
        START,
        END,
    )


def test_exempt_set_in_the_trs_console_mid_induction_wins_over_cpd(
    sandbox_admin, trs_client, teacher
):
    client = trs_client()
    client.put_cpd_induction(teacher, "InProgress", START, None, T0)
    sandbox_admin.set_induction(teacher, "Exempt", exemption_reason_ids=[PASSED_IN_WALES])

    assert client.get_person(teacher).induction.status == "Exempt"
    client.put_cpd_induction(teacher, "InProgress", START, None, T0 + timedelta(1))
    assert client.get_person(teacher).induction.status == "Exempt"
    client.put_cpd_induction(teacher, "Passed", START, END, T0 + timedelta(2))
    assert client.get_person(teacher).induction.status == "Passed"


def test_otherwise_the_side_that_wrote_last_is_shown(sandbox_admin, trs_client, teacher):
    client = trs_client()
    client.put_cpd_induction(teacher, "InProgress", START, None, T0)
    sandbox_admin.set_induction(teacher, "FailedInWales", START, END)
    assert client.get_person(teacher).induction == TrsInduction("FailedInWales", START, END)
    client.put_cpd_induction(teacher, "Passed", START, END, T0 + timedelta(1))
    assert client.get_person(teacher).induction.status == "Passed"
