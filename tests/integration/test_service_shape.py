"""The whole service at once, as `make up` runs it: gunicorn with two web processes and three
delivery workers on one PostgreSQL database, TRS (the sandbox) failing PUTs with 500s, 429s and
dropped connections.

Caseworkers make 200 changes over HTTP (50 teachers: a first induction period, then its start date
moved three times), and one worker is killed with SIGKILL while it holds rows. Then: TRS ends
equal to CPD for every teacher, each teacher's changes reached TRS in the order they were made
(none superseded, none missing), every PUT carried the request id of the click that made its
change, and the workers' deliveries show in the web processes' /metrics. The PUTs per change are
printed at the end of the run.

PostgreSQL only: several workers on one database is a PostgreSQL question (SQLite runs one).
"""

from __future__ import annotations

import signal
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select

from app.db import make_engine, make_session_factory
from app.models import AppropriateBody, OutboxEntry, Teacher, User
from tests.conftest import TEST_PASSWORD, TEST_PASSWORD_HASH
from tests.support.database import backends, create_database, drop_database
from tests.support.delivery import accepted_in_order, assert_trs_holds_cpd, put_body
from tests.support.journeys import parts
from tests.support.service import (
    METRICS_KEY,
    Caseworker,
    metric_values,
    service_environment,
    start_web,
    start_worker,
)

TEACHERS = 50
MOVES = 3  # start-date changes after the first period: 4 changes a teacher, 200 in all
CASEWORKERS = 8
BATCH = 10  # rows a delivery worker claims at a time
FIRST_START = date(2024, 9, 2)
DELIVERED_WITHIN = 75  # seconds after the last change; a failure here prints the workers' logs


def _arrange(url: str, sandbox_admin) -> tuple[list[str], int]:
    """Teachers TRS knows (with QTS), one appropriate body, one caseworker account per client."""
    trns = [f"{6_000_000 + index}" for index in range(TEACHERS)]
    sandbox_admin.create_persons(
        [
            {"trn": trn, "firstName": "Shape", "lastName": trn, "dateOfBirth": "1990-01-01",
             "qtsDate": "2020-07-01"}
            for trn in trns
        ]
    )  # fmt: skip
    now = datetime.now(UTC)
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        body = AppropriateBody(name="Shape Teaching School Hub")
        session.add(body)
        session.execute(
            insert(User),
            [
                {"email": f"caseworker{n}@example.gov.uk", "role": "caseworker", "active": True,
                 "password_hash": TEST_PASSWORD_HASH, "created_at": now}
                for n in range(CASEWORKERS)
            ],
        )  # fmt: skip
        session.commit()
        body_id = body.id
    engine.dispose()
    return trns, body_id


def _teacher_changes(caseworker: Caseworker, trn: str, body_id: int) -> list[str]:
    """A first period, then its start date moved day by day; the request id of each change."""
    started = [FIRST_START + timedelta(days=move) for move in range(MOVES + 1)]
    request_ids = [
        caseworker.walk(
            trn,
            "add-induction-period",
            {"appropriate_body_id": str(body_id)},
            {"started_on": parts(started[0]), "number_of_terms": ""},
            {"training_programme": "provider_led"},
        )
    ]
    for start in started[1:]:
        request_ids.append(
            caseworker.walk(
                trn,
                "change-induction-period",  # the one period, chosen without asking
                {
                    "appropriate_body_id": str(body_id),
                    "started_on": parts(start),
                    "number_of_terms": "",
                    "training_programme": "provider_led",
                },
            )  # fmt: skip
        )
    return request_ids


def _signed_in(base_url: str, number: int) -> Caseworker:
    caseworker = Caseworker(base_url)
    caseworker.sign_in(f"caseworker{number}@example.gov.uk", TEST_PASSWORD)
    return caseworker


def _caseworker_changes(caseworker: Caseworker, trns: list[str], body_id: int) -> list[str]:
    return [rid for trn in trns for rid in _teacher_changes(caseworker, trn, body_id)]


def _trs_holds_cpd(session, sandbox_admin, teachers) -> str | None:
    """Why TRS does not show what CPD derives, or None when it does for every teacher."""
    try:
        assert_trs_holds_cpd(session, sandbox_admin, teachers)
    except AssertionError as error:
        return str(error) or "TRS differs from CPD"
    return None


def _held_by(sessions, worker_id: str) -> int:
    with sessions() as session:
        return len(
            session.scalars(
                select(OutboxEntry.id).where(
                    OutboxEntry.leased_by == worker_id, OutboxEntry.state == "pending"
                )
            ).all()
        )


def _undelivered(sessions) -> int:
    with sessions() as session:
        return len(session.scalars(select(OutboxEntry.id).where(OutboxEntry.state != "sent")).all())


