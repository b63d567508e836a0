"""One fixture style for the whole suite.

- `app`: the console on a fresh, migrated database (SQLite, and PostgreSQL when TEST_DATABASES says
  so: every database-backed test runs once per backend), talking to a real TRS sandbox process, with
  a FixedClock so tests can travel in time.
- `db`: a session on that database, for arranging and checking rows.
- `client_request`: a test client whose every GET is a checked page; `signed_in_as(role)` gives one
  signed in with that role.
- `trs_sandbox` / `sandbox_admin`: the sandbox process and its `/_sandbox/` area (reset per test).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime

import pytest
from flask import Flask
from hypothesis import HealthCheck, settings
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from app import create_app
from app.clock import LONDON, FixedClock
from app.models import AppropriateBody, Teacher, User
from tests.support.database import (
    backends,
    create_database,
    drop_database,
    empty_tables,
    engine_for,
)
from tests.support.pages import ClientRequest

pytest_plugins = ["tests.support.sandbox"]

# Property tests judge answers, not speed: on a loaded 2-core machine generating examples can be
# slow, which is no defect of the code under test.
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")

TEST_PASSWORD = "correct-horse-battery"
TEST_PASSWORD_HASH = generate_password_hash(TEST_PASSWORD)  # hashed once: scrypt is slow on purpose
TODAY = date(2026, 11, 2)  # a Monday


@pytest.fixture(scope="session", params=backends())
def database_url(request, tmp_path_factory, worker_id) -> Iterator[str]:
    url = create_database(request.param, worker_id, tmp_path_factory.mktemp("db"))
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def database_engine(database_url):
    engine = engine_for(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(TODAY.year, TODAY.month, TODAY.day, 10, 0, tzinfo=LONDON))


@pytest.fixture
def app_settings() -> dict[str, object]:
    """More settings for the `app` fixture; a test module overrides it (single sign-on, say)."""
    return {}


@pytest.fixture
def app(
    database_url, database_engine, trs_sandbox, sandbox_admin, clock, app_settings
) -> Iterator[Flask]:
    empty_tables(database_engine)
    app = create_app(
        "test",
        DATABASE_URL=database_url,
        TRS_API_BASE_URL=trs_sandbox.base_url,
        CLOCK=clock,
        **app_settings,
    )
    yield app
    app.extensions["db_engine"].dispose()
    app.extensions["trs"].client.close()


@pytest.fixture
def db(app) -> Iterator[Session]:
    with app.extensions["db_sessions"]() as session:
        yield session


@pytest.fixture
def users(app, db, clock) -> dict[str, str]:
    """One account per role; returns role -> email."""
    emails = {}
    for role in ("caseworker", "appeals_officer", "senior_caseworker", "viewer", "admin"):
        email = f"{role.replace('_', '.')}@example.gov.uk"
        db.add(
            User(
                email=email,
                role=role,
                active=True,
                password_hash=TEST_PASSWORD_HASH,
                created_at=clock.now(),
            )
        )
        emails[role] = email
    db.commit()
    return emails


@pytest.fixture
def client_request(app) -> ClientRequest:
    return ClientRequest(app, app.test_client())


@pytest.fixture
def signed_in_as(app, users) -> Callable[[str], ClientRequest]:
    def sign_in(role: str) -> ClientRequest:
        request = ClientRequest(app, app.test_client())
        response = request.sign_in(users[role], TEST_PASSWORD)
        assert response.headers["Location"] == ("/users" if role == "admin" else "/teachers")
        return request

    return sign_in


SECOND_SENIOR = "second.senior@example.gov.uk"


@pytest.fixture
def second_senior(app, db, users, clock) -> ClientRequest:
    """Another senior caseworker: the one who may decide the first one's requests."""
    db.add(
        User(
            email=SECOND_SENIOR,
            role="senior_caseworker",
            active=True,
            password_hash=TEST_PASSWORD_HASH,
            created_at=clock.now(),
        )
    )
    db.commit()
    request = ClientRequest(app, app.test_client())
    request.sign_in(SECOND_SENIOR, TEST_PASSWORD)
    return request


@pytest.fixture
def appropriate_body(db) -> AppropriateBody:
    body = AppropriateBody(name="Alpha Teaching School Hub")
    db.add(body)
    db.commit()
    return body


@pytest.fixture
def add_teacher(db, sandbox_admin, clock) -> Callable[..., Teacher]:
    """A teacher in CPD and, unless `in_trs=False`, in the sandbox."""

    def add(trn: str, *, in_trs: bool = True, **person) -> Teacher:
        if in_trs:
            sandbox_admin.create_person(
                trn=trn,
                firstName=person.get("first_name", "Test"),
                lastName=person.get("last_name", f"Teacher {trn}"),
                dateOfBirth=person.get("date_of_birth", "1995-01-01"),
                qtsDate=person.get("qts_date", "2020-07-01"),
                induction=person.get("induction"),
            )
        teacher = Teacher(trn=trn, created_at=clock.now(), updated_at=clock.now())
        db.add(teacher)
        db.commit()
        return teacher

    return add


def pytest_terminal_summary(terminalreporter) -> None:
    """Figures a test reports with `record_property("figures", text)`, printed after the run
    (xdist workers' own output never reaches the terminal)."""
    for report in terminalreporter.stats.get("passed", []):
        for name, value in report.user_properties:
            if name == "figures":
                terminalreporter.write_line(value)
