"""How fast the console's pages answer at national scale: prints, asserts nothing.

Seeds N teachers (about 2.5 periods each, one in five with an extension, one in ten finished with
a pass or fail recorded in the last 700 days) with bulk Core inserts
into a fresh, migrated SQLite file (and PostgreSQL with --postgres), the TRS sandbox to match and
the name index, then serves the console under gunicorn (2 workers of 4 threads each, as the
Dockerfile does: a thread waiting on TRS must not hold a whole worker) and loads it with locust
(bench/locustfile.py), headless in its own process: 20 users, each signed in as its own
caseworker, on one page at a time for `--seconds`. Per page: p50/p95/p99, errors and the ratio of
its p95 to the floor's. The floor is GET /sign-in: the same base template and no database query
(the bench adds no route to the app). It is loaded again, briefly, before each page, and each
page is compared with that floor too ("beside"), since the shared machine's speed can drift
over a run. The sandbox adds 20 ms to every TRS call. The write is the
add-an-extension journey: each user walks it for a different teacher (untimed) and only the check
page's POST, which writes the extension, its audit event and its outbox entry in one transaction,
is timed. Beside locust's figures, each page's mean time inside the console (from its own request
metrics), so a figure splits into work in the console and waiting to be served, and the CPU
per request of the console's processes and of the whole machine. Then the rules
figures and bench/delivery_bench.py's delivery and reconcile rates, so one command prints every
figure. JSON goes to bench/results/.

Run from the repo root: `python bench/web_bench.py [--teachers N] [--seconds S] [--postgres]`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from statistics import median

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402 - after the path is set
from werkzeug.security import generate_password_hash  # noqa: E402

from app.db import make_engine  # noqa: E402
from app.models import (  # noqa: E402
    AppropriateBody,
    Extension,
    InductionPeriod,
    Teacher,
    TeacherSearchEntry,
    User,
)
from tests.support.database import create_database, drop_database  # noqa: E402
from tests.support.sandbox import SandboxAdmin, SandboxProcess  # noqa: E402

FIRST_TRN = 3_000_000
CHUNK = 5_000
USERS = 20
EMAIL = "bench.{n}@example.gov.uk"
ADMIN_EMAIL = "bench.admin.{n}@example.gov.uk"  # the user administration pages are for admins
PASSWORD = "bench-password-not-a-secret"
FIRST_NAMES = ("Amara", "Ben", "Chloe", "Dev", "Elif", "Finn", "Grace", "Hugo", "Isla", "Jay")
LAST_NAMES = ("Smith", "Jones", "Patel", "Okafor", "Nowak", "Murphy", "Khan", "Evans", "Li", "Roy")
STARTED = date(2023, 9, 4)
FLOOR = "floor (GET /sign-in)"  # base template, no query: the bench adds no route
WRITE = "add extension (POST)"
USERS_PAGE = "user administration"
ADMIN_PAGES = (USERS_PAGE,)
# Each page's p95 may be at most this many times the floor's, measured in the same run.
TARGETS = {"rules page": 1.5}
TARGET = 2.0
# Each page's own request, as the console's request metrics name it (method, route).
ROUTES = {
    FLOOR: ("GET", "/sign-in"),
    "search by TRN": ("GET", "/teachers"),
    "search by name": ("GET", "/teachers"),
    "teacher page": ("GET", "/teachers/<trn>"),
    "rules page": ("GET", "/rules"),
    "deadlines": ("GET", "/deadlines"),
    USERS_PAGE: ("GET", "/users"),
    WRITE: ("POST", "/teachers/<trn>/<journey>/check"),
}
METRICS_KEY = "bench-metrics-key-not-a-secret"
# Before each page the floor is loaded again for this long: the ratio to that floor does not move
# when the machine (shared, on a 2-core host) slows down or speeds up between the pages.
FLOOR_BESIDE_SECONDS = 8
_DURATIONS = re.compile(
    r"^induction_console_http_request_duration_seconds_(sum|count)\{([^}]*)\} (\S+)$", re.M
)


def name_of(index: int) -> tuple[str, str]:
    """Deterministic names: a surname shared by a tenth of teachers, a unique suffix."""
    return FIRST_NAMES[index % 10], f"{LAST_NAMES[(index // 10) % 10]}{index}"


def seed(url: str, admin: SandboxAdmin, teachers: int) -> list[str]:
    """Teachers, periods, extensions, name index and users in CPD; persons in the sandbox."""
    now = datetime.now(UTC)
    engine = make_engine(url)
    trns = [str(FIRST_TRN + i) for i in range(teachers)]
    with engine.begin() as db:
        body_id = db.execute(
            insert(AppropriateBody).returning(AppropriateBody.id), [{"name": "Bench Hub"}]
        ).scalar_one()
        password_hash = generate_password_hash(PASSWORD)
        db.execute(
            insert(User),
            [{"email": pattern.format(n=n), "role": role, "active": True,
              "password_hash": password_hash, "created_at": now}
             for pattern, role in ((EMAIL, "caseworker"), (ADMIN_EMAIL, "admin"))
             for n in range(USERS)],
        )  # fmt: skip
        for start in range(0, teachers, CHUNK):
            rows = range(start, min(start + CHUNK, teachers))
            db.execute(
                insert(Teacher),
                [{"id": i + 1, "trn": trns[i], "created_at": now, "updated_at": now,
                  "version": 1} for i in rows],
            )  # fmt: skip
            periods = []
            for i in rows:  # 2 or 3 periods (2.5 on average), the last one ongoing
                count = 2 + i % 2
                for p in range(count):
                    began = STARTED + timedelta(days=120 * p)
                    last = p == count - 1
                    periods.append(
                        {"teacher_id": i + 1, "appropriate_body_id": body_id,
                         "started_on": began,
                         "finished_on": None if last else began + timedelta(days=90),
                         "training_programme": "provider_led",
                         "number_of_terms": None if last else 1, "closed_by_exemption": False}
                    )  # fmt: skip
                if has_outcome(i):
                    periods[-1].update(_outcome(i, now))
            db.execute(insert(InductionPeriod), periods)
            db.execute(
                insert(Extension),
                [{"teacher_id": i + 1, "number_of_terms": 1, "created_at": now}
                 for i in rows if i % 5 == 0],
            )  # fmt: skip
            db.execute(
                insert(TeacherSearchEntry),
                [{"teacher_id": i + 1, "display_name": " ".join(name_of(i)),
                  "search_name": " ".join(name_of(i)).lower(), "read_from_trs_at": now}
                 for i in rows],
            )  # fmt: skip
            admin.create_persons(
                [{"trn": trns[i], "firstName": name_of(i)[0], "lastName": name_of(i)[1],
                  "dateOfBirth": "1990-01-01", "qtsDate": "2023-07-01",
                  "induction": {"status": "InProgress", "startDate": STARTED.isoformat()}}
                 for i in rows]
            )  # fmt: skip
    if engine.dialect.name == "postgresql":
        # Planner statistics for the fresh rows, as autovacuum would soon gather in service.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
            db.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return trns


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(url: str, trs_url: str, threads: int) -> tuple[subprocess.Popen, str]:
    """The console under gunicorn, 2 threaded workers, on a free port; returns it once it answers."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "TRS_API_BASE_URL": trs_url,
           "INDUCTION_CONSOLE_ENV": "development", "SECRET_KEY": "bench-secret",
           "LOG_LEVEL": "WARNING", "METRICS_API_KEYS": METRICS_KEY}  # fmt: skip
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "--workers", "2", "--worker-class", "gthread", "--threads", str(threads),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "app:create_app()"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/sign-in", timeout=2).status_code == 200:
                return process, base
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.terminate()
    raise RuntimeError("gunicorn did not answer")


