"""The service's processes: reconciliation never runs twice at once, and a delivery worker stopped
with SIGTERM (a deploy, a restart) finishes what it has sent and releases the rest, so nothing is
delivered twice."""

from __future__ import annotations

import json
import signal
import time
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from app.db import make_engine
from app.models import OutboxEntry
from app.trs.cli import RECONCILE_LOCK
from app.trs.exclusive import exclusively
from tests.support.delivery import CpdChanges
from tests.support.service import FLASK, ServiceProcess, service_environment, start_worker

ROWS = 24


def test_only_one_reconciliation_holds_the_lock_at_a_time(app, database_url):
    other_process = make_engine(database_url)  # another process's connection pool
    try:
        with exclusively(app.extensions["db_engine"], RECONCILE_LOCK) as first:
            with exclusively(other_process, RECONCILE_LOCK) as second:
                assert (first, second) == (True, False)
            with exclusively(other_process, "another-job") as unrelated:
                assert unrelated
        with exclusively(other_process, RECONCILE_LOCK) as after:
            assert after
    finally:
        other_process.dispose()


def test_reconcile_by_hand_is_refused_while_the_scheduler_runs_one(app, add_teacher, tmp_path):
    add_teacher("2400001")
    command = ["trs", "reconcile", "--report", str(tmp_path / "report.csv")]
    with exclusively(app.extensions["db_engine"], RECONCILE_LOCK):
        result = app.test_cli_runner().invoke(args=command)
    assert result.exit_code == 1
    assert "Another reconciliation is running" in result.output
    assert app.test_cli_runner().invoke(args=command).exit_code == 0


def test_the_scheduler_reconciles_at_once_and_skips_while_another_run_holds_the_lock(
    app, database_url, add_teacher, appropriate_body, db, clock, trs_sandbox, tmp_path
):
    CpdChanges(db, clock, appropriate_body).start(add_teacher("2420001"))
    env = service_environment(database_url, trs_sandbox.base_url, tmp_path / "metrics")
    command = ["trs", "reconcile-every", "3600", "--reports", str(tmp_path)]
    with exclusively(app.extensions["db_engine"], RECONCILE_LOCK):
        skipped = ServiceProcess("skipped", [*FLASK, *command], env, tmp_path)
        assert _wait_for(skipped, "reconciliation skipped: another is running")
        assert skipped.stop() == 0
    ran = ServiceProcess("ran", [*FLASK, *command], env, tmp_path)
    line = _wait_for(ran, "reconciliation checked 1 teachers")
    assert ran.stop() == 0, ran.output  # SIGTERM ends the wait for the next run at once
    assert line["outcomes"] == {"catching_up": 1}  # its change has not reached TRS yet
    assert line["request_id"]  # each run is named, like a request
    assert line["report"].startswith(str(tmp_path))


def _wait_for(process: ServiceProcess, message: str, seconds: float = 60) -> dict | None:
    """The process's JSON log line with this message, once it has written it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.process.poll() is None:
        for line in process.output.splitlines():
            if line.startswith("{") and json.loads(line)["message"] == message:
                return json.loads(line)
        time.sleep(0.2)
    return None


def test_a_worker_stopped_with_sigterm_delivers_nothing_twice(
    app,
    db,
    database_url,
    add_teacher,
    appropriate_body,
    clock,
    sandbox_admin,
    trs_sandbox,
    tmp_path,
):
    changes = CpdChanges(db, clock, appropriate_body)
    for index in range(ROWS):
        changes.start(add_teacher(f"{2_410_000 + index}"))
    # Every PUT takes a while, so the worker is stopped with a batch in hand.
    sandbox_admin.faults(latency_ms=150, share=1.0, method="PUT")
    env = service_environment(database_url, trs_sandbox.base_url, tmp_path / "metrics")
    worker = start_worker(env, tmp_path, "stopping", "--in-flight", "2", "--batch", str(ROWS))
    deadline = time.monotonic() + 30
    while not _leased(db) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _leased(db), worker.output
    time.sleep(0.3)  # a few PUTs under way
    worker.signal(signal.SIGTERM)
    assert worker.process.wait(30) == 0, worker.output
    sandbox_admin.clear_faults()

    db.expire_all()
    rows = db.scalars(select(OutboxEntry)).all()
    states = Counter(row.state for row in rows)
    assert 0 < states["sent"] < ROWS  # stopped part-way through its batch
    assert all(row.leased_by is None for row in rows)  # released: no one waits out a lease
    accepted = Counter(put["trn"] for put in sandbox_admin.cpd_requests())
    assert accepted == Counter(row.trn for row in rows if row.state == "sent")

    clock.advance(timedelta(minutes=1))
    result = app.test_cli_runner().invoke(args=["trs", "deliver"])
    assert result.exit_code == 0, result.output
    accepted = Counter(put["trn"] for put in sandbox_admin.cpd_requests())
    assert sorted(accepted.values()) == [1] * ROWS  # every change, each PUT once


def _leased(db) -> bool:
    db.expire_all()
    return db.scalar(select(OutboxEntry.id).where(OutboxEntry.leased_by.is_not(None))) is not None
