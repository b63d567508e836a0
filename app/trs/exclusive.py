"""One at a time across processes: a named lock held for as long as a job runs.

Reconciliation must not overlap itself (two runs would open the same drift request twice and
read TRS twice as hard), whether it was started by the scheduler or by hand, on this host or
another.

- PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) on a connection kept for the
  job. The server drops it when the job ends or its process dies, so a crash never leaves it held.
- SQLite: an exclusive `flock` on a file beside the database. Every process using a SQLite file is
  on its host, and the kernel drops the lock with the process.
"""

from __future__ import annotations

import fcntl
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text


@contextmanager
def exclusively(engine: Engine, name: str) -> Iterator[bool]:
    """Hold the lock called `name` for the block; yields False (at once) if another holds it."""
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, name) as held:
            yield held
    elif engine.dialect.name == "sqlite":
        with _file_lock(engine, name) as held:
            yield held
    else:
        raise RuntimeError(f"no lock for {engine.dialect.name}")


def _lock_key(name: str) -> int:
    """A stable 32-bit key for the name (advisory locks are keyed by integers)."""
    return zlib.crc32(f"induction-console:{name}".encode())


@contextmanager
def _advisory_lock(engine: Engine, name: str) -> Iterator[bool]:
    key = _lock_key(name)
    with engine.connect() as connection:
        held = bool(connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))
        connection.commit()
        try:
            yield held
        finally:
            if held:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                connection.commit()


@contextmanager
def _file_lock(engine: Engine, name: str) -> Iterator[bool]:
    database = engine.url.database
    if not database or database == ":memory:":
        raise RuntimeError("an in-memory SQLite database has no other process to lock out")
    path = Path(database).with_name(f"{Path(database).name}.{name}.lock")
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


__all__ = ["exclusively"]
