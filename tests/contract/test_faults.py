"""Injected faults: each kind reaches the client as the typed error the outbox worker acts on."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import httpx
import pytest

from app.trs.errors import TrsRateLimited, TrsServerError, TrsUnavailable
from tests.support.sandbox import CPD_KEY, SandboxAdminError

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
CURRENT = {"Authorization": f"Bearer {CPD_KEY}", "X-Api-Version": "20260120"}


def outcomes(client, n: int, trn: str = "1000001") -> list[str]:
    """What n reads give: "ok" or the error's class name."""
    seen = []
    for _ in range(n):
        try:
            client.get_person(trn)
            seen.append("ok")
        except Exception as error:  # noqa: BLE001 - the type is what is being recorded
            seen.append(type(error).__name__)
    return seen


def test_500_for_the_next_n_requests(sandbox_admin, trs_client):
    client = trs_client()
    sandbox_admin.faults(500, count=2)

    with pytest.raises(TrsServerError) as raised:
        client.get_person("1000001")

    assert raised.value.status == 500
    assert raised.value.retryable is True
    assert sandbox_admin.list_faults()[0]["count"] == 1
    assert outcomes(client, 2) == ["TrsServerError", "ok"]
    assert sandbox_admin.list_faults() == []


def test_429_carries_retry_after(sandbox_admin, trs_client):
    sandbox_admin.faults(429, retry_after=7)
    with pytest.raises(TrsRateLimited) as raised:
        trs_client().get_person("1000001")
    assert raised.value.retry_after == 7.0
    assert raised.value.retryable is True
    assert "7 seconds" in raised.value.message


def test_an_unusual_status_is_a_server_error(sandbox_admin, trs_client):
    sandbox_admin.faults(599)
    with pytest.raises(TrsServerError) as raised:
        trs_client().get_person("1000001")
    assert raised.value.status == 599


def test_503_with_a_fractional_retry_after(sandbox_admin, trs_client):
    sandbox_admin.faults(503, retry_after=0.25)
    with pytest.raises(TrsServerError) as raised:
        trs_client().put_cpd_induction("1000009", "InProgress", date(2025, 9, 1), None, T0)
    assert (raised.value.status, raised.value.retry_after) == (503, 0.25)
    assert sandbox_admin.cpd_requests("1000009") == []  # a failed PUT is not applied


def test_latency_beyond_the_read_timeout_is_unavailable(sandbox_admin, trs_client):
    client = trs_client(timeout=httpx.Timeout(2.0, read=0.2))
    sandbox_admin.faults(latency_ms=600)

    started = time.monotonic()
    with pytest.raises(TrsUnavailable) as raised:
        client.get_person("1000001")

    assert time.monotonic() - started < 0.55
    assert raised.value.retryable is True
    assert "ReadTimeout" in raised.value.detail


def test_latency_alone_slows_but_succeeds(sandbox_admin, trs_client):
    sandbox_admin.faults(latency_ms=300)
    started = time.monotonic()
    assert trs_client().get_person("1000001").trn == "1000001"
    assert time.monotonic() - started >= 0.3


def test_a_timed_out_put_may_still_be_applied(sandbox_admin, trs_client):
    """Why replays must be harmless: TRS can apply a PUT whose answer the client never saw."""
    client = trs_client(timeout=httpx.Timeout(2.0, read=0.1))
    sandbox_admin.faults(latency_ms=300, method="PUT")
    with pytest.raises(TrsUnavailable):
        client.put_cpd_induction("1000009", "InProgress", date(2025, 9, 1), None, T0)
    deadline = time.monotonic() + 2
    while not sandbox_admin.cpd_requests("1000009") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(sandbox_admin.cpd_requests("1000009")) == 1
    client.put_cpd_induction("1000009", "InProgress", date(2025, 9, 1), None, T0)  # the retry
    assert len(sandbox_admin.cpd_requests("1000009")) == 2


def test_a_dropped_connection_has_no_http_answer(sandbox_admin, raw):
    sandbox_admin.faults(drop=True)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        raw.get("/v3/persons/1000001", headers=CURRENT)
    assert raw.get("/v3/persons/1000001", headers=CURRENT).status_code == 200


