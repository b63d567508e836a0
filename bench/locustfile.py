"""The load web_bench.py puts on the console: locust users on one page at a time.

Run by web_bench.py (`locust --headless -f bench/locustfile.py ...`), once per page, with:
BENCH_PAGE, the page's name in the plan; BENCH_PLAN, a JSON file of page -> URLs; BENCH_USERS, how
many users; BENCH_EMAIL and BENCH_PASSWORD, the seeded users' sign-in (`{n}` is the user's number). Only requests named after
the page count: sign-in, a warm-up request per user (a worker compiles a page's templates on first
use) and the write's journey steps are recorded under other names, and the page's requests start
only once every user has signed in and warmed up (then BENCH_READY_FILE, if set, is created).

Reads pick a URL at random. The write walks the add-an-extension journey and times only the check
page's POST (302 means saved); every user works through its own teachers, so no two writes meet.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from pathlib import Path

from gevent.event import Event
from locust import FastHttpUser, constant, task
from locust.exception import StopUser

PAGE = os.environ.get("BENCH_PAGE", "")
PLAN: dict[str, list[str]] = (
    json.loads(Path(os.environ["BENCH_PLAN"]).read_text()) if "BENCH_PLAN" in os.environ else {}
)
SIGNED_OUT = PAGE.startswith("floor")  # a signed-in GET /sign-in only redirects
WRITE = PAGE.startswith("add extension")
USERS = int(os.environ.get("BENCH_USERS", "20"))
READY_FILE = os.environ.get("BENCH_READY_FILE")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_numbers = itertools.count()
_ready = itertools.count(1)
_all_ready = Event()


class Caseworker(FastHttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        self.number = next(_numbers)
        self.pick = random.Random(self.number)
        self.urls = PLAN[PAGE]
        self.writes = iter(self.urls[self.number % USERS :: USERS])
        if not SIGNED_OUT:
            self._sign_in()
        if not WRITE:
            self.client.get(self.urls[0], name="warm-up")
        # No user starts until all have signed in: a sign-in's password hash is costly work that
        # the page's own figures should not carry.
        if next(_ready) >= USERS:
            _all_ready.set()
            if READY_FILE:  # web_bench.py starts counting the console's CPU from here
                Path(READY_FILE).touch()
        _all_ready.wait()

    def _sign_in(self) -> None:
        token = CSRF.search(self.client.get("/sign-in", name="sign-in").text).group(1)
        email = os.environ["BENCH_EMAIL"].format(n=self.number % USERS)
        form = {"email": email, "password": os.environ["BENCH_PASSWORD"], "csrf_token": token}
        with self.client.post(
            "/sign-in", data=form, name="sign-in", allow_redirects=False, catch_response=True
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"sign-in answered {answer.status_code}")

    @task
    def visit(self) -> None:
        if WRITE:
            start = next(self.writes, None)
            if start is None:  # this user's teachers are all extended
                raise StopUser()
            self._add_extension(start)
            return
        with self.client.get(self.pick.choice(self.urls), name=PAGE, catch_response=True) as page:
            if page.status_code != 200:
                page.failure(f"status {page.status_code}")

    def _add_extension(self, start: str) -> None:
        steps = {"name": "journey steps", "allow_redirects": False}
        first = self.client.get(start, **steps).headers["location"]
        token = CSRF.search(self.client.get(first, **steps).text).group(1)
        answered = self.client.post(
            first, data={"number_of_terms": "1", "csrf_token": token}, **steps
        )
        check = answered.headers["location"]
        self.client.get(check, **steps)
        with self.client.post(
            check,
            data={"csrf_token": token},
            name=PAGE,
            allow_redirects=False,
            catch_response=True,
        ) as saved:
            if saved.status_code != 302:
                saved.failure(f"status {saved.status_code}")
