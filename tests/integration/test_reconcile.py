"""Reconciliation against the real TRS sandbox (docs/domain.md): exemptions close CPD's open
period, drift opens one request, a change still on its way is not drift, "Check TRS now"."""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.demo import QUALIFIED_BEFORE_MAY_2000
from app.models import Event, InductionPeriod, ManualRequest, OutboxEntry
from app.trs.gateway import TrsGateway
from app.trs.outbox import Backoff, OutboxWorker
from app.trs.reconcile import Reconciliation
from tests.support.delivery import STARTED, CpdChanges

IN_PROGRESS = {"status": "InProgress", "startDate": STARTED.isoformat()}


@pytest.fixture(params=[1, 2], ids=["read-here", "reading-processes"])
def reconcile(app, clock, request):
    """`reconcile(trns=None, report=None)`: one run, four TRS reads at a time, made in this
    process or shared over two reading processes (each test runs both ways)."""
    gateway = TrsGateway(app.extensions["trs"].client, clock, cache_seconds=0)

    def run(trns=None, report=None, on_progress=None):
        reconciliation = Reconciliation(
            app.extensions["db_sessions"],
            gateway.read_person,
            clock,
            concurrency=4,
            chunk_size=3,
            processes=request.param,
            trs_config=app.config,
        )
        return reconciliation.run(
            reconciliation.teachers(trns), report=report, on_progress=on_progress
        )

    return run


@pytest.fixture
def managed_teacher(add_teacher, appropriate_body, db, clock):
    """A teacher CPD manages: an ongoing period from STARTED; TRS as `induction` says."""

    def make(trn: str, induction: dict | None = None, started_on: date = STARTED):
        teacher = add_teacher(trn, induction=induction or IN_PROGRESS)
        db.add(
            InductionPeriod(
                teacher_id=teacher.id,
                appropriate_body=appropriate_body,
                started_on=started_on,
                training_programme="school_led",
            )
        )
        db.commit()
        db.refresh(teacher)
        return teacher

    return make


@pytest.fixture
def worker(app, clock):
    return OutboxWorker(
        app.extensions["db_sessions"],
        app.extensions["trs"].client,
        clock,
        worker_id="test-worker",
        backoff=Backoff(rng=random.Random(3)),
    )


def _requests(db) -> list[ManualRequest]:
    db.expire_all()
    return db.scalars(select(ManualRequest).order_by(ManualRequest.id)).all()


@pytest.mark.parametrize(
    ("status", "fields", "words"),
    [
        ("Exempt", {"exemption_reason_ids": [QUALIFIED_BEFORE_MAY_2000]}, "Exempt: qualified"),
        ("FailedInWales", {"start_date": "2023-09-01", "completed_date": "2024-07-19"}, "Failed in Wales"),
    ],
)  # fmt: skip
def test_an_ending_set_in_trs_closes_the_open_period_and_pushes_nothing(
    status, fields, words, managed_teacher, sandbox_admin, reconcile, db
):
    teacher = managed_teacher("4100001")
    in_step = managed_teacher("4100002")
    sandbox_admin.set_induction("4100001", status, **fields)

    result = reconcile()

    assert result.counts == {"exemption_closed": 1, "in_step": 1}
    db.expire_all()
    period = teacher.induction_periods[0]
    assert (period.finished_on, period.number_of_terms, period.closed_by_exemption) == (
        date(2026, 11, 2),
        Decimal("0"),
        True,
    )
    assert in_step.ongoing_period is not None
    event = db.scalars(select(Event)).one()
    assert (event.action, event.actor_role, event.trn) == (
        "close_period_for_exemption",
        "system",
        "4100001",
    )
    assert words in event.summary
    assert "closed on 2 November 2026" in event.summary
    assert event.before["induction_periods"][0]["finished_on"] is None
    assert db.scalars(select(OutboxEntry)).all() == []
    assert sandbox_admin.cpd_requests("4100001") == []
    assert sandbox_admin.person("4100001")["status"] == status

    again = reconcile()
    assert again.counts == {"trs_status_stands": 1, "in_step": 1}
    assert len(db.scalars(select(Event)).all()) == 1
    assert _requests(db) == []


