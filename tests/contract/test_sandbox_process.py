"""The sandbox as a process: its command line, its keys, its file, its connections."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from app.trs.client import TrsClient
from app.trs.errors import TrsForbidden, TrsUnauthorised
from tests.support.sandbox import CPD_KEY, SandboxAdmin, SandboxProcess, SandboxStartError

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
CURRENT = {"Authorization": f"Bearer {CPD_KEY}", "X-Api-Version": "20260120"}


def test_keys_come_from_the_environment(tmp_path):
    keys = "writer:GetPerson+SetCpdInduction,reader:GetPerson"
    with SandboxProcess(tmp_path / "keys.sqlite", api_keys=keys) as sandbox:
        with TrsClient(sandbox.base_url, "writer") as writer:
            writer.put_cpd_induction("1000009", "RequiredToComplete", None, None, T0)
            assert writer.get_person("1000009").induction.status == "RequiredToComplete"
        with TrsClient(sandbox.base_url, "reader") as reader:
            reader.get_person("1000001")
            with pytest.raises(TrsForbidden):
                reader.put_cpd_induction("1000009", "RequiredToComplete", None, None, T0)
        with TrsClient(sandbox.base_url, CPD_KEY) as development, pytest.raises(TrsUnauthorised):
            development.get_person("1000001")


def test_a_bad_key_list_stops_it_starting(tmp_path):
    with pytest.raises(SandboxStartError, match="TRS_SANDBOX_API_KEYS"):
        SandboxProcess(tmp_path / "bad.sqlite", api_keys="writer:Everything").start()


def test_no_seed_starts_empty_and_the_file_outlives_the_process(tmp_path):
    db = tmp_path / "kept.sqlite"
    with SandboxProcess(db, seed=False) as sandbox, SandboxAdmin(sandbox.base_url) as admin:
        assert admin.persons() == []
        admin.create_person("6000001", lastName="Kept")
    assert db.exists()
    with SandboxProcess(db) as sandbox, SandboxAdmin(sandbox.base_url) as admin:
        # a database that already holds persons is not re-seeded
        assert [p["lastName"] for p in admin.persons()] == ["Kept"]


def test_stop_ends_the_process(tmp_path):
    sandbox = SandboxProcess(tmp_path / "stop.sqlite").start()
    assert sandbox.running
    assert sandbox.base_url.startswith("http://127.0.0.1:")
    sandbox.stop()
    assert not sandbox.running
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{sandbox.base_url}/_sandbox/health", timeout=2)


def test_a_refused_request_body_does_not_spoil_the_kept_alive_connection(sandbox_admin, raw):
    """A 401 answers before the body is read; the next request on the connection still works."""
    refused = raw.put(
        "/v3/persons/1000009/cpd-induction",
        json={"status": "InProgress", "startDate": "2025-09-01", "modifiedOn": "2026-01-01T00:00Z"},
        headers={"X-Api-Version": "20260120", "Authorization": "Bearer wrong"},
    )
    after = raw.get("/v3/persons/1000001", headers=CURRENT)
    assert refused.status_code == 401
    assert after.status_code == 200
    assert after.json()["trn"] == "1000001"
    assert refused.headers.get("connection") != "close"


def test_connection_close_is_honoured(sandbox_admin, raw):
    response = raw.get("/_sandbox/health", headers={"Connection": "close"})
    assert response.status_code == 200
    assert response.headers["connection"] == "close"


def test_the_app_also_serves_in_process(tmp_path):
    """`create_sandbox_app` is an ordinary Flask app: a test client reaches /v3 and /_sandbox."""
    from app.sandbox import create_sandbox_app

    app = create_sandbox_app(tmp_path / "in-process.sqlite", api_keys={"k": ["GetPerson"]})
    client = app.test_client()

    person = client.get(
        "/v3/persons/1000001?include=Induction",
        headers={"Authorization": "Bearer k", "X-Api-Version": "20260120"},
    )
    refused = client.put(
        "/v3/persons/1000001/cpd-induction",
        json={"status": "RequiredToComplete", "modifiedOn": "2026-01-01T00:00:00Z"},
        headers={"Authorization": "Bearer k", "X-Api-Version": "20260120"},
    )

    assert person.status_code == 200
    assert person.json["induction"]["status"] == "InProgress"
    assert refused.status_code == 403
    assert client.get("/_sandbox/health").json == {"status": "ok"}
