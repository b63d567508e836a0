"""How fast `import-inductions` runs: prints figures, asserts nothing.

Generates a deterministic file (by default 100,000 rows for 40,000 teachers, not sorted by
teacher, some dates as dd/mm/yyyy), creates the persons in a TRS sandbox process it starts
itself (through the bulk endpoint), imports the file into a fresh SQLite database (and a fresh
PostgreSQL one with --postgres), then imports it again (the no-op rerun). Prints rows per second,
wall time, peak memory (ru_maxrss), CPU time of the import and of the sandbox (the machine's load
average beside them: other work on a 2-core machine stretches the wall time), and where the time
went: reading TRS, the rule checks, database reads and writes.

Targets: under 3 minutes and under 500 MB on 2 cores. Run from the repo root:
`python bench/import_bench.py [--rows N] [--teachers N] [--concurrency N] [--postgres]`.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402 - after the path is set

from app import create_app  # noqa: E402
from app.clock import LONDON, FixedClock  # noqa: E402
from app.importing import (  # noqa: E402
    COLUMNS,
    DEFAULT_CONCURRENCY,
    import_inductions,
    read_import_file,
)
from app.migrations import upgrade  # noqa: E402
from tests.support.sandbox import CPD_KEY, SandboxAdmin, SandboxProcess  # noqa: E402

TODAY = date(2026, 9, 10)
SEED = 7
BODIES = 60
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
POSTGRES_BENCH_DB = "induction_console_import_bench"


def teacher_rows(index: int, periods: int) -> tuple[dict, list[list[str]]]:
    """One teacher: the TRS person (None: TRS does not know them) and their rows, repeatably
    random from the teacher's index alone, so the file can be written in two passes."""
    rng = random.Random(SEED * 1_000_003 + index)
    trn = str(4_000_000 + index)
    start = TODAY - timedelta(days=periods * 330 + rng.randint(30, 400))
    qts = start - timedelta(days=rng.randint(0, 200))
    # TRS not started (the file's status is sent), TRS agreeing with the file, TRS disagreeing.
    kind = rng.choices(("new", "agrees", "disagrees", "no_qts", "unknown"), (91, 6, 1, 1, 1))[0]
    person = {
        "trn": trn,
        "firstName": rng.choice(("Amara", "Bethan", "Callum", "Dev", "Ewa", "Finn", "Grace")),
        "lastName": f"Teacher {index}",
        "dateOfBirth": (qts - timedelta(days=rng.randint(8000, 12000))).isoformat(),
        "qtsDate": None if kind == "no_qts" else qts.isoformat(),
    }
    if kind == "disagrees":  # a conflict: TRS already shows a pass the file does not have
        person["induction"] = {
            "status": "Passed",
            "startDate": start.isoformat(),
            "completedDate": (start + timedelta(days=600)).isoformat(),
        }
    first_start = start
    outcome = rng.choices(("", "pass", "fail"), (85, 12, 3))[0]
    rows = []
    for number in range(periods):
        last = number == periods - 1
        finish = start + timedelta(days=rng.randint(120, 300))
        ongoing = last and not outcome
        write = _uk if rng.random() < 0.1 else date.isoformat
        rows.append(
            [
                trn,
                f"Bench Appropriate Body {rng.randint(1, BODIES):02d}",
                write(start),
                "" if ongoing else write(finish),
                rng.choice(("provider_led", "school_led")),
                "" if ongoing else str(rng.choice((1, 1.5, 2, 2.5, 3))),
                outcome if last else "",
                write(finish) if last and outcome else "",
            ]
        )
        start = finish + timedelta(days=rng.randint(1, 30))
    if kind == "agrees":  # TRS already holds the status the file implies
        status = {"": "InProgress", "pass": "Passed", "fail": "Failed"}[outcome]
        person["induction"] = {"status": status, "startDate": first_start.isoformat()}
        if outcome:
            person["induction"]["completedDate"] = finish.isoformat()
    return (None if kind == "unknown" else person), rows