def served(base: str) -> dict[tuple[str, str], list[float]]:
    """(method, route) -> [seconds, requests] the console has spent on it so far, every status
    and every web process added up (its /metrics)."""
    text = httpx.get(
        f"{base}/metrics", headers={"Authorization": f"Bearer {METRICS_KEY}"}, timeout=10
    ).text
    totals: dict[tuple[str, str], list[float]] = {}
    for kind, labels, value in _DURATIONS.findall(text):
        label = dict(re.findall(r'(\w+)="([^"]*)"', labels))
        entry = totals.setdefault((label["method"], label["route"]), [0.0, 0.0])
        entry[0 if kind == "sum" else 1] += float(value)
    return totals


def console_cpu_seconds(server: subprocess.Popen) -> float:
    """CPU seconds (user and system) gunicorn's web processes have used so far: the children of
    the server process, read from /proc. Under the bench's closed loop the machine is saturated,
    so a page's p95 rises with its CPU per request: this says whether a change made a page
    cheaper, whatever the queue did."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:  # after the ")" that ends the command name: state, ppid, ... utime (11), stime (12)
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[1]) == server.pid:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def machine_cpu_seconds() -> float:
    """CPU seconds every process on the machine has used so far (/proc/stat, all cores, idle and
    I/O wait left out): the console, PostgreSQL, the sandbox and locust itself. In the closed loop
    a page's latency follows what the whole machine spends on each of its requests, and for the
    write that is the whole journey, not the console's share alone."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def mean_served_ms(before: dict, after: dict, route: tuple[str, str]) -> float | None:
    """The mean time the console spent on `route` between two readings of its metrics."""
    (seconds_then, requests_then), (seconds, requests) = (
        before.get(route, (0.0, 0.0)),
        after.get(route, (0.0, 0.0)),
    )
    served_between = requests - requests_then
    return 1000 * (seconds - seconds_then) / served_between if served_between else None


