"""How fast the console's pages answer at national scale (issue 8's benchmark): prints, asserts nothing.

Seeds N teachers (about 2.5 periods each, one in five with an extension) with bulk Core inserts
into a fresh, migrated SQLite file (and PostgreSQL with --postgres), the TRS sandbox to match and
the name index, then serves the console under gunicorn (2 workers of 4 threads each, as the
Dockerfile does: a thread waiting on TRS must not hold a whole worker) and drives it from a
separate process: 20 threads, each signed in with its own cookie jar. Per page: p50/p95/p99,
errors and the ratio of its p95 to the floor's. The floor is GET /sign-in: the same base template
and no database query (the bench adds no route to the app). The sandbox adds 20 ms to every TRS
call. The write is the add-an-extension journey: each user walks it for a different teacher
(untimed) and only the check page's POST, which writes the extension, its audit event and its
outbox entry in one transaction, is timed.

Run from the repo root: `python bench/web_bench.py [--teachers N] [--postgres]`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from statistics import median, quantiles

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
PASSWORD = "bench-password-not-a-secret"
FIRST_NAMES = ("Amara", "Ben", "Chloe", "Dev", "Elif", "Finn", "Grace", "Hugo", "Isla", "Jay")
LAST_NAMES = ("Smith", "Jones", "Patel", "Okafor", "Nowak", "Murphy", "Khan", "Evans", "Li", "Roy")
STARTED = date(2023, 9, 4)
FLOOR = "floor (GET /sign-in)"  # base template, no query: the bench adds no route
WRITE = "add extension (POST)"


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
            [{"email": EMAIL.format(n=n), "role": "caseworker", "active": True,
              "password_hash": password_hash, "created_at": now} for n in range(USERS)],
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
           "INDUCTION_CONSOLE_ENV": "development", "SECRET_KEY": "bench-secret"}  # fmt: skip
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


# -- the load generator: `web_bench.py --drive BASE` in its own process -----------------------


def signed_in(base: str, n: int) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30, follow_redirects=False)
    page = client.get("/sign-in").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = client.post(
        "/sign-in", data={"email": EMAIL.format(n=n), "password": PASSWORD, "csrf_token": token}
    )
    if answer.status_code != 302:
        raise RuntimeError(f"sign-in answered {answer.status_code}")
    return client


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def add_extension(client: httpx.Client, start: str) -> tuple[float, int]:
    """Walk the add-an-extension journey untimed; time only the check page's POST (302 = saved)."""
    first = client.get(start).headers["location"]
    token = CSRF.search(client.get(first).text).group(1)
    check = client.post(first, data={"number_of_terms": "1", "csrf_token": token})
    check_url = check.headers["location"]
    client.get(check_url)
    started = time.perf_counter()
    status = client.post(check_url, data={"csrf_token": token}).status_code
    return (time.perf_counter() - started) * 1000, (200 if status == 302 else status)


def fetch(client: httpx.Client, url: str) -> tuple[float, int]:
    started = time.perf_counter()
    status = client.get(url).status_code
    return (time.perf_counter() - started) * 1000, status


