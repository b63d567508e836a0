"""How fast delivery and reconciliation run: prints figures, asserts nothing.

- Delivery: one outbox worker drains N changes (one per teacher) to a TRS sandbox this script
  starts, against a bare httpx PUT loop sending the same number of PUTs to the same sandbox in the
  same run, taking turns round by round (the median round counts: machines are shared). The
  worker runs twice: one PUT at a time (the like-for-like comparison with the bare loop: what
  claiming, leasing and recording cost) and with its default PUTs in flight. Target: at least
  80% of the bare loop's rate.
- Reconciliation: teachers checked per second over M teachers CPD manages, all in step with TRS
  (target: 100,000 in under 100 s, and at least 90% of the bare GET rate), beside a bare pool of
  concurrent GETs for the same teachers in one process (the rate the target compares with) and
  the same GETs spread over as many processes as reconciliation reads from: one Python client
  process, not the sandbox, is what bounds the bare rate on a small machine, so both are shown.

Run from the repo root: `python bench/delivery_bench.py` (about a minute), `--full` for 100k
teachers, `--postgresql` to run the console's side on a fresh PostgreSQL database instead of
SQLite.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from statistics import median

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402 - after the path is set

from app.clock import Clock  # noqa: E402
from app.db import make_engine, make_session_factory  # noqa: E402
from app.migrations import upgrade  # noqa: E402
from app.models import AppropriateBody, InductionPeriod, OutboxEntry, Teacher  # noqa: E402
from app.trs.client import TrsClient, format_modified_on  # noqa: E402
from app.trs.gateway import TrsGateway  # noqa: E402
from app.trs.outbox import DEFAULT_IN_FLIGHT, OutboxWorker  # noqa: E402
from app.trs.reconcile import Reconciliation  # noqa: E402
from tests.support.database import create_database, drop_database  # noqa: E402
from tests.support.sandbox import CPD_KEY, SandboxAdmin, SandboxProcess  # noqa: E402

STARTED = date(2024, 9, 2)
HEADERS = {"Authorization": f"Bearer {CPD_KEY}", "X-Api-Version": "20260120"}


def trns(first: int, count: int) -> list[str]:
    return [str(first + index) for index in range(count)]


def add_persons(admin: SandboxAdmin, numbers: list[str], induction: dict | None = None) -> None:
    for start in range(0, len(numbers), 5_000):
        admin.create_persons(
            [
                {"trn": trn, "firstName": "Bench", "lastName": trn, "dateOfBirth": "1990-01-01",
                 "qtsDate": "2020-07-01", **({"induction": induction} if induction else {})}
                for trn in numbers[start : start + 5_000]
            ]
        )  # fmt: skip


def add_teachers(sessions, numbers: list[str], *, periods: bool) -> dict[str, int]:
    """CPD teachers in bulk (with one ongoing period each when `periods`); TRN -> id."""
    made = datetime.now(UTC) - timedelta(minutes=5)
    ids: dict[str, int] = {}
    with sessions() as session:
        body = AppropriateBody(name=f"Bench Teaching School Hub {len(numbers)}")
        session.add(body)
        session.flush()
        for start in range(0, len(numbers), 10_000):
            chunk = numbers[start : start + 10_000]
            session.execute(
                insert(Teacher),
                [{"trn": trn, "created_at": made, "updated_at": made} for trn in chunk],
            )
            ids.update(
                session.execute(select(Teacher.trn, Teacher.id).where(Teacher.trn.in_(chunk))).all()
            )
            if periods:
                session.execute(
                    insert(InductionPeriod),
                    [
                        {"teacher_id": ids[trn], "appropriate_body_id": body.id,
                         "started_on": STARTED, "training_programme": "provider_led",
                         "closed_by_exemption": False}
                        for trn in chunk
                    ],
                )  # fmt: skip
        session.commit()
    return ids


def queue_changes(sessions, ids: dict[str, int]) -> None:
    """One waiting change per teacher, made now (later than any change before it)."""
    made = datetime.now(UTC)
    with sessions() as session:
        session.execute(
            insert(OutboxEntry),
            [
                {"teacher_id": teacher_id, "trn": trn, "status": "InProgress",
                 "start_date": STARTED, "completed_date": None, "modified_on": made,
                 "state": "pending", "attempts": 0, "next_attempt_at": made, "created_at": made}
                for trn, teacher_id in ids.items()
            ],
        )  # fmt: skip
        session.commit()


def bare_puts(base_url: str, numbers: list[str]) -> float:
    """Seconds for one kept-alive httpx client to PUT each teacher's status, one after another.

    The bare loops send whole URLs, as `TrsClient` does: a path and `params` would cost httpx
    more parsing than the console's own calls, and flatter the console."""
    modified_on = format_modified_on(datetime.now(UTC))
    body = {"status": "InProgress", "startDate": STARTED.isoformat(), "completedDate": None,
            "modifiedOn": modified_on}  # fmt: skip
    with httpx.Client(headers=HEADERS, timeout=10) as client:
        started = time.perf_counter()
        for trn in numbers:
            client.put(f"{base_url}/v3/persons/{trn}/cpd-induction", json=body).raise_for_status()
        return time.perf_counter() - started


