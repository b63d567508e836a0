"""Four delivery workers racing over one PostgreSQL outbox (`FOR UPDATE SKIP LOCKED`).

5,000 changes for 1,000 teachers, four workers (threads, each with its own engine, sessions and
TRS client, as separate processes would have): every teacher ends with the right state in TRS,
each teacher's changes reach TRS in order, and no row is ever claimed by two workers.

Several workers is a PostgreSQL question (SQLite runs one worker), so the test exists only when
the run includes PostgreSQL (`TEST_DATABASES`, always in CI): on a SQLite-only run it is not
collected at all, rather than skipped.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, insert, select

from app.clock import Clock
from app.db import make_engine, make_session_factory
from app.models import OutboxEntry, Teacher
from app.trs.client import TrsClient
from app.trs.outbox import ClaimedRow, OutboxWorker
from tests.support.database import backends, create_database, drop_database
from tests.support.delivery import put_body
from tests.support.sandbox import CPD_KEY

TEACHERS = 1_000
CHANGES_EACH = 5
WORKERS = 4
STARTED = date(2024, 9, 2)


class RecordingWorker(OutboxWorker):
    """A worker that notes every row it claims, to prove no row is held by two at once."""

    def __init__(self, *args, claims: list[tuple[str, int]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.claims = claims

    def claim(self) -> list[ClaimedRow]:
        rows = super().claim()
        self.claims.extend((self.worker_id, row.id) for row in rows)
        return rows


def _change(teacher_index: int, change: int) -> tuple[str, date, date | None]:
    """The n-th state of a teacher: the start moves each time; the last one may finish."""
    start = STARTED + timedelta(days=change)
    if change < CHANGES_EACH - 1 or teacher_index % 3 == 2:
        return "InProgress", start, None
    return ("Passed" if teacher_index % 3 == 0 else "Failed"), start, date(2026, 7, 20)


def _arrange(url: str, sandbox_admin) -> list[str]:
    trns = [f"{5_000_000 + index}" for index in range(TEACHERS)]
    sandbox_admin.create_persons(
        [
            {"trn": trn, "firstName": "Race", "lastName": trn, "dateOfBirth": "1990-01-01",
             "qtsDate": "2020-07-01"}
            for trn in trns
        ]
    )  # fmt: skip
    made = datetime.now(UTC) - timedelta(hours=1)
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        session.execute(
            insert(Teacher), [{"trn": trn, "created_at": made, "updated_at": made} for trn in trns]
        )
        ids = dict(session.execute(select(Teacher.trn, Teacher.id)).all())
        rows = []
        for change in range(CHANGES_EACH):  # round by round, so a teacher's rows interleave
            for index, trn in enumerate(trns):
                status, start, completed = _change(index, change)
                modified_on = made + timedelta(minutes=change, microseconds=index)
                rows.append(
                    {
                        "teacher_id": ids[trn],
                        "trn": trn,
                        "status": status,
                        "start_date": start,
                        "completed_date": completed,
                        "modified_on": modified_on,
                        "state": "pending",
                        "attempts": 0,
                        "next_attempt_at": modified_on,
                        "created_at": modified_on,
                    }
                )
        session.execute(insert(OutboxEntry), rows)
        session.commit()
    engine.dispose()
    return trns


if "postgresql" in backends():

    def test_four_workers_deliver_5000_changes_in_order_and_never_twice(
        sandbox_admin, trs_sandbox, tmp_path, worker_id
    ):
        url = create_database("postgresql", f"{worker_id}_delivery_workers", tmp_path)
        trns = _arrange(url, sandbox_admin)
        claims: list[tuple[str, int]] = []
        stop = threading.Event()
        engines, workers = [], []
        for number in range(WORKERS):
            engine = make_engine(url)
            engines.append(engine)
            workers.append(
                RecordingWorker(
                    make_session_factory(engine),
                    TrsClient(trs_sandbox.base_url, CPD_KEY),
                    Clock(),
                    worker_id=f"worker-{number}",
                    batch_size=25,
                    claims=claims,
                )
            )
        threads = [
            threading.Thread(target=worker.run_forever, args=(stop, 0.02), name=worker.worker_id)
            for worker in workers
        ]
        for thread in threads:
            thread.start()
        watcher = make_session_factory(engines[0])
        deadline = time.monotonic() + 120
        try:
            while True:
                with watcher() as session:
                    pending = session.scalar(
                        select(func.count()).where(OutboxEntry.state != "sent")
                    )
                if pending == 0 or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
        finally:
            stop.set()
            for thread in threads:
                thread.join(30)
            for worker in workers:
                worker.client.close()
        with watcher() as session:
            rows = session.scalars(select(OutboxEntry).order_by(OutboxEntry.id)).all()
        for engine in engines:
            engine.dispose()
        drop_database(url)  # its name carries the pid: left behind, every run would add one

        assert pending == 0, f"{pending} rows not sent in time"
        claimed = Counter(row_id for _, row_id in claims)
        assert set(claimed) == {row.id for row in rows}
        assert max(claimed.values()) == 1, "a row was claimed twice"
        assert len({worker for worker, _ in claims}) == WORKERS  # all four took part

        expected: dict[str, list[dict]] = defaultdict(list)
        for row in rows:  # id order is each teacher's change order
            expected[row.trn].append(
                put_body(row.status, row.start_date, row.completed_date, row.modified_on)
            )
        accepted: dict[str, list[dict]] = defaultdict(list)
        for request in sandbox_admin.cpd_requests():
            accepted[request["trn"]].append(request["body"])
        persons = {person["trn"]: person for person in sandbox_admin.persons()}
        for trn in trns:
            assert accepted[trn] == expected[trn], trn  # every change, once, in order
            last = expected[trn][-1]
            shown = persons[trn]
            assert (shown["status"], shown["startDate"], shown["completedDate"]) == (
                last["status"],
                last["startDate"],
                last["completedDate"],
            ), trn