def drive(base: str, plan: dict[str, list[str]], per_user: int) -> dict[str, dict]:
    """Each page in turn: USERS threads, each sending `per_user` requests; timings in ms. The
    floor goes out signed out (a signed-in GET /sign-in only redirects). Reads pick URLs at
    random after one untimed request each (a worker compiles a page's templates on first use);
    the write gives every request its own teacher, so no two writes meet."""
    signed = [signed_in(base, n) for n in range(USERS)]
    signed_out = [httpx.Client(base_url=base, timeout=30) for _ in range(USERS)]
    results = {}
    for page, urls in plan.items():
        clients = signed_out if page == FLOOR else signed
        timings: list[float] = []
        errors: list[int] = []
        lock = threading.Lock()

        def user(n: int, page=page, urls=urls, clients=clients, timings=timings, errors=errors,
                 lock=lock):  # fmt: skip
            pick = random.Random(n)
            if page != WRITE:  # untimed: the first request compiles the page's templates
                fetch(clients[n], urls[0])
            for i in range(per_user):
                try:
                    if page == WRITE:
                        took, status = add_extension(
                            clients[n], urls[(n * per_user + i) % len(urls)]
                        )
                    else:
                        took, status = fetch(clients[n], pick.choice(urls))
                except (httpx.HTTPError, KeyError, AttributeError):
                    took, status = 0.0, 0  # no answer, or a journey page that went astray
                with lock:
                    if status:  # a request with no answer has no time worth counting
                        timings.append(took)
                    if status != 200:
                        errors.append(status)

        started = time.perf_counter()
        threads = [threading.Thread(target=user, args=(n,)) for n in range(USERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        cuts = quantiles(timings, n=100)
        results[page] = {"requests": len(timings), "errors": len(errors),
                         "p50": cuts[49], "p95": cuts[94], "p99": cuts[98],
                         "per_second": len(timings) / (time.perf_counter() - started)}  # fmt: skip
    return results


def plan_for(trns: list[str]) -> dict[str, list[str]]:
    rng = random.Random(8)
    sample = rng.sample(trns, min(500, len(trns)))
    return {
        FLOOR: ["/sign-in"],
        "search by TRN": [f"/teachers?q={trn}" for trn in sample],
        "search by name": [f"/teachers?q={name_of(int(t) - FIRST_TRN)[1]}" for t in sample]
        + [f"/teachers?q={last.lower()}" for last in LAST_NAMES],
        "teacher page": [f"/teachers/{trn}" for trn in sample],
        "rules page": ["/rules"],
        WRITE: [f"/teachers/{trn}/add-extension" for trn in rng.sample(trns, min(500, len(trns)))],
    }


def run_backend(args: argparse.Namespace, backend: str, workdir: Path) -> dict:
    started = time.perf_counter()
    url = create_database(backend, "bench", workdir)  # fresh, migrated (app.migrations.upgrade)
    with SandboxProcess(workdir / f"sandbox-{backend}.sqlite", seed=False) as sandbox:
        admin = SandboxAdmin(sandbox.base_url, timeout=120)
        trns = seed(url, admin, args.teachers)
        seeded = time.perf_counter() - started
        admin.faults(latency_ms=20, share=1.0)
        server, base = serve(url, sandbox.base_url, args.threads)
        try:
            driver = subprocess.run(
                [sys.executable, __file__, "--drive", base, "--per-user", str(args.per_user)],
                input=json.dumps(plan_for(trns)), capture_output=True, text=True, check=True,
            )  # fmt: skip
        finally:
            server.terminate()
            server.wait(10)
            admin.close()
    drop_database(url)
    pages = json.loads(driver.stdout)
    floor = pages[FLOOR]["p95"]
    for figures in pages.values():
        figures["p95_ratio_to_floor"] = figures["p95"] / floor
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


def delivery_figures(workdir: Path) -> dict:
    """Delivery and reconcile rates from bench/delivery_bench.py (its defaults), run as it is."""
    out = workdir / "delivery.json"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "delivery_bench.py"), "--json", str(out)],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return json.loads(out.read_text())


def report(results: dict) -> None:
    for backend, run in results["backends"].items():
        print(f"\n{backend}: {run['teachers']:,} teachers (seeded in {run['seed_seconds']:.0f} s), "
              f"{USERS} users, 2 workers x {run['threads']} threads, TRS latency 20 ms")  # fmt: skip
        print(f"{'page':<22}{'reqs':>6}{'errors':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
              f"{'req/s':>8}{'p95/floor':>10}")  # fmt: skip
        for page, f in run["pages"].items():
            print(f"{page:<22}{f['requests']:>6}{f['errors']:>7}{f['p50']:>9.1f}{f['p95']:>9.1f}"
                  f"{f['p99']:>9.1f}{f['per_second']:>8.1f}{f['p95_ratio_to_floor']:>10.2f}")  # fmt: skip
    rules = results["rules"]
    print(f"\ndecide median {rules['decide_median_us']:.2f} us; available_actions per teacher "
          f"median {rules['available_actions_median_us']:.2f} us")  # fmt: skip
    delivery = results["delivery"]
    print(f"From bench/delivery_bench.py (console data on {delivery['backend']}):")
    for name, row in delivery["rows"].items():
        share = f" ({row['share_of_bare']:.0%} of bare)" if row["share_of_bare"] else ""
        print(f"  {name:<30} {row['per_second']:>8,.0f} per second{share}")
    print("The write's req/s counts its untimed journey pages too. The import has its own bench: "
          "`make bench-import`.")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teachers", type=int, default=100_000)
    parser.add_argument("--per-user", type=int, default=25, help="requests per user per page")
    parser.add_argument(
        "--threads", type=int, default=4, help="per gunicorn worker (Dockerfile: 4)"
    )
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL")
    parser.add_argument("--drive", metavar="BASE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        print(json.dumps(drive(args.drive, json.loads(sys.stdin.read()), args.per_user)))
        return
    results = {"started_at": datetime.now(UTC).isoformat(), "backends": {}}
    with tempfile.TemporaryDirectory(prefix="web-bench-") as workdir:
        for backend in ("sqlite", "postgresql") if args.postgres else ("sqlite",):
            results["backends"][backend] = run_backend(args, backend, Path(workdir))
        results["delivery"] = delivery_figures(Path(workdir))
    results["rules"] = rules_figures()
    report(results)
    out = ROOT / "bench" / "results" / f"web-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