def bare_gets_in_processes(
    base_url: str, numbers: list[str], concurrency: int, processes: int
) -> float:
    """Seconds for `processes` processes, each a `bare_gets` with its share of the threads and
    teachers: what the sandbox serves when no one client process is the bound."""
    share = -(-len(numbers) // processes)
    parts = [numbers[i : i + share] for i in range(0, len(numbers), share)]
    with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(bare_gets, [base_url] * processes, [p[:50] for p in parts], [2] * processes))
        started = time.perf_counter()
        list(
            pool.map(
                bare_gets, [base_url] * len(parts), parts, [concurrency // processes] * len(parts)
            )
        )
        return time.perf_counter() - started


def bare_gets(base_url: str, numbers: list[str], concurrency: int) -> float:
    """Seconds for `concurrency` threads sharing one httpx client to GET every teacher."""
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=max(20, concurrency))
    with httpx.Client(headers=HEADERS, timeout=10, limits=limits) as client:

        def get(trn: str) -> None:
            # One bench run lost a kept-alive connection under a thread ("Bad file descriptor")
            # and ended without printing a figure: a read is tried up to three times, and the
            # time taken includes any retry.
            for attempt in range(3):
                try:
                    client.get(f"{base_url}/v3/persons/{trn}?include=Induction").raise_for_status()
                    return
                except httpx.TransportError:
                    if attempt == 2:
                        raise

        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(get, numbers))
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--changes", type=int, default=2_000, help="changes to deliver per round")
    parser.add_argument("--rounds", type=int, default=3, help="delivery rounds (the median counts)")
    parser.add_argument("--teachers", type=int, default=10_000, help="teachers to reconcile")
    parser.add_argument("--full", action="store_true", help="reconcile 100,000 teachers")
    parser.add_argument("--concurrency", type=int, default=8, help="TRS reads at once")
    parser.add_argument(
        "--processes", type=int, default=2, help="reconcile's reading processes (the command's)"
    )
    parser.add_argument("--postgresql", action="store_true", help="console data on PostgreSQL")
    parser.add_argument("--json", metavar="FILE", help="also write the figures here (web_bench)")
    args = parser.parse_args()
    reconcile_count = 100_000 if args.full else args.teachers

    with tempfile.TemporaryDirectory(prefix="delivery-bench-") as tmp:
        tmp_path = Path(tmp)
        if args.postgresql:
            url = create_database("postgresql", "bench", tmp_path)
        else:
            url = f"sqlite:///{tmp_path / 'console.sqlite'}"
            upgrade(url)
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        with SandboxProcess(tmp_path / "sandbox.sqlite", seed=False) as sandbox:
            admin = SandboxAdmin(sandbox.base_url)
            bare_trns = trns(6_000_000, args.changes)
            worker_trns = trns(7_000_000, args.changes)
            reconcile_trns = trns(8_000_000, reconcile_count)
            print(f"Delivery: {args.rounds} rounds of {args.changes:,} changes...")
            add_persons(admin, bare_trns + worker_trns)
            worker_ids = add_teachers(sessions, worker_trns, periods=False)
            client = TrsClient(sandbox.base_url, CPD_KEY)
            workers = {
                in_flight: OutboxWorker(
                    sessions, client, Clock(), worker_id=f"bench-{in_flight}", in_flight=in_flight
                )
                for in_flight in sorted({1, DEFAULT_IN_FLIGHT})
            }
            # Turn about, so all meet the same machine load; the median round of each counts.
            bare_rounds: list[float] = []
            worker_rounds: dict[int, list[float]] = {in_flight: [] for in_flight in workers}
            delivered: Counter[str] = Counter()
            for _ in range(args.rounds):
                bare_rounds.append(bare_puts(sandbox.base_url, bare_trns))
                for in_flight, worker in workers.items():
                    queue_changes(sessions, worker_ids)
                    started = time.perf_counter()
                    delivered += worker.drain()
                    worker_rounds[in_flight].append(time.perf_counter() - started)

            print(f"Reconciliation: {reconcile_count:,} teachers...")
            add_persons(
                admin, reconcile_trns, {"status": "InProgress", "startDate": STARTED.isoformat()}
            )
            add_teachers(sessions, reconcile_trns, periods=True)
            bare_get_seconds = bare_gets(sandbox.base_url, reconcile_trns, args.concurrency)
            bare_spread_seconds = bare_gets_in_processes(
                sandbox.base_url, reconcile_trns, args.concurrency, args.processes
            )
            gateway = TrsGateway(client, Clock(), cache_seconds=0)
            trs_config = {"TRS_API_BASE_URL": sandbox.base_url, "TRS_API_KEY": CPD_KEY,
                          "TRS_API_VERSION": HEADERS["X-Api-Version"]}  # fmt: skip
            reconciliation = Reconciliation(
                sessions, gateway.read_person, Clock(), concurrency=args.concurrency,
                processes=args.processes, trs_config=trs_config,
            )  # fmt: skip
            result = reconciliation.run(reconciliation.teachers())
            client.close()
            admin.close()
        engine.dispose()
        if args.postgresql:
            drop_database(url)

    rows = [
        ("bare httpx PUT loop", args.changes, median(bare_rounds), None),
        *(
            (
                f"outbox worker ({in_flight} in flight)",
                args.changes,
                median(seconds),
                median(bare_rounds),
            )
            for in_flight, seconds in worker_rounds.items()
        ),
        (f"bare GETs ({args.concurrency} threads)", reconcile_count, bare_get_seconds, None),
        (
            f"bare GETs ({args.processes} processes)",
            reconcile_count,
            bare_spread_seconds,
            None,
        ),
        (
            f"reconcile ({args.concurrency} reads, {args.processes} pr.)",
            result.checked,
            result.seconds,
            bare_get_seconds,
        ),
    ]
    backend = "PostgreSQL" if args.postgresql else "SQLite"
    print(
        f"\nDelivery (median of {args.rounds} rounds) and reconciliation, console data on {backend}. "
        "Targets: worker >= 80% of bare PUTs; reconcile of 100,000 teachers under 100 s and "
        ">= 90% of the bare GET rate."
    )
    print(
        f"| {'measure':<30} | {'count':>8} | {'seconds':>8} | {'per second':>10} | {'vs bare':>7} |"
    )
    print(f"|{'-' * 32}|{'-' * 10}|{'-' * 10}|{'-' * 12}|{'-' * 9}|")
    for name, count, seconds, bare_seconds in rows:
        versus = f"{bare_seconds / seconds:.0%}" if bare_seconds else ""
        print(
            f"| {name:<30} | {count:>8,} | {seconds:>8.2f} | {count / seconds:>10,.0f} | {versus:>7} |"
        )
    print("\nRounds (seconds):")
    print(f"  bare: {', '.join(f'{t:.2f}' for t in bare_rounds)}")
    for in_flight, seconds in worker_rounds.items():
        print(f"  worker, {in_flight} in flight: {', '.join(f'{t:.2f}' for t in seconds)}")
    print(
        f"Reconcile against the bare GETs spread over {args.processes} processes, as it is: "
        f"{bare_spread_seconds / result.seconds:.0%}."
    )
    print(f"Worker outcomes: {dict(delivered)}; reconcile outcomes: {dict(result.counts)}")
    if args.json:
        figures = {name: {"count": count, "seconds": seconds, "per_second": count / seconds,
                          "share_of_bare": bare_seconds / seconds if bare_seconds else None}
                   for name, count, seconds, bare_seconds in rows}  # fmt: skip
        Path(args.json).write_text(
            json.dumps(
                {
                    "backend": backend,
                    "rows": figures,
                    "reconcile_share_of_spread_bare": bare_spread_seconds / result.seconds,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
