"""Test databases: SQLite always, PostgreSQL when the run asks for it.

`TEST_DATABASES` (comma-separated, default "sqlite") chooses which backends the database-backed
tests run on; `make test` adds "postgresql" whenever a server answers on 127.0.0.1:5432 and CI
insists on it. Each pytest-xdist worker gets its own PostgreSQL database, migrated once with Alembic
(the real migrations, never `create_all`), and every test starts from empty tables.
"""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
from sqlalchemy import Engine, text

from app.db import make_engine
from app.migrations import upgrade

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
TABLES_CHILD_FIRST = (
    "write_tokens",
    "trs_write_locks",
    "user_sessions",
    "account_events",
    "sign_in_throttles",
    "manual_requests",
    "appeals",
    "outbox",
    "events",
    "teacher_search_index",
    "extensions",
    "induction_periods",
    "teachers",
    "appropriate_bodies",
    "users",
)


def backends() -> list[str]:
    return [b.strip() for b in os.environ.get("TEST_DATABASES", "sqlite").split(",") if b.strip()]


def create_database(backend: str, worker: str, tmp_dir: Path) -> str:
    """A fresh, migrated database for this worker; returns its SQLAlchemy URL."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_dir / f'console-{worker}.sqlite'}"
    elif backend == "postgresql":
        # The pid keeps two runs on one machine (two terminals, CI beside a developer) apart.
        name = f"induction_console_test_{worker}_{os.getpid()}"
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
        base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace(
            "postgresql://", "postgresql+psycopg://"
        )
        url = f"{base}/{name}"
    else:
        raise ValueError(f"Unknown test database backend {backend!r}")
    upgrade(url)
    return url


def drop_database(url: str) -> None:
    """Remove a PostgreSQL test database when its session ends (a SQLite file goes with tmp)."""
    if not url.startswith("postgresql"):
        return
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def empty_tables(engine: Engine) -> None:
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # A test that leaks an open session would otherwise make this wait forever.
            connection.execute(text("SET LOCAL lock_timeout = '20s'"))
            connection.execute(
                text(f"TRUNCATE {', '.join(TABLES_CHILD_FIRST)} RESTART IDENTITY CASCADE")
            )
        else:
            for table in TABLES_CHILD_FIRST:
                connection.execute(text(f"DELETE FROM {table}"))


def engine_for(url: str) -> Engine:
    return make_engine(url)