if "postgresql" in backends():

    def test_web_and_workers_as_a_service_deliver_every_change_in_order(
        sandbox_admin, trs_sandbox, tmp_path, worker_id, record_property
    ):
        url = create_database("postgresql", f"{worker_id}_service_shape", tmp_path)
        trns, body_id = _arrange(url, sandbox_admin)
        for fault in (
            {"latency_ms": 20, "share": 1.0},  # a far-away TRS: PUTs take a while, leases last
            {"status": 500, "share": 0.05, "seed": 1},
            {"status": 429, "share": 0.05, "retry_after": 1, "seed": 2},
            {"drop": True, "share": 0.03, "seed": 3},
        ):
            sandbox_admin.faults(method="PUT", **fault)
        env = service_environment(url, trs_sandbox.base_url, tmp_path / "metrics")
        logs = tmp_path / "logs"
        logs.mkdir()
        web, base_url = start_web(env, logs, processes=2)
        # A short lease, so the rows of the killed worker are taken over within the test.
        workers = [
            start_worker(env, logs, f"worker-{n}", "--lease-seconds", "5", "--batch", str(BATCH))
            for n in range(3)
        ]
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        killed_holding = 0
        pool = ThreadPoolExecutor(CASEWORKERS)
        caseworkers: list[Caseworker] = []
        try:
            # Signing in (a slow hash on purpose) and each web process's first pages are not
            # what this measures: the clock starts once every caseworker is in.
            caseworkers = list(pool.map(_signed_in, [base_url] * CASEWORKERS, range(CASEWORKERS)))
            started = time.monotonic()
            share = [trns[n::CASEWORKERS] for n in range(CASEWORKERS)]
            with pool:
                running = [
                    pool.submit(_caseworker_changes, caseworkers[n], share[n], body_id)
                    for n in range(CASEWORKERS)
                ]
                # Mid-run, SIGKILL the first worker while it holds rows (or as soon as it can).
                while not killed_holding and not all(job.done() for job in running):
                    killed_holding = _held_by(sessions, "worker-0")
                    time.sleep(0.05)
                workers[0].signal(signal.SIGKILL)
                request_ids = [rid for job in running for rid in job.result()]
            changes_made = time.monotonic() - started
            deadline = time.monotonic() + DELIVERED_WITHIN
            while _undelivered(sessions) and time.monotonic() < deadline:
                time.sleep(0.25)
            delivered = time.monotonic() - started
            metrics = Caseworker(base_url).http.get(
                "/metrics", headers={"Authorization": f"Bearer {METRICS_KEY}"}
            )
        finally:
            pool.shutdown()
            for caseworker in caseworkers:
                caseworker.close()
            stopped = [worker.stop() for worker in workers[1:]]
            web.stop()
            sandbox_admin.clear_faults()
        with sessions() as session:
            rows = session.scalars(select(OutboxEntry).order_by(OutboxEntry.id)).all()
            teachers = session.scalars(select(Teacher)).all()
            trs_holds_cpd = _trs_holds_cpd(session, sandbox_admin, teachers)
        engine.dispose()
        drop_database(url)

        assert len(request_ids) == len(set(request_ids)) == TEACHERS * (MOVES + 1)
        assert Counter(row.state for row in rows) == {"sent": len(request_ids)}, "\n".join(
            worker.output[-3000:] for worker in workers
        )
        assert stopped == [0, 0], "a worker did not stop cleanly on SIGTERM"
        # Each request is logged once, by the console (with its request id); gunicorn's own access
        # log stays off, though a logging config would otherwise turn it on.
        assert '"logger": "app.requests"' in web.output
        assert '"logger": "gunicorn.access"' not in web.output

        # TRS ends equal to CPD, and took each teacher's changes in the order they were made: the
        # distinct PUTs it accepted are CPD's rows in order (a PUT sent again after the kill is
        # the same change again).
        assert trs_holds_cpd is None, trs_holds_cpd
        assert len(teachers) == TEACHERS
        accepted = sandbox_admin.cpd_requests()
        for trn in trns:
            made = [
                put_body(row.status, row.start_date, row.completed_date, row.modified_on)
                for row in rows
                if row.trn == trn
            ]
            assert accepted_in_order([put for put in accepted if put["trn"] == trn]) == made
        by_change = Counter((put["trn"], put["body"]["modifiedOn"]) for put in accepted)

        # Click to TRS: each change's request id is on its row and came with its PUT.
        assert {row.request_id for row in rows} == set(request_ids)
        assert {put["requestId"] for put in accepted} == set(request_ids)

        # The workers' counts reach the web processes' /metrics (one directory for all).
        assert metrics.status_code == 200
        deliveries = metric_values(metrics.text, "induction_console_deliveries_total")
        # Each row is counted once, after its transaction commits: the worker killed between its
        # commit and its count takes at most one batch's counts with it, never adds any.
        assert len(rows) - BATCH <= deliveries['{result="sent"}'] <= len(rows)
        assert deliveries.get('{result="retry"}', 0) > 0  # the faults were met and retried
        puts = metric_values(metrics.text, "induction_console_trs_request_duration_seconds_count")
        assert any('endpoint="put_cpd_induction"' in labels for labels in puts)

        attempts = Counter(row.attempts for row in rows)
        record_property(
            "figures",
            (
                f"service shape: {len(rows)} changes through 2 web processes in "
                f"{changes_made:.1f} s, all in TRS after {delivered:.1f} s; worker-0 killed "
                f"holding {killed_holding} rows.\n"
                f"  PUTs TRS accepted per change: {dict(sorted(Counter(by_change.values()).items()))}"
                f"\n  PUT attempts per change (faults included): {dict(sorted(attempts.items()))}"
            ),
        )