def test_a_dropped_connection_is_unavailable_to_the_client(sandbox_admin, trs_client):
    client = trs_client()
    client.get_person("1000001")  # a pooled keep-alive connection exists
    sandbox_admin.faults(drop=True, count=2)
    with pytest.raises(TrsUnavailable) as raised:
        client.put_cpd_induction("1000009", "InProgress", date(2025, 9, 1), None, T0)
    assert raised.value.retryable is True
    assert outcomes(client, 2) == ["TrsUnavailable", "ok"]
    assert sandbox_admin.cpd_requests("1000009") == []


def test_a_share_of_requests_fail_repeatably(sandbox_admin, trs_client):
    client = trs_client()
    sandbox_admin.faults(500, share=0.5, seed=42)
    first = outcomes(client, 30)
    sandbox_admin.clear_faults()
    sandbox_admin.faults(500, share=0.5, seed=42)
    second = outcomes(client, 30)

    assert first == second
    assert 5 <= first.count("TrsServerError") <= 25
    assert first.count("ok") == 30 - first.count("TrsServerError")
    assert sandbox_admin.list_faults()[0]["share"] == 0.5  # a share lasts until cleared


def test_share_one_fails_everything_until_cleared(sandbox_admin, trs_client):
    client = trs_client()
    sandbox_admin.faults(502, share=1.0)
    assert outcomes(client, 5) == ["TrsServerError"] * 5
    sandbox_admin.clear_faults()
    assert outcomes(client, 2) == ["ok", "ok"]


def test_share_zero_fails_nothing(sandbox_admin, trs_client):
    sandbox_admin.faults(500, share=0.0)
    assert outcomes(trs_client(), 5) == ["ok"] * 5


def test_stacked_faults_apply_in_order(sandbox_admin, trs_client):
    sandbox_admin.faults(500, count=2)
    sandbox_admin.faults(429, retry_after=1, count=1)
    assert outcomes(trs_client(), 4) == [
        "TrsServerError",
        "TrsServerError",
        "TrsRateLimited",
        "ok",
    ]


def test_stacked_latency_adds_to_a_failure(sandbox_admin, trs_client):
    sandbox_admin.faults(latency_ms=250, count=1)
    sandbox_admin.faults(500, count=1)
    started = time.monotonic()
    with pytest.raises(TrsServerError):
        trs_client().get_person("1000001")
    assert time.monotonic() - started >= 0.25
    assert sandbox_admin.list_faults() == []


def test_a_fault_can_target_puts_only(sandbox_admin, trs_client):
    client = trs_client()
    sandbox_admin.faults(500, method="PUT")
    assert outcomes(client, 2) == ["ok", "ok"]
    with pytest.raises(TrsServerError):
        client.put_cpd_induction("1000009", "RequiredToComplete", None, None, T0)
    client.put_cpd_induction("1000009", "RequiredToComplete", None, None, T0)
    assert len(sandbox_admin.cpd_requests("1000009")) == 1


def test_faults_never_touch_the_sandbox_area(sandbox_admin, trs_client):
    sandbox_admin.faults(500, share=1.0)
    assert sandbox_admin.health() == {"status": "ok"}
    assert len(sandbox_admin.persons()) > 0
    with pytest.raises(TrsServerError):
        trs_client().get_person("1000001")


def test_clearing_faults(sandbox_admin, trs_client):
    sandbox_admin.faults(500, count=5)
    sandbox_admin.faults(drop=True, share=0.5)
    assert len(sandbox_admin.list_faults()) == 2
    sandbox_admin.clear_faults()
    assert sandbox_admin.list_faults() == []
    assert outcomes(trs_client(), 3) == ["ok"] * 3


@pytest.mark.parametrize(
    "spec",
    [
        {},
        {"status": 500, "count": 2, "share": 0.5},
        {"status": 500, "share": 1.5},
        {"status": 500, "count": 0},
        {"status": 99},
        {"status": 204},
        {"latency_ms": -1},
        {"status": 500, "method": "POST"},
        {"status": 500, "colour": "red"},
    ],
)
def test_a_fault_that_makes_no_sense_is_refused(sandbox_admin, spec):
    response = sandbox_admin.http.post("/_sandbox/faults", json=spec)
    assert response.status_code == 400
    assert sandbox_admin.list_faults() == []


def test_the_admin_client_reports_a_refused_call(sandbox_admin):
    with pytest.raises(SandboxAdminError, match="400"):
        sandbox_admin.faults(500, count=0)