# -- the load: locust, headless, in its own process, one page at a time ------------------------


def has_outcome(index: int) -> bool:
    """One teacher in ten has finished, on a day in the last 700."""
    return index % 10 == 3


def _outcome(index: int, now: datetime) -> dict:
    """A pass (or, for one in two, a fail) recorded on its day: the deadlines list's candidates."""
    day = now.date() - timedelta(days=index % 700)
    return {"finished_on": day, "number_of_terms": 1, "outcome": "pass" if index % 20 == 3 else "fail",
            "outcome_on": day, "outcome_recorded_at": datetime(day.year, day.month, day.day, 12, tzinfo=UTC)}  # fmt: skip


def load(
    base: str, page: str, plan_file: Path, seconds: int, workdir: Path, server: subprocess.Popen
) -> dict:
    """USERS locust users on one page for `seconds`; its figures for that page (ms), and the
    console's CPU per request from when every user had signed in (a sign-in's password hash is
    costly work the page's figure should not carry) until locust ended."""
    prefix, ready = workdir / "locust", workdir / "locust-ready"
    ready.unlink(missing_ok=True)
    locust = Path(sys.executable).with_name("locust")
    with open(workdir / "locust.log", "w+") as log:
        running = subprocess.Popen(
            [str(locust), "--headless", "-f", str(ROOT / "bench" / "locustfile.py"), "--host", base,
             "--users", str(USERS), "--spawn-rate", str(USERS), "--run-time", f"{seconds}s",
             "--stop-timeout", "10", "--only-summary", "--loglevel", "ERROR", "--csv", str(prefix)],
            env={**os.environ, "BENCH_PAGE": page, "BENCH_PLAN": str(plan_file),
                 "BENCH_USERS": str(USERS), "BENCH_PASSWORD": PASSWORD, "BENCH_READY_FILE": str(ready),
                 "BENCH_EMAIL": ADMIN_EMAIL if page in ADMIN_PAGES else EMAIL},
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        while not ready.exists() and running.poll() is None:
            time.sleep(0.02)
        cpu, machine = console_cpu_seconds(server), machine_cpu_seconds()
        running.wait()  # locust exits 1 when a request failed: its figures still count
        cpu, machine = console_cpu_seconds(server) - cpu, machine_cpu_seconds() - machine
        log.seek(0)
        output = log.read()
    with open(f"{prefix}_stats.csv", newline="") as stats:
        row = next((r for r in csv.DictReader(stats) if r["Name"] == page), None)
    if row is None:
        raise RuntimeError(f"locust measured nothing for {page}:\n{output[-3000:]}")
    requests = int(row["Request Count"])
    return {"requests": requests, "errors": int(row["Failure Count"]),
            "p50": float(row["50%"]), "p95": float(row["95%"]), "p99": float(row["99%"]),
            "per_second": float(row["Requests/s"]), "cpu_ms": 1000 * cpu / max(1, requests),
            "machine_ms": 1000 * machine / max(1, requests)}  # fmt: skip


def plan_for(trns: list[str]) -> dict[str, list[str]]:
    rng = random.Random(8)
    sample = rng.sample(trns, min(500, len(trns)))
    in_progress = [t for t in trns if not has_outcome(int(t) - FIRST_TRN)]
    return {
        FLOOR: ["/sign-in"],
        "search by TRN": [f"/teachers?q={trn}" for trn in sample],
        "search by name": [f"/teachers?q={name_of(int(t) - FIRST_TRN)[1]}" for t in sample]
        + [f"/teachers?q={last.lower()}" for last in LAST_NAMES],
        "teacher page": [f"/teachers/{trn}" for trn in sample],
        "rules page": ["/rules"],
        # A caseworker's list: outcomes in their correction window, from 10,000 with an outcome.
        "deadlines": ["/deadlines"],
        # An admin's list of the console's accounts (the 40 the bench signs in with).
        USERS_PAGE: ["/users"],
        # Enough teachers that no user runs out: each is extended once (none has an outcome).
        WRITE: [
            f"/teachers/{t}/add-extension"
            for t in rng.sample(in_progress, min(5000, len(in_progress)))
        ],
    }


def run_backend(args: argparse.Namespace, backend: str, workdir: Path) -> dict:
    started = time.perf_counter()
    url = create_database(backend, "bench", workdir)  # fresh, migrated (app.migrations.upgrade)
    with SandboxProcess(workdir / f"sandbox-{backend}.sqlite", seed=False) as sandbox:
        admin = SandboxAdmin(sandbox.base_url, timeout=120)
        trns = seed(url, admin, args.teachers)
        seeded = time.perf_counter() - started
        admin.faults(latency_ms=20, share=1.0)
        plan = plan_for(trns)
        if args.pages:  # the floor always, for the ratios
            plan = {
                page: urls for page, urls in plan.items() if page == FLOOR or page in args.pages
            }
        plan_file = workdir / "plan.json"
        plan_file.write_text(json.dumps(plan))
        server, base = serve(url, sandbox.base_url, args.threads)
        try:
            pages = {}
            for page in plan:
                beside = None
                if page != FLOOR and not args.no_floor_beside:
                    beside = load(base, FLOOR, plan_file, FLOOR_BESIDE_SECONDS, workdir, server)
                before = served(base)
                pages[page] = load(base, page, plan_file, args.seconds, workdir, server)
                pages[page]["served_ms"] = mean_served_ms(before, served(base), ROUTES[page])
                if beside:
                    pages[page]["floor_beside"] = {
                        k: beside[k] for k in ("p95", "cpu_ms", "machine_ms")
                    }
        finally:
            server.terminate()
            server.wait(10)
            admin.close()
    drop_database(url)
    for figures in pages.values():
        figures["p95_ratio_to_floor"] = figures["p95"] / pages[FLOOR]["p95"]
        floor = figures.get("floor_beside", pages[FLOOR])
        figures["p95_ratio_to_floor_beside"] = figures["p95"] / floor["p95"]
        figures["cpu_ratio_to_floor_beside"] = figures["cpu_ms"] / floor["cpu_ms"]
        figures["machine_ratio_to_floor_beside"] = figures["machine_ms"] / floor["machine_ms"]
    return {
        "teachers": args.teachers,
        "threads": args.threads,
        "seed_seconds": seeded,
        "pages": pages,
    }


def rules_figures() -> dict[str, float]:
    """`decide` median and one teacher's `available_actions`, via rules_bench's own functions."""
    sys.path.insert(0, str(ROOT / "bench"))
    from rules_bench import TODAY, _time_us, spread_of_records

    from app.rules import CONSOLE_ACTIONS, available_actions, decide

    records = spread_of_records(500)
    calls = [(c, a) for c, actions in CONSOLE_ACTIONS.items() for a in actions]
    decide_us = [_time_us(decide, c, a, r, TODAY) for r in records for c, a in calls]
    actions_us = [_time_us(available_actions, "cpd", r, TODAY) for r in records]
    return {
        "decide_median_us": median(decide_us),
        "available_actions_median_us": median(actions_us),
    }


def delivery_figures(workdir: Path, postgres: bool) -> dict:
    """Delivery rates and a reconciliation of 100,000 teachers from bench/delivery_bench.py."""
    out = workdir / "delivery.json"
    backend = ["--postgresql"] if postgres else []
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "delivery_bench.py"), "--full", *backend,
         "--json", str(out)],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return json.loads(out.read_text())


