"""The database engine and sessions.

Plain SQLAlchemy 2 (no Flask extension): one engine per app, one session per request, committed by
the service that makes a change and closed when the request ends.
"""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker


class Base(DeclarativeBase):
    pass


def make_engine(url: str) -> Engine:
    """An engine; SQLite gets foreign keys, a busy timeout and WAL so a worker can run beside it."""
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

        return engine
    return create_engine(url, pool_pre_ping=True)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)
