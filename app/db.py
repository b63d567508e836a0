"""The database engine and sessions.

Plain SQLAlchemy 2 (no Flask extension): one engine per app, one session per request, committed by
the service that makes a change and closed when the request ends.
"""

from __future__ import annotations

import re
import time
from contextlib import suppress
from functools import lru_cache

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker


class Base(DeclarativeBase):
    pass


def make_engine(url: str) -> Engine:
    """An engine; SQLite gets foreign keys, a busy timeout and WAL so a worker can run beside it.

    Every engine notes whether a transaction ran anything but SELECTs (`close_request_session`
    commits only one that did not). On PostgreSQL, as pysqlite does on SQLite, a transaction
    begins at its first write: the plain SELECTs before it run on their own
    (`_read_outside_transaction`)."""
    if url.startswith("sqlite"):
        # pysqlite begins transactions itself, lazily, at the first write. That keeps concurrent
        # readers cheap but makes SAVEPOINTs unreliable, so no code here uses begin_nested().
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

    else:
        engine = create_engine(url, pool_recycle=RECYCLE_SECONDS)
        event.listen(engine, "connect", _note_checkin)  # a new connection needs no ping
        event.listen(engine, "checkin", _note_checkin)
        event.listen(engine, "checkin", _end_reading_outside)
        event.listen(engine, "checkout", _ping_if_idle)
        event.listen(engine, "begin", _read_outside_transaction)
        event.listen(engine, "before_cursor_execute", _begin_before_writing)
    event.listen(engine, "begin", _forget_writes)
    event.listen(engine, "before_cursor_execute", _note_write)
    return engine


def close_request_session(session: Session) -> None:
    """Close a request's session. A transaction that only read is committed, not rolled back:
    the two end it the same way, but psycopg forgets every prepared statement at a rollback, so
    rolling back each page's reads meant PostgreSQL parsed and planned every query afresh."""
    if session.in_transaction() and not session.connection().info.get(WROTE):
        with suppress(exc.DBAPIError):  # it only read: closing (a rollback) ends it as well
            session.commit()
    session.close()


WROTE = "induction_console.wrote"


def _forget_writes(connection: Connection) -> None:
    connection.info.pop(WROTE, None)


def _note_write(connection: Connection, _cursor, statement: str, *_args) -> None:  # noqa: ANN001
    if _writes(statement):
        connection.info[WROTE] = True


@lru_cache(maxsize=4096)
def _writes(statement: str) -> bool:
    """Whether a statement is anything but a SELECT (asked of every statement, so kept)."""
    return statement.lstrip()[:6].upper() != "SELECT"


# A connection back from the pool after this long unused is pinged before use (a database restart
# or a firewall may have closed it); one in steady use is not, since a ping is a round trip on
# every request. Connections are replaced outright after RECYCLE_SECONDS.
IDLE_BEFORE_PING = 10.0
RECYCLE_SECONDS = 1800


def _note_checkin(dbapi_connection, record) -> None:  # noqa: ANN001 - SQLAlchemy's pool event
    record.info["checked_in"] = time.monotonic()


def _ping_if_idle(dbapi_connection, record, proxy) -> None:  # noqa: ANN001 - pool event
    if time.monotonic() - record.info.get("checked_in", 0.0) < IDLE_BEFORE_PING:
        return
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        dbapi_connection.commit()  # not rollback, which drops psycopg's prepared statements
    except Exception as error:
        # The pool discards this connection and checks out (or opens) another.
        raise exc.DisconnectionError() from error


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


# Reads outside a transaction (PostgreSQL). psycopg sends BEGIN, a round trip of its own, before a
# transaction's first statement, and COMMIT after its last: a page that only reads paid two round
# trips for nothing, since at READ COMMITTED each statement sees the data as of its own start
# whether or not a transaction holds it. So a transaction's connection starts in autocommit, and
# goes back to transactions just before the first statement that writes or locks rows; from
# there to COMMIT everything is one transaction, as before. A guard on a write (a version in the
# WHERE clause, a unique key, FOR UPDATE) is a statement inside the transaction, and is unchanged.
# pysqlite has always begun SQLite's transactions at the first write in the same way.
READING_OUTSIDE = "induction_console.reading_outside"
_LOCKS_ROWS = re.compile(r"\bFOR\s+(?:NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b", re.I)


@lru_cache(maxsize=4096)
def _needs_transaction(statement: str) -> bool:
    """Whether a statement writes or locks (anything but a plain SELECT)."""
    return _writes(statement) or bool(_LOCKS_ROWS.search(statement))


def _read_outside_transaction(connection: Connection) -> None:
    dbapi_connection = connection.connection.dbapi_connection
    # Not a connection someone asked to autocommit (VACUUM, CREATE DATABASE), nor one mid-way.
    if dbapi_connection.autocommit or dbapi_connection.info.transaction_status:
        return
    dbapi_connection.autocommit = True
    connection.info[READING_OUTSIDE] = True


def _begin_before_writing(connection: Connection, _cursor, statement: str, *_args) -> None:  # noqa: ANN001
    if connection.info.get(READING_OUTSIDE) and _needs_transaction(statement):
        connection.connection.dbapi_connection.autocommit = False  # BEGIN goes with this one
        del connection.info[READING_OUTSIDE]


def _end_reading_outside(dbapi_connection, record) -> None:  # noqa: ANN001 - pool event
    """Hand the connection back to the pool as it came: in transactions."""
    if record.info.pop(READING_OUTSIDE, None) and dbapi_connection is not None:
        dbapi_connection.autocommit = False