def test_a_drift_opens_exactly_one_request_however_often_reconcile_runs(
    managed_teacher, sandbox_admin, reconcile, db, tmp_path, signed_in_as
):
    managed_teacher("4100010", {"status": "InProgress", "startDate": "2024-09-09"})
    managed_teacher("4100011")

    runs = [reconcile(report=tmp_path / f"run-{n}.csv") for n in range(3)]

    assert [run.counts["drift"] for run in runs] == [1, 1, 1]
    assert [run.new_requests for run in runs] == [1, 0, 0]
    (request,) = _requests(db)
    assert (request.kind, request.state, request.trn) == ("drift", "open", "4100010")
    assert request.answers["trs"]["startDate"] == "2024-09-09"
    assert request.answers["cpd"]["startDate"] == STARTED.isoformat()
    assert "started 9 September 2024" in request.reason
    assert sandbox_admin.cpd_requests("4100010") == []  # nothing pushed
    with (tmp_path / "run-2.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["trn"], r["outcome"], r["manual_request_id"]) for r in rows] == [
        ("4100010", "drift", str(request.id))
    ]
    assert (rows[0]["trs_start_date"], rows[0]["cpd_start_date"]) == ("2024-09-09", "2024-09-02")

    page = signed_in_as("viewer").get("/teachers/4100010")
    assert f"TRS and CPD disagree (manual request {request.id})" in page.select_one(
        "#delivery-drift"
    ).get_text(strip=True)
    cells = [
        [cell.get_text(strip=True) for cell in row.select("th, td")]
        for row in page.select("[aria-labelledby=delivery-banner-title] tbody tr")
    ]
    assert cells[0] == ["Induction status", "In progress", "In progress"]
    assert cells[1] == ["Start date", "9 September 2024", "2 September 2024"]

    sandbox_admin.set_induction("4100010", "InProgress", start_date=STARTED)
    assert reconcile().counts == {"in_step": 2}
    (request,) = _requests(db)
    assert request.state == "resolved"


def test_a_teacher_trs_no_longer_holds_is_drift(managed_teacher, sandbox_admin, reconcile, db):
    managed_teacher("4100020")
    sandbox_admin.deactivate("4100020")

    result = reconcile()

    assert result.counts == {"drift": 1}
    (request,) = _requests(db)
    assert request.answers["trs"]["record"] == "deactivated"
    assert "TRS shows the record as deactivated" in request.reason


def test_a_change_still_on_its_way_to_trs_is_not_drift(
    add_teacher, appropriate_body, clock, db, sandbox_admin, reconcile, worker
):
    teacher = add_teacher("4100030")  # TRS: RequiredToComplete
    CpdChanges(db, clock, appropriate_body).start(teacher)  # CPD now derives InProgress

    assert reconcile().counts == {"catching_up": 1}
    assert _requests(db) == []

    worker.drain()
    assert reconcile().counts == {"in_step": 1}


def test_a_stopped_queue_waits_for_its_request_then_goes_again(
    add_teacher, appropriate_body, clock, db, reconcile, worker
):
    teacher = add_teacher("4100040", qts_date=None)
    CpdChanges(db, clock, appropriate_body).start(teacher)
    worker.drain()
    (stopped,) = _requests(db)

    assert reconcile().counts == {"delivery_stopped": 1}
    stopped.state = "resolved"
    db.commit()
    assert reconcile().counts == {"delivery_resumed": 1}
    row = db.scalars(select(OutboxEntry)).one()
    assert (row.state, row.attempts) == ("pending", 0)

    assert worker.drain() == {"failed": 1}  # TRS still holds no QTS: a new request
    assert [(r.kind, r.state) for r in _requests(db)] == [
        ("delivery", "resolved"),
        ("delivery", "open"),
    ]


def test_progress_is_reported_for_every_teacher(managed_teacher, reconcile):
    for index in range(7):
        managed_teacher(f"41000{50 + index}")
    seen: list[int] = []

    result = reconcile(on_progress=seen.append)

    assert sum(seen) == result.checked == 7
    assert len(seen) == 3  # chunks of three


# -- "Check TRS now" and the command ------------------------------------------------------------