def _uk(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def periods_per_teacher(rows: int, teachers: int) -> Iterator[int]:
    base, extra = divmod(rows, teachers)
    for index in range(teachers):
        yield base + (1 if index < extra else 0)


def write_file(path: Path, rows: int, teachers: int) -> None:
    """First periods of every teacher, then the rest: a file not grouped by teacher."""
    counts = list(periods_per_teacher(rows, teachers))
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for first_pass in (True, False):
            for index, periods in enumerate(counts):
                _, teacher = teacher_rows(index, periods)
                writer.writerows(teacher[:1] if first_pass else teacher[1:])


def create_persons(admin: SandboxAdmin, rows: int, teachers: int) -> int:
    created, batch = 0, []
    for index, periods in enumerate(periods_per_teacher(rows, teachers)):
        person, _ = teacher_rows(index, periods)
        if person is not None:
            batch.append(person)
        if len(batch) == 2000:
            created += admin.create_persons(batch)
            batch = []
    return created + (admin.create_persons(batch) if batch else 0)


def fresh_postgres() -> str:
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{POSTGRES_BENCH_DB}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{POSTGRES_BENCH_DB}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    return f"{base}/{POSTGRES_BENCH_DB}"


def cpu_seconds(pid: int | None = None) -> float:
    """CPU time (user + system) of this process, or of process `pid` (the sandbox): with other
    work on the machine, this says what the import costs better than the wall time does."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def run(
    label: str, database_url: str, sandbox: SandboxProcess, path: Path, concurrency: int
) -> None:
    upgrade(database_url)
    clock = FixedClock(datetime(TODAY.year, TODAY.month, TODAY.day, 10, tzinfo=LONDON))
    app = create_app(
        "development",
        DATABASE_URL=database_url,
        TRS_API_BASE_URL=sandbox.base_url,
        TRS_API_KEY=CPD_KEY,
        CLOCK=clock,
    )
    client = app.extensions["trs"].client
    for run_name in ("import", "rerun"):
        started, cpu, sandbox_cpu = (
            time.perf_counter(),
            cpu_seconds(),
            cpu_seconds(sandbox.process.pid),
        )
        parsed = read_import_file(path)
        parsed_in = time.perf_counter() - started
        with app.app_context(), app.extensions["db_sessions"]() as session:
            result = import_inductions(
                session, client, clock, parsed, create_bodies=True, concurrency=concurrency
            )
        wall = time.perf_counter() - started
        timed = result.timings
        other = wall - parsed_in - sum(timed.values())
        counts = ", ".join(f"{k} {v}" for k, v in result.counts.items() if v)
        print(f"\n{label} {run_name}: {result.rows_read:,} rows, {result.teachers:,} teachers")
        print(f"  results        {counts}; {result.rows_rejected:,} rows rejected")
        print(f"  wall time      {wall:8.1f} s   ({result.rows_read / wall:,.0f} rows/s)")
        print(f"  peak memory    {peak_mb():8.0f} MB (ru_maxrss of this process so far)")
        print(f"  CPU, import    {cpu_seconds() - cpu:8.1f} s   (this process, all threads)")
        print(f"  CPU, sandbox   {cpu_seconds(sandbox.process.pid) - sandbox_cpu:8.1f} s")
        print(f"  load average   {os.getloadavg()[0]:8.1f}     (other work on this machine)")
        print(f"  reading file   {parsed_in:8.1f} s")
        print(
            f"  waiting on TRS {timed['trs_wait']:8.1f} s   (reading TRS, a chunk of teachers at a time)"
        )
        print(f"  rule checks    {timed['rules']:8.1f} s")
        print(f"  database read  {timed['db_read']:8.1f} s")
        print(f"  database write {timed['db_write']:8.1f} s")
        print(f"  the rest       {other:8.1f} s   (comparing, report entries, progress)")
    app.extensions["db_engine"].dispose()
    client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--teachers", type=int, default=40_000)
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    parser.add_argument("--postgres", action="store_true", help="also import into PostgreSQL")
    args = parser.parse_args()
    if not 0 < args.teachers <= args.rows:
        parser.error("--teachers must be from 1 to --rows")
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        folder = Path(tmp)
        path = folder / "inductions.csv"
        started = time.perf_counter()
        write_file(path, args.rows, args.teachers)
        print(f"Generated {path.stat().st_size / 1024 / 1024:.1f} MB "
              f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
        with SandboxProcess(folder / "trs.sqlite", seed=False) as sandbox:
            with SandboxAdmin(sandbox.base_url) as admin:
                started = time.perf_counter()
                created = create_persons(admin, args.rows, args.teachers)
            print(f"Created {created:,} persons in the sandbox in "
                  f"{time.perf_counter() - started:.1f} s; peak memory {peak_mb():.0f} MB")  # fmt: skip
            run("SQLite", f"sqlite:///{folder / 'console.sqlite'}", sandbox, path,
                args.concurrency)  # fmt: skip
            if args.postgres:
                run("PostgreSQL", fresh_postgres(), sandbox, path, args.concurrency)


if __name__ == "__main__":
    main()
