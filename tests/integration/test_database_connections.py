"""PostgreSQL connections: a pooled one that died is replaced; a request's reads stay prepared and
run outside a transaction until its first write.

The pool pings only connections that sat unused for a while (a ping on every checkout is a round
trip on every request); these tests close the server side of an idle connection and check the next
checkout still answers, and that a connection in steady use is not pinged. A request that only
read ends with a commit, so psycopg keeps its prepared statements; one that wrote and did not
commit is rolled back.
"""

from __future__ import annotations

import time

import psycopg
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app import db
from app.models import AppropriateBody
from tests.support.database import POSTGRES_ADMIN_URL, backends, create_database, drop_database


def _terminate(pid: int) -> None:
    """End a backend as a server restart would, and wait until it is gone."""
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        for _ in range(200):
            alive = admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,))
            if alive.fetchone() is None:
                return
            time.sleep(0.01)
    raise AssertionError(f"backend {pid} did not end")


if "postgresql" in backends():

    @pytest.fixture
    def own_engine(tmp_path):
        """A fresh, migrated PostgreSQL database of its own, through the console's engine."""
        url = create_database("postgresql", "connections", tmp_path)
        made = db.make_engine(url)
        yield made
        made.dispose()
        drop_database(url)

    def _backend_pid(engine) -> int:
        with engine.connect() as connection:
            return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()

    def test_an_idle_connection_closed_by_the_server_is_replaced(own_engine, monkeypatch) -> None:
        first = _backend_pid(own_engine)
        _terminate(first)
        monkeypatch.setattr(db, "IDLE_BEFORE_PING", 0.0)  # as if it had sat unused
        assert _backend_pid(own_engine) != first

    def test_a_connection_in_steady_use_is_not_pinged(own_engine) -> None:
        """Without a ping, a dead connection just used shows itself at the first statement; the
        pool then drops it, so the request after gets a good one."""
        first = _backend_pid(own_engine)
        _terminate(first)
        with pytest.raises(DBAPIError) as failed, own_engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        assert failed.value.connection_invalidated
        assert _backend_pid(own_engine) != first

    def test_a_request_that_only_read_keeps_its_statements_prepared(own_engine) -> None:
        sessions = db.make_session_factory(own_engine)
        for _ in range(8):  # psycopg prepares a statement at its fifth use
            session = sessions()
            session.scalars(select(AppropriateBody).where(AppropriateBody.name == "x")).all()
            db.close_request_session(session)
        with own_engine.connect() as connection:
            prepared = connection.execute(text("SELECT statement FROM pg_prepared_statements"))
            assert any("appropriate_bodies" in row for row in prepared.scalars())

    def _transaction_started(pid: int):
        """When the backend's open transaction began (None: it has none), seen from outside."""
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            found = admin.execute("SELECT xact_start FROM pg_stat_activity WHERE pid = %s", (pid,))
            return found.fetchone()[0]

    def test_reads_run_outside_a_transaction_until_the_first_write(own_engine) -> None:
        """No BEGIN and COMMIT for a request that only reads; from the first write to the
        commit, one transaction holds everything, reads included."""
        sessions = db.make_session_factory(own_engine)
        session = sessions()
        try:
            pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
            session.scalars(select(AppropriateBody)).all()
            assert _transaction_started(pid) is None
            session.add(AppropriateBody(name="Written"))
            session.flush()
            began = _transaction_started(pid)
            assert began is not None
            assert session.scalars(select(AppropriateBody.name)).all() == ["Written"]
            assert _transaction_started(pid) == began
            with sessions() as other:  # not committed: nobody else sees it yet
                assert other.scalars(select(AppropriateBody.name)).all() == []
            session.rollback()
            assert _transaction_started(pid) is None
            assert session.scalars(select(AppropriateBody.name)).all() == []
        finally:
            session.close()

    def test_a_read_that_locks_rows_begins_the_transaction(own_engine) -> None:
        sessions = db.make_session_factory(own_engine)
        with sessions() as setup:
            setup.add(AppropriateBody(name="Locked"))
            setup.commit()
        session = sessions()
        try:
            session.scalars(select(AppropriateBody).with_for_update()).all()
            # Outside a transaction the lock would have gone with the statement.
            with pytest.raises(DBAPIError), own_engine.connect() as other:
                other.execute(text("SELECT id FROM appropriate_bodies FOR UPDATE NOWAIT"))
            session.commit()
            with own_engine.connect() as other:
                assert other.execute(
                    text("SELECT id FROM appropriate_bodies FOR UPDATE NOWAIT")
                ).all()
        finally:
            session.close()

    def test_connections_go_back_to_the_pool_in_transactions(own_engine) -> None:
        sessions = db.make_session_factory(own_engine)
        session = sessions()
        session.scalars(select(AppropriateBody)).all()
        db.close_request_session(session)
        raw = own_engine.raw_connection()  # the same pooled connection, with no transaction begun
        try:
            assert raw.driver_connection.autocommit is False
        finally:
            raw.close()

    def test_a_connection_asked_to_autocommit_is_left_to_autocommit(own_engine) -> None:
        """VACUUM cannot run in a transaction: a write there must not begin one."""
        with own_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM appropriate_bodies"))


@pytest.mark.parametrize("backend", backends())
def test_a_request_that_wrote_without_committing_is_rolled_back(backend, tmp_path) -> None:
    """On either database: whatever a request flushed and its service did not commit goes."""
    url = create_database(backend, "connections-rollback", tmp_path)
    engine = db.make_engine(url)
    sessions = db.make_session_factory(engine)
    try:
        session = sessions()
        session.scalars(select(AppropriateBody)).all()
        session.add(AppropriateBody(name="Half a write"))
        session.flush()
        db.close_request_session(session)
        with sessions() as check:
            assert check.scalars(select(AppropriateBody.name)).all() == []
    finally:
        engine.dispose()
        drop_database(url)