def report(results: dict) -> None:
    for backend, run in results["backends"].items():
        print(f"\n{backend}: {run['teachers']:,} teachers (seeded in {run['seed_seconds']:.0f} s), "
              f"{USERS} users, 2 workers x {run['threads']} threads, TRS latency 20 ms")  # fmt: skip
        print(f"{'page':<22}{'reqs':>6}{'errors':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
              f"{'req/s':>8}{'p95/floor':>10}{'target':>8}{'in app ms':>11}{'cpu ms':>8}"
              f"{'beside: p95/floor':>18}{'cpu/floor':>10}{'machine/floor':>14}")  # fmt: skip
        for page, f in run["pages"].items():
            target = "" if page == FLOOR else f"{TARGETS.get(page, TARGET):.1f}"
            in_app = "" if f.get("served_ms") is None else f"{f['served_ms']:.1f}"
            print(f"{page:<22}{f['requests']:>6}{f['errors']:>7}{f['p50']:>9.1f}{f['p95']:>9.1f}"
                  f"{f['p99']:>9.1f}{f['per_second']:>8.1f}{f['p95_ratio_to_floor']:>10.2f}"
                  f"{target:>8}{in_app:>11}{f['cpu_ms']:>8.2f}"
                  f"{f['p95_ratio_to_floor_beside']:>18.2f}{f['cpu_ratio_to_floor_beside']:>10.2f}"
                  f"{f['machine_ratio_to_floor_beside']:>14.2f}")  # fmt: skip
    rules = results["rules"]
    print(f"\ndecide median {rules['decide_median_us']:.2f} us; available_actions per teacher "
          f"median {rules['available_actions_median_us']:.2f} us")  # fmt: skip
    delivery = results.get("delivery", {"backend": "not run", "rows": {}})
    print(f"From bench/delivery_bench.py (console data on {delivery['backend']}):")
    for name, row in delivery["rows"].items():
        share = f" ({row['share_of_bare']:.0%} of bare)" if row["share_of_bare"] else ""
        print(f"  {name:<34} {row['count']:>8,} in {row['seconds']:>6.1f} s, "
              f"{row['per_second']:>6,.0f} per second{share}")  # fmt: skip
    if "reconcile_share_of_spread_bare" in delivery:
        print(f"  reconcile vs bare GETs spread over as many processes: "
              f"{delivery['reconcile_share_of_spread_bare']:.0%}")  # fmt: skip
    print("The write's req/s is journeys a second (its untimed pages included). Locust reports "
          "times above 100 ms to two significant figures. 'in app ms' is the mean time the "
          "console itself spent on the page (its request metrics); the rest of locust's time is "
          "waiting to be served. 'cpu ms' is the CPU the console's web processes used per request "
          "while the page was loaded (per journey for the write: its four untimed pages "
          "included). 'machine' is the CPU the whole machine used per request meanwhile (the "
          "console, PostgreSQL, the sandbox and locust): the closed loop's latencies follow it. "
          "'beside' compares the page with a floor loaded just before it, so a "
          "machine that slows or speeds up during the run does not move the ratio. The import "
          "has its own bench: `make bench-import`.")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teachers", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=15, help="of load per page")
    parser.add_argument(
        "--threads", type=int, default=4, help="per gunicorn worker (Dockerfile: 4)"
    )
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL")
    parser.add_argument("--only-postgres", action="store_true", help="PostgreSQL alone")
    parser.add_argument(
        "--pages", nargs="*", default=[], help="only these pages (and the floor), to iterate"
    )
    parser.add_argument("--no-delivery", action="store_true", help="leave out delivery figures")
    parser.add_argument(
        "--no-floor-beside", action="store_true", help="no floor load before each page"
    )
    args = parser.parse_args()
    results = {"started_at": datetime.now(UTC).isoformat(), "backends": {}}
    with tempfile.TemporaryDirectory(prefix="web-bench-") as workdir:
        backends = ("sqlite", "postgresql") if args.postgres else ("sqlite",)
        for backend in ("postgresql",) if args.only_postgres else backends:
            results["backends"][backend] = run_backend(args, backend, Path(workdir))
        if not args.no_delivery:
            results["delivery"] = delivery_figures(
                Path(workdir), args.postgres or args.only_postgres
            )
    results["rules"] = rules_figures()
    report(results)
    out = ROOT / "bench" / "results" / f"web-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
