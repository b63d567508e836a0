"""What the people on call read: each request's JSON log line and id, the id followed from a click
to TRS, and /metrics (numbers that move, never public)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import select

from app import create_app
from app.models import OutboxEntry, User
from app.observability.logs import JsonFormatter
from app.observability.metrics import count_sign_in_lock
from app.trs.outbox import OutboxWorker
from tests.support.journeys import confirm, parts, walk
from tests.support.service import metric_values

TRN = "2300001"
FIRST_NAME, LAST_NAME, BORN = "Zebediah", "Quillfeather", "1993-04-27"
METRICS = {"Authorization": "Bearer test-metrics-key"}
ADD_PERIOD = "add-induction-period"


@pytest.fixture
def logged() -> Iterator[Callable[[], list[dict]]]:
    """The log lines the console has written so far in the test, as the JSON handler wrote them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)


@pytest.fixture
def teacher(add_teacher):
    return add_teacher(
        TRN,
        first_name=FIRST_NAME,
        last_name=LAST_NAME,
        date_of_birth=BORN,
        induction={"status": "RequiredToComplete"},
    )


def _add_period(caseworker, body_id: int):
    check = walk(
        caseworker,
        TRN,
        ADD_PERIOD,
        {"appropriate_body_id": str(body_id)},
        {"started_on": parts("2025-09-01"), "number_of_terms": ""},
        {"training_programme": "provider_led"},
    )
    return confirm(caseworker, check)


def _deliver(app) -> None:
    OutboxWorker(
        app.extensions["db_sessions"],
        app.extensions["trs"].client,
        app.extensions["clock"],
        worker_id="test-worker",
    ).drain()


def _metrics(client) -> str:
    response = client.get("/metrics", headers=METRICS)
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return response.get_data(as_text=True)


def test_a_change_is_followed_by_its_request_id_from_the_click_to_trs(
    app, db, signed_in_as, teacher, appropriate_body, sandbox_admin, users, logged
):
    caseworker = signed_in_as("caseworker")
    response = _add_period(caseworker, appropriate_body.id)
    request_id = response.headers["X-Request-Id"]
    row = db.scalar(select(OutboxEntry))
    assert row.request_id == request_id
    _deliver(app)
    assert [put["requestId"] for put in sandbox_admin.cpd_requests(TRN)] == [request_id]

    # the confirming request's line, and the delivery's, carry the same id
    confirmed = [line for line in logged() if line.get("request_id") == request_id]
    request_line = next(line for line in confirmed if line["logger"] == "app.requests")
    assert request_line["method"] == "POST"
    assert request_line["route"] == "/teachers/<trn>/<journey>/check"
    assert request_line["status"] == 302
    assert request_line["trn"] == TRN
    assert request_line["user_id"] == db.scalar(
        select(User.id).where(User.email == users["caseworker"])
    )
    assert request_line["duration_ms"] >= 0
    assert {"time", "level", "message"} <= set(request_line)
    sent = next(line for line in confirmed if line.get("outbox_id") == row.id)
    assert (sent["trn"], sent["message"]) == (TRN, f"outbox {row.id}: sent to TRS")


def test_no_names_or_dates_of_birth_reach_the_logs(
    app, signed_in_as, teacher, appropriate_body, logged
):
    caseworker = signed_in_as("caseworker")
    caseworker.get(f"/teachers/{TRN}")
    assert caseworker.get_response(f"/teachers?q={LAST_NAME}").status_code == 200
    _add_period(caseworker, appropriate_body.id)
    _deliver(app)
    lines = logged()
    assert len(lines) > 10
    for personal in (FIRST_NAME, LAST_NAME, BORN, "27 April 1993"):
        assert personal not in json.dumps(lines)


