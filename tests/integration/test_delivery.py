"""Delivering the outbox to the real TRS sandbox process, whatever the sandbox does.

Every fault test ends the same way: once the faults are gone, each teacher's TRS state equals what
CPD derives, and the sandbox's log of accepted PUTs shows each teacher's changes in order (a row
accepted twice, because TRS applied a request whose answer never arrived, counts once).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from app.clock import Clock
from app.models import ManualRequest, OutboxEntry
from app.trs.client import TrsClient
from app.trs.outbox import Backoff, OutboxWorker, outbox_status
from tests.support.delivery import (
    CpdChanges,
    accepted_in_order,
    assert_trs_holds_cpd,
    put_body,
)
from tests.support.sandbox import CPD_KEY, REPO_ROOT


@pytest.fixture
def changes(db, clock, appropriate_body) -> CpdChanges:
    return CpdChanges(db, clock, appropriate_body)


@pytest.fixture
def make_worker(app, clock):
    def make(client: TrsClient | None = None, worker_id: str = "test-worker", **options):
        return OutboxWorker(
            app.extensions["db_sessions"],
            client or app.extensions["trs"].client,
            clock,
            worker_id=worker_id,
            backoff=Backoff(rng=random.Random(7)),
            **options,
        )

    return make


@pytest.fixture
def impatient_client(trs_sandbox):
    """A client that gives up reading after 0.2 s, so a slow sandbox is a read timeout."""
    client = TrsClient(trs_sandbox.base_url, CPD_KEY, timeout=httpx.Timeout(2.0, read=0.2))
    yield client
    client.close()


def _rows(db) -> list[OutboxEntry]:
    db.expire_all()
    return db.scalars(select(OutboxEntry).order_by(OutboxEntry.id)).all()


def _deliver_until_done(worker, clock, db, rounds: int = 40) -> None:
    """Drain, then let the backoff run out (the clock moves, nobody sleeps), until all is sent."""
    for _ in range(rounds):
        worker.drain()
        if not any(row.state == "pending" for row in _rows(db)):
            return
        clock.advance(timedelta(hours=1))
    raise AssertionError("rows still pending after every round")


FAULTS = {
    "500 x4": {"status": 500, "count": 4},
    "500 for 40%": {"status": 500, "share": 0.4, "seed": 1},
    "429 x4 with Retry-After": {"status": 429, "retry_after": 30, "count": 4},
    "429 for 40% with Retry-After": {"status": 429, "retry_after": 30, "share": 0.4, "seed": 2},
    "dropped x4": {"drop": True, "count": 4},
    "dropped for 40%": {"drop": True, "share": 0.4, "seed": 3},
    "read timeout x3": {"latency_ms": 500, "method": "PUT", "count": 3},
    "read timeout for 30%": {"latency_ms": 500, "method": "PUT", "share": 0.3, "seed": 4},
}


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
def test_after_faults_clear_trs_holds_what_cpd_derives(
    fault, add_teacher, changes, make_worker, impatient_client, sandbox_admin, clock, db
):
    teachers = [add_teacher(f"40000{index:02d}") for index in range(6)]
    for index, teacher in enumerate(teachers):
        changes.story(teacher, index)
    worker = make_worker(impatient_client)
    sandbox_admin.faults(**fault)

    for _ in range(3):  # a share of requests keeps failing until the faults are cleared
        worker.drain()
        clock.advance(timedelta(hours=1))
    retried = [row for row in _rows(db) if row.attempts > 1 or row.state == "pending"]
    sandbox_admin.clear_faults()
    _deliver_until_done(worker, clock, db)
    if fault.get("latency_ms"):
        time.sleep(fault["latency_ms"] / 1000 + 0.3)  # requests the client gave up on land late

    assert retried, "the faults never reached a delivery"
    assert_trs_holds_cpd(db, sandbox_admin, teachers)
    assert db.scalars(select(ManualRequest)).all() == []


def test_retry_after_is_the_least_wait(add_teacher, changes, make_worker, sandbox_admin, clock, db):
    teacher = add_teacher("4000100")
    changes.start(teacher)
    worker = make_worker()
    sandbox_admin.faults(429, retry_after=120)

    assert worker.drain() == {"retry": 1}
    row = _rows(db)[0]
    assert row.state == "pending"
    assert row.attempts == 1
    assert row.last_error == "TRS is busy"
    assert row.next_attempt_at >= clock.now() + timedelta(seconds=120)

    clock.advance(timedelta(seconds=119))
    assert worker.drain() == {}
    clock.advance(row.next_attempt_at - clock.now())
    assert worker.drain() == {"sent": 1}
    assert_trs_holds_cpd(db, sandbox_admin, [teacher])


def test_backoff_grows_with_jitter_up_to_its_cap():
    backoff = Backoff(base_seconds=2, cap_seconds=60, rng=random.Random(1))
    delays = [backoff.delay(attempt).total_seconds() for attempt in range(1, 9)]
    ceilings = [2, 4, 8, 16, 32, 60, 60, 60]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    assert len({round(d, 3) for d in delays[5:]}) == 3  # jittered, not all the same
    assert backoff.delay(1, retry_after=45).total_seconds() == 45


def test_a_teachers_rows_go_one_at_a_time_in_order(add_teacher, changes, make_worker, db):
    first, second = add_teacher("4000200"), add_teacher("4000201")
    changes.story(first, 0)
    changes.start(second)

    claimed = make_worker().claim()

    assert [row.trn for row in claimed] == ["4000200", "4000201"]
    assert claimed[0].id == min(row.id for row in _rows(db) if row.trn == "4000200")


def test_a_refusal_retrying_cannot_fix_stops_the_teachers_queue_with_one_request(
    add_teacher, changes, make_worker, sandbox_admin, clock, db
):
    teacher = add_teacher("4000300", qts_date=None)
    other = add_teacher("4000301")
    changes.start(teacher)
    changes.move_start(teacher, date(2024, 9, 9))
    changes.start(other)
    worker = make_worker()

    assert worker.drain() == {"failed": 1, "sent": 1}
    clock.advance(timedelta(days=1))
    assert worker.drain() == {}

    first, later, others = _rows(db)
    assert (first.state, later.state, later.attempts) == ("failed", "pending", 0)
    assert first.last_error == "TRS said the teacher has no QTS"
    assert others.state == "sent"
    request = db.scalars(select(ManualRequest)).one()
    assert (request.kind, request.state, request.trn, request.outbox_id) == (
        "delivery",
        "open",
        "4000300",
        first.id,
    )
    assert request.reason.startswith("TRS said the teacher has no QTS.")
    assert "Person does not have QTS." in request.reason
    assert request.answers["trs_error"]["errorCode"] == 10034
    assert sandbox_admin.cpd_requests("4000300") == []


def test_trs_refusing_the_console_itself_waits_instead_of_stopping_teachers(
    add_teacher, changes, make_worker, trs_sandbox, sandbox_admin, clock, db
):
    teacher = add_teacher("4000350")
    changes.start(teacher)
    with TrsClient(trs_sandbox.base_url, "a-revoked-key") as refused:
        assert make_worker(refused).drain() == {"retry": 1}

    row = _rows(db)[0]
    assert (row.state, row.last_error) == (
        "pending",
        "TRS refused the console's access, which the service team must fix",
    )
    assert db.scalars(select(ManualRequest)).all() == []
    clock.advance(timedelta(hours=1))  # the key is put right
    assert make_worker().drain() == {"sent": 1}
    assert_trs_holds_cpd(db, sandbox_admin, [teacher])


def test_a_stale_answer_supersedes_the_older_change(
    add_teacher, changes, make_worker, sandbox_admin, app, db
):
    teacher = add_teacher("4000400")
    changes.start(teacher)
    changes.record_outcome(teacher, "pass", date(2026, 7, 2))
    older, newer = _rows(db)
    # The newer change reaches TRS first (as another worker holding it would send it).
    app.extensions["trs"].client.put_cpd_induction(
        newer.trn, newer.status, newer.start_date, newer.completed_date, newer.modified_on
    )

    assert make_worker().drain() == {"superseded": 1, "sent": 1}

    older, newer = _rows(db)
    assert (older.state, newer.state) == ("superseded", "sent")
    person = sandbox_admin.person("4000400")
    assert (person["status"], person["completedDate"]) == ("Passed", "2026-07-02")
    assert accepted_in_order(sandbox_admin.cpd_requests("4000400")) == [
        put_body(newer.status, newer.start_date, newer.completed_date, newer.modified_on)
    ]


def test_a_worker_whose_lease_ran_out_records_nothing(
    add_teacher, changes, make_worker, sandbox_admin, clock, db
):
    teacher = add_teacher("4000500")
    changes.start(teacher)
    slow, quick = make_worker(worker_id="slow"), make_worker(worker_id="quick")
    held = slow.claim()
    clock.advance(timedelta(minutes=2))  # the slow worker's lease runs out

    assert quick.run_once()[0].result == "sent"
    late = slow.deliver(held)

    assert late[0].lease_lost
    row = _rows(db)[0]
    assert (row.state, row.attempts, row.leased_by) == ("sent", 1, None)
    assert_trs_holds_cpd(db, sandbox_admin, [teacher])


def test_a_worker_killed_mid_delivery_is_finished_by_another(
    add_teacher, changes, sandbox_admin, trs_sandbox, database_url, app, clock, db
):
    # Changes made a minute ago (each moves the test clock a second): a worker process runs on
    # the real clock, and must find them all due.
    clock.set(datetime.now(UTC) - timedelta(minutes=1))
    teachers = [add_teacher(f"40006{index:02d}") for index in range(5)]
    for index, teacher in enumerate(teachers):
        changes.story(teacher, index)
    sandbox_admin.faults(latency_ms=3000, method="PUT")  # the first PUT hangs in the sandbox
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "TRS_API_BASE_URL": trs_sandbox.base_url,
        "INDUCTION_CONSOLE_ENV": "test",
    }
    doomed = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "trs", "deliver", "--forever",
         "--worker-id", "doomed", "--lease-seconds", "2"],
        cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while sandbox_admin.list_faults():  # the slow rule is used up: a PUT is in flight
            assert doomed.poll() is None, doomed.stderr.read().decode()
            assert time.monotonic() < deadline, "the worker never sent a PUT"
            time.sleep(0.05)
        in_flight = [row for row in _rows(db) if row.leased_by == "doomed"]
        os.kill(doomed.pid, signal.SIGKILL)
        hung_request_lands = time.monotonic() + 3.2
    finally:
        doomed.kill()
        doomed.wait()
    assert in_flight and all(row.state == "pending" for row in in_flight)

    survivor = OutboxWorker(
        app.extensions["db_sessions"], app.extensions["trs"].client, Clock(), worker_id="survivor"
    )
    delivered: list[int] = []
    deadline = time.monotonic() + 30
    while any(row.state == "pending" for row in _rows(db)):
        assert time.monotonic() < deadline, "the survivor never finished"
        delivered += [d.outbox_id for d in survivor.run_once() if d.result == "sent"]
        time.sleep(0.05)
    # Let the killed worker's hung request land (refused as stale, or taken as equal) first.
    time.sleep(max(0.0, hung_request_lands - time.monotonic()))

    assert {row.id for row in in_flight} <= set(delivered)
    assert_trs_holds_cpd(db, sandbox_admin, teachers)


def test_status_counts_the_outbox_and_ages_the_oldest_waiting_change(
    add_teacher, changes, make_worker, sandbox_admin, clock, db, app
):
    waiting, sent = add_teacher("4000700"), add_teacher("4000701")
    changes.start(sent)
    make_worker().drain()
    changes.start(waiting)
    made = clock.now() - timedelta(seconds=1)
    clock.advance(timedelta(minutes=5))

    status = outbox_status(db, clock.now())
    assert status.counts == {"pending": 1, "sent": 1, "superseded": 0, "failed": 0}
    assert status.oldest_waiting_seconds == (clock.now() - made).total_seconds()

    output = app.test_cli_runner().invoke(args=["trs", "status"]).output
    assert "pending              1" in output
    assert "Oldest waiting change: 5 min 1 s" in output
    health = app.test_client().get("/healthz").get_json()
    assert health["outbox"] == {"oldest_waiting_seconds": 301.0}

    result = app.test_cli_runner().invoke(args=["trs", "deliver", "--worker-id", "cli"])
    assert result.exit_code == 0, result.output
    assert "Delivered: sent 1." in result.output
    assert outbox_status(db, clock.now()).oldest_waiting_seconds is None


# -- the teacher page ---------------------------------------------------------------------------


def _banner_text(page) -> str:
    banner = page.select_one("[aria-labelledby=delivery-banner-title]")
    return " ".join(banner.get_text().split()) if banner else ""


def test_teacher_page_says_a_change_is_waiting_and_when_it_is_next_tried(
    add_teacher, changes, make_worker, sandbox_admin, signed_in_as
):
    teacher = add_teacher("4000800")
    changes.start(teacher)
    viewer = signed_in_as("viewer")

    assert "Waiting: not yet sent to TRS" in _banner_text(viewer.get("/teachers/4000800"))

    sandbox_admin.faults(503, method="PUT")
    make_worker().drain()
    text = _banner_text(viewer.get("/teachers/4000800"))
    assert "Waiting: TRS unavailable, next try on 2 November 2026 at 10:0" in text
    assert "The change was made on 2 November 2026 at 10:00am" in text


def test_teacher_page_says_when_the_change_was_sent(
    add_teacher, changes, make_worker, signed_in_as, clock
):
    teacher = add_teacher("4000801")
    changes.start(teacher)
    clock.advance(timedelta(hours=4, minutes=2))
    make_worker().drain()

    page = signed_in_as("viewer").get("/teachers/4000801")

    assert _banner_text(page) == ""
    assert page.select_one("#delivery-sent").get_text(strip=True) == (
        "Sent to TRS on 2 November 2026 at 2:02pm."
    )


def test_teacher_page_names_the_last_change_sent_of_several(
    add_teacher, changes, make_worker, signed_in_as, clock
):
    teacher = add_teacher("4000802")
    changes.start(teacher)
    clock.advance(timedelta(hours=1))
    make_worker().drain()  # sent at 11:00am
    changes.move_start(teacher, date(2026, 9, 7))
    clock.advance(timedelta(hours=2))
    make_worker().drain()  # sent at 1:00pm

    page = signed_in_as("viewer").get("/teachers/4000802")

    assert page.select_one("#delivery-sent").get_text(strip=True) == (
        "Sent to TRS on 2 November 2026 at 1:00pm."
    )


def test_teacher_page_says_delivery_stopped_and_names_the_request(
    add_teacher, changes, make_worker, signed_in_as, db
):
    teacher = add_teacher("4000802", qts_date=None)
    changes.start(teacher)
    make_worker().drain()
    request = db.scalars(select(ManualRequest)).one()

    page = signed_in_as("caseworker").get("/teachers/4000802")

    assert " ".join(page.select_one("#delivery-stopped").get_text().split()) == (
        f"Stopped: TRS said the teacher has no QTS (manual request {request.id})"
    )
    assert page.select_one("#delivery-waiting") is None


def test_teacher_page_does_not_show_a_cached_reading_older_than_a_delivery(
    app, add_teacher, changes, make_worker, signed_in_as, clock
):
    """The worker is another process: it cannot empty the web process's cache, so the page must
    not trust a reading taken before the teacher's last change reached TRS."""
    app.extensions["trs"].cache_seconds = 600
    teacher = add_teacher("4000803", induction={"status": "RequiredToComplete"})
    viewer = signed_in_as("viewer")
    assert _held_in_trs_status(viewer.get("/teachers/4000803")) == "Required to complete"

    changes.start(teacher)
    clock.advance(timedelta(minutes=1))
    make_worker().drain()

    assert _held_in_trs_status(viewer.get("/teachers/4000803")) == "In progress"


def _held_in_trs_status(page) -> str:
    card = next(
        c
        for c in page.select(".govuk-summary-card")
        if "Held in TRS" in c.select_one(".govuk-summary-card__title").get_text()
    )
    row = next(
        r
        for r in card.select(".govuk-summary-list__row")
        if r.select_one("dt").get_text(strip=True) == "Induction status"
    )
    return row.select_one("dd").get_text(strip=True)