def test_check_trs_now_reconciles_that_teacher_and_says_what_it_found(
    managed_teacher, sandbox_admin, signed_in_as, db
):
    teacher = managed_teacher("4100060")
    other = managed_teacher("4100061")
    for trn in ("4100060", "4100061"):
        sandbox_admin.set_induction(trn, "Exempt", exemption_reason_ids=[QUALIFIED_BEFORE_MAY_2000])
    caseworker = signed_in_as("caseworker")
    page = caseworker.get("/teachers/4100060")
    assert (
        page.select_one("form[action='/teachers/4100060/check-trs'] button").get_text(strip=True)
        == "Check TRS now"
    )

    response = caseworker.post("/teachers/4100060/check-trs", _csrf_from="/teachers/4100060")

    assert response.headers["Location"] == "/teachers/4100060"
    page = caseworker.get("/teachers/4100060")
    flash = " ".join(page.select_one(".govuk-notification-banner--success").get_text().split())
    assert "TRS records Exempt: qualified before 7 May 2000." in flash
    assert "The open induction period was closed on 2 November 2026." in flash
    db.expire_all()
    assert teacher.ongoing_period is None
    assert other.ongoing_period is not None


def test_check_trs_now_is_not_for_viewers(managed_teacher, signed_in_as, db):
    teacher = managed_teacher("4100070")
    viewer = signed_in_as("viewer")

    page = viewer.get("/teachers/4100070")
    assert page.select("form[action='/teachers/4100070/check-trs']") == []
    viewer.post("/teachers/4100070/check-trs", _expected_status=403, _csrf_from="/teachers/4100070")
    viewer.post("/teachers/9999999/check-trs", _expected_status=403, _csrf_from="/teachers")
    db.expire_all()
    assert teacher.ongoing_period is not None


def test_check_trs_now_for_a_teacher_cpd_does_not_hold_is_not_found(signed_in_as):
    caseworker = signed_in_as("caseworker")
    caseworker.post("/teachers/9999999/check-trs", _expected_status=404, _csrf_from="/teachers")
    caseworker.post("/teachers/12345/check-trs", _expected_status=404, _csrf_from="/teachers")


def test_the_reconcile_command_reports_and_summarises(
    app, managed_teacher, sandbox_admin, tmp_path
):
    managed_teacher("4100080", {"status": "RequiredToComplete"})
    managed_teacher("4100081")
    report = tmp_path / "report.csv"
    runner = app.test_cli_runner()

    result = runner.invoke(args=["trs", "reconcile", "--report", str(report), "--concurrency", "2"])

    assert result.exit_code == 0, result.output
    assert "Checked 2 teachers" in result.output
    assert "1  drift: TRS disagrees with CPD" in result.output
    assert "New manual requests: 1." in result.output
    assert report.read_text().splitlines()[1].startswith("4100080,drift,found,RequiredToComplete")

    one = runner.invoke(args=["trs", "reconcile", "--trn", "4100081", "--report", str(report)])
    assert "Checked 1 teachers" in one.output
    assert "1  in step with CPD" in one.output

    unknown = runner.invoke(args=["trs", "reconcile", "--trn", "4199999"])
    assert unknown.exit_code == 1
    assert "CPD holds no teacher with TRN 4199999" in unknown.output
    malformed = runner.invoke(args=["trs", "reconcile", "--trn", "12"])
    assert malformed.exit_code == 2

    sandbox_admin.faults(500, method="GET", share=1.0)
    down = runner.invoke(args=["trs", "reconcile", "--report", str(report)])
    assert down.exit_code == 1
    assert "2  TRS could not be read" in down.output


def test_a_period_closed_after_the_seen_day_keeps_its_start(
    managed_teacher, sandbox_admin, reconcile, db, clock
):
    """A period starting later than the day TRS's change is seen ends on its start day, so the
    database's finish-after-start rule holds."""
    teacher = managed_teacher("4100090", started_on=date(2026, 11, 2) + timedelta(days=3))
    sandbox_admin.set_induction(
        "4100090", "Exempt", exemption_reason_ids=[QUALIFIED_BEFORE_MAY_2000]
    )

    assert reconcile().counts == {"exemption_closed": 1}
    db.expire_all()
    assert teacher.induction_periods[0].finished_on == date(2026, 11, 5)