def test_a_refusal_is_logged_with_its_rule_id(
    signed_in_as, teacher, sandbox_admin, appropriate_body, logged
):
    sandbox_admin.deactivate(TRN)
    caseworker = signed_in_as("caseworker")
    caseworker.get(f"/teachers/{TRN}/{ADD_PERIOD}", _expected_status=403)
    refused = [line for line in logged() if line.get("status") == 403]
    assert len(refused) == 1
    assert refused[0]["rule_id"].startswith("CPD-")


def test_the_callers_request_id_is_kept_when_plain_and_replaced_when_not(client_request):
    kept = client_request.get_response("/healthz", headers={"X-Request-Id": "lb-1234.abc"})
    assert kept.headers["X-Request-Id"] == "lb-1234.abc"
    forged = client_request.get_response(
        "/healthz", headers={"X-Request-Id": 'x" {"level": "error"}'}
    )
    assert forged.headers["X-Request-Id"] not in ('x" {"level": "error"}', "")
    fresh = client_request.get_response("/healthz")
    assert len(fresh.headers["X-Request-Id"]) == 32


def test_metrics_move_after_a_journey_and_a_delivery(
    app, signed_in_as, client_request, teacher, appropriate_body, sandbox_admin, users
):
    scrape = app.test_client()
    before = _metrics(scrape)
    client_request.post(
        "/sign-in",
        {"email": users["caseworker"], "password": "not-the-password"},
        _expected_status=200,
    )
    caseworker = signed_in_as("caseworker")
    _add_period(caseworker, appropriate_body.id)
    waiting = _metrics(scrape)
    _deliver(app)
    after = _metrics(scrape)

    def moved(name: str, labels: str, since: str, now: str) -> float:
        return metric_values(now, name).get(labels, 0) - metric_values(since, name).get(labels, 0)

    check = '{method="POST",route="/teachers/<trn>/<journey>/check",status="302"}'
    assert moved("induction_console_http_request_duration_seconds_count", check, before, after) == 1
    assert moved("induction_console_sign_in_failures_total", "", before, after) == 1
    assert metric_values(waiting, "induction_console_outbox_rows")['{state="pending"}'] == 1
    assert metric_values(waiting, "induction_console_outbox_oldest_waiting_seconds")[""] >= 0
    assert metric_values(after, "induction_console_outbox_rows")['{state="sent"}'] == 1
    assert moved("induction_console_deliveries_total", '{result="sent"}', before, after) == 1
    put = '{endpoint="put_cpd_induction",status="204"}'
    assert moved("induction_console_trs_request_duration_seconds_count", put, before, after) == 1
    read = '{endpoint="get_person",status="200"}'
    assert moved("induction_console_trs_request_duration_seconds_count", read, before, after) >= 1
    kinds = metric_values(after, "induction_console_manual_requests_open")
    assert kinds == {'{kind="out_of_window"}': 0, '{kind="drift"}': 0, '{kind="delivery"}': 0}


def test_metrics_refuse_anyone_without_the_key(app):
    client = app.test_client()
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer test-metrics-kex"})
    assert wrong.status_code == 401
    assert "induction_console" not in wrong.get_data(as_text=True)
    assert client.get("/metrics", headers=METRICS).status_code == 200


def test_no_metrics_key_means_no_metrics_endpoint(app, database_url, trs_sandbox):
    bare = create_app(
        "test",
        DATABASE_URL=database_url,
        TRS_API_BASE_URL=trs_sandbox.base_url,
        METRICS_API_KEYS=(),
    )
    try:
        assert bare.test_client().get("/metrics", headers=METRICS).status_code == 404
    finally:
        bare.extensions["db_engine"].dispose()
        bare.extensions["trs"].client.close()


def test_the_sign_in_throttle_counts_its_locks(client_request):
    before = metric_values(_metrics(client_request.client), "induction_console_sign_in_locks_total")
    count_sign_in_lock()
    after = metric_values(_metrics(client_request.client), "induction_console_sign_in_locks_total")
    assert after[""] - before.get("", 0) == 1
