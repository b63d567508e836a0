"""The sandbox's state: persons and the log of accepted CPD PUTs, in one SQLite file.

Stdlib `sqlite3` only (the sandbox must not load the console's models). Connections are pooled and
handed to one request at a time; the database runs in WAL mode so reads never wait for the single
writer, and writes are serialised by a process lock (SQLite allows one writer anyway). Every lookup
is by primary key or an index, and the schema is created once at start, never per request.

A person keeps two inductions, as TRS does:

- the TRS console's (`trs_*` plus `exemption_reason_ids`), set by `/_sandbox/` as the TRS console
  would set it;
- CPD's (`cpd_*` plus `cpd_modified_on`), set by accepted `PUT .../cpd-induction` calls.

The status TRS shows (`status`, `start_date`, `completed_date`) is worked out from both whenever
either changes (`shown_induction`), and stored so a read is one row fetch.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

INDUCTION_STATUSES = (
    "None",
    "RequiredToComplete",
    "Exempt",
    "InProgress",
    "Passed",
    "Failed",
    "FailedInWales",
)
EXEMPTION_REASONS_CSV = (
    Path(__file__).resolve().parent.parent / "data" / "trs-exemption-reasons.csv"
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS persons (
    trn TEXT PRIMARY KEY,
    first_name TEXT NOT NULL,
    middle_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL,
    date_of_birth TEXT NOT NULL,
    qts_date TEXT,
    deactivated INTEGER NOT NULL DEFAULT 0,
    merged_into TEXT,
    trs_status TEXT NOT NULL,
    trs_start_date TEXT,
    trs_completed_date TEXT,
    exemption_reason_ids TEXT NOT NULL DEFAULT '',
    cpd_status TEXT,
    cpd_start_date TEXT,
    cpd_completed_date TEXT,
    cpd_modified_on TEXT,
    cpd_modified_on_us INTEGER,
    last_writer TEXT NOT NULL DEFAULT 'trs',
    status TEXT NOT NULL,
    start_date TEXT,
    completed_date TEXT,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS cpd_requests (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    trn TEXT NOT NULL,
    received_at TEXT NOT NULL,
    body TEXT NOT NULL,
    request_id TEXT
);
CREATE INDEX IF NOT EXISTS cpd_requests_by_trn ON cpd_requests (trn, seq);
"""

_PERSON_COLUMNS = (
    "trn, first_name, middle_name, last_name, date_of_birth, qts_date, deactivated, merged_into, "
    "trs_status, trs_start_date, trs_completed_date, exemption_reason_ids, last_writer, "
    "status, start_date, completed_date, updated_at"
)
_INSERT_PERSON = f"INSERT INTO persons ({_PERSON_COLUMNS}) VALUES ({', '.join('?' * 17)})"


def utc_now_iso() -> str:
    """Now, as ISO-8601 UTC with milliseconds and a Z."""
    return iso_ms(datetime.now(UTC))


def iso_ms(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def epoch_us(moment: datetime) -> int:
    """Microseconds since the epoch: an exact, cheap key for the stale comparison."""
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def load_exemption_reasons(path: Path = EXEMPTION_REASONS_CSV) -> dict[str, str]:
    """TRS's exemption reasons, id -> name, in the CSV's order."""
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["inductionExemptionReasonId"]: row["name"] for row in csv.DictReader(handle)}


def shown_induction(
    trs: tuple[str, str | None, str | None],
    cpd: tuple[str | None, str | None, str | None],
    last_writer: str,
) -> tuple[str, str | None, str | None]:
    """The (status, start, completed) TRS shows, from the TRS console's and CPD's inductions.

    Exempt priority (docs/trs-contract.md): while the TRS console holds Exempt (with its reasons), CPD's
    InProgress or RequiredToComplete leave Exempt in place; CPD's Passed or Failed override it.
    Otherwise whichever side wrote last is shown.
    """
    cpd_status = cpd[0]
    if cpd_status is None:
        return trs
    if trs[0] == "Exempt" and cpd_status in ("InProgress", "RequiredToComplete"):
        return trs
    return cpd if last_writer == "cpd" else trs  # type: ignore[return-value]


@dataclass(frozen=True)
class NewPerson:
    """A person as `/_sandbox/persons` creates one (already validated)."""

    trn: str
    first_name: str
    middle_name: str
    last_name: str
    date_of_birth: str
    qts_date: str | None
    status: str
    start_date: str | None
    completed_date: str | None
    exemption_reason_ids: tuple[str, ...] = ()
    deactivated: bool = False
    merged_into: str | None = None

    def row(self, now: str) -> tuple[Any, ...]:
        return (
            self.trn,
            self.first_name,
            self.middle_name,
            self.last_name,
            self.date_of_birth,
            self.qts_date,
            1 if self.deactivated else 0,
            self.merged_into,
            self.status,
            self.start_date,
            self.completed_date,
            ",".join(self.exemption_reason_ids),
            "trs",
            self.status,
            self.start_date,
            self.completed_date,
            now,
        )


class DuplicateTrn(Exception):
    """A person with that TRN already exists."""


class UnknownPerson(Exception):
    """No person with that TRN."""


class SandboxStore:
    """All reads and writes of the sandbox's SQLite file."""

    def __init__(self, db_path: str | Path, pool_size: int = 64) -> None:
        self.db_path = str(db_path)
        self._pool_size = pool_size
        self._idle: list[sqlite3.Connection] = []
        self._write_lock = threading.Lock()
        self.exemption_reasons = load_exemption_reasons()
        with self.connection() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)
            logged = {row["name"] for row in conn.execute("PRAGMA table_info(cpd_requests)")}
            if "request_id" not in logged:  # a sandbox file from before requests carried ids
                conn.execute("ALTER TABLE cpd_requests ADD COLUMN request_id TEXT")

    # -- connections --------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.db_path, isolation_level=None, check_same_thread=False, timeout=10
        )
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=10000")
        return conn

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """A connection for this request only; returned to the pool afterwards."""
        try:
            conn = self._idle.pop()
        except IndexError:
            conn = self._open()
        try:
            yield conn
        finally:
            if conn.in_transaction:
                conn.rollback()
            if len(self._idle) < self._pool_size:
                self._idle.append(conn)
            else:
                conn.close()

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction at a time, committed on success, rolled back on error."""
        with self._write_lock, self.connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    def close(self) -> None:
        while self._idle:
            self._idle.pop().close()

    # -- reads --------------------------------------------------------------------------------

    def person(self, trn: str) -> sqlite3.Row | None:
        with self.connection() as conn:
            return conn.execute("SELECT * FROM persons WHERE trn = ?", (trn,)).fetchone()

    def resolve(self, trn: str) -> tuple[str, sqlite3.Row | None]:
        """How TRS answers a read of `trn`: ("active", row), ("deactivated", row),
        ("merged", retained row) or ("not_found", None). Merges are followed to the end."""
        with self.connection() as conn:
            row = conn.execute("SELECT * FROM persons WHERE trn = ?", (trn,)).fetchone()
            if row is None:
                return "not_found", None
            seen = {trn}
            while row["merged_into"] and row["merged_into"] not in seen:
                retained = conn.execute(
                    "SELECT * FROM persons WHERE trn = ?", (row["merged_into"],)
                ).fetchone()
                if retained is None:
                    break
                seen.add(retained["trn"])
                row = retained
        if row["deactivated"]:
            return "deactivated", row
        if row["trn"] != trn:
            return "merged", row
        return "active", row

    def persons(self) -> list[sqlite3.Row]:
        with self.connection() as conn:
            return conn.execute("SELECT * FROM persons ORDER BY trn").fetchall()

    def count(self) -> int:
        with self.connection() as conn:
            return conn.execute("SELECT count(*) FROM persons").fetchone()[0]

    def cpd_requests(self, trn: str | None = None, since: int = 0) -> list[dict[str, Any]]:
        with self.connection() as conn:
            if trn is None:
                rows = conn.execute(
                    "SELECT seq, trn, received_at, body, request_id FROM cpd_requests WHERE seq > ? "
                    "ORDER BY seq",
                    (since,),
                ).fetchall()
            else:
                rows = conn.execute(
                    "SELECT seq, trn, received_at, body, request_id FROM cpd_requests "
                    "WHERE trn = ? AND seq > ? ORDER BY seq",
                    (trn, since),
                ).fetchall()
        return [
            {
                "seq": r["seq"],
                "trn": r["trn"],
                "receivedAt": r["received_at"],
                "body": json.loads(r["body"]),
                "requestId": r["request_id"],
            }
            for r in rows
        ]

    # -- CPD's write (the /v3 PUT) ------------------------------------------------------------

    def set_cpd_induction(
        self,
        trn: str,
        status: str,
        start_date: str | None,
        completed_date: str | None,
        modified_on: datetime,
        body: str,
        request_id: str | None = None,
    ) -> tuple[str, str | None]:
        """Apply an already validated PUT, or say why TRS would refuse it.

        Returns ("ok", None), ("not_found", None), ("no_qts", None) or ("stale", last accepted
        modifiedOn). The lookup, stale check, update and log happen in one transaction, so two
        racing PUTs for one teacher are ordered by the database, never interleaved.
        """
        modified_us = epoch_us(modified_on)
        with self.writing() as conn:
            row = conn.execute(
                "SELECT deactivated, merged_into, qts_date, trs_status, trs_start_date, "
                "trs_completed_date, cpd_modified_on, cpd_modified_on_us FROM persons "
                "WHERE trn = ?",
                (trn,),
            ).fetchone()
            if row is None or row["deactivated"] or row["merged_into"]:
                return "not_found", None
            if row["qts_date"] is None:
                return "no_qts", None
            last_us = row["cpd_modified_on_us"]
            if last_us is not None and modified_us < last_us:
                return "stale", row["cpd_modified_on"]
            shown = shown_induction(
                (row["trs_status"], row["trs_start_date"], row["trs_completed_date"]),
                (status, start_date, completed_date),
                "cpd",
            )
            now = utc_now_iso()
            conn.execute(
                "UPDATE persons SET cpd_status = ?, cpd_start_date = ?, cpd_completed_date = ?, "
                "cpd_modified_on = ?, cpd_modified_on_us = ?, last_writer = 'cpd', status = ?, "
                "start_date = ?, completed_date = ?, updated_at = ? WHERE trn = ?",
                (
                    status,
                    start_date,
                    completed_date,
                    iso_ms_us(modified_on),
                    modified_us,
                    *shown,
                    now,
                    trn,
                ),
            )
            conn.execute(
                "INSERT INTO cpd_requests (trn, received_at, body, request_id) VALUES (?, ?, ?, ?)",
                (trn, now, body, request_id),
            )
        return "ok", None

    # -- the TRS console's writes (/_sandbox/) ------------------------------------------------

    def create_persons(self, persons: Iterable[NewPerson]) -> int:
        now = utc_now_iso()
        rows = [p.row(now) for p in persons]
        try:
            with self.writing() as conn:
                conn.executemany(_INSERT_PERSON, rows)
        except sqlite3.IntegrityError as error:
            raise DuplicateTrn(str(error)) from error
        return len(rows)

    def set_trs_induction(
        self,
        trn: str,
        status: str,
        start_date: str | None,
        completed_date: str | None,
        exemption_reason_ids: tuple[str, ...],
    ) -> None:
        with self.writing() as conn:
            row = conn.execute(
                "SELECT cpd_status, cpd_start_date, cpd_completed_date FROM persons WHERE trn = ?",
                (trn,),
            ).fetchone()
            if row is None:
                raise UnknownPerson(trn)
            shown = shown_induction(
                (status, start_date, completed_date),
                (row["cpd_status"], row["cpd_start_date"], row["cpd_completed_date"]),
                "trs",
            )
            conn.execute(
                "UPDATE persons SET trs_status = ?, trs_start_date = ?, trs_completed_date = ?, "
                "exemption_reason_ids = ?, last_writer = 'trs', status = ?, start_date = ?, "
                "completed_date = ?, updated_at = ? WHERE trn = ?",
                (
                    status,
                    start_date,
                    completed_date,
                    ",".join(exemption_reason_ids),
                    *shown,
                    utc_now_iso(),
                    trn,
                ),
            )

    def deactivate(self, trn: str) -> None:
        with self.writing() as conn:
            done = conn.execute(
                "UPDATE persons SET deactivated = 1, updated_at = ? WHERE trn = ?",
                (utc_now_iso(), trn),
            )
            if done.rowcount == 0:
                raise UnknownPerson(trn)

    def merge(self, trn: str, into: str) -> None:
        with self.writing() as conn:
            if conn.execute("SELECT 1 FROM persons WHERE trn = ?", (into,)).fetchone() is None:
                raise UnknownPerson(into)
            done = conn.execute(
                "UPDATE persons SET merged_into = ?, updated_at = ? WHERE trn = ?",
                (into, utc_now_iso(), trn),
            )
            if done.rowcount == 0:
                raise UnknownPerson(trn)

    def reset(self, seed_persons: Iterable[NewPerson] = ()) -> int:
        """Forget everything (persons and the PUT log), then add `seed_persons`."""
        now = utc_now_iso()
        rows = [p.row(now) for p in seed_persons]
        with self.writing() as conn:
            conn.execute("DELETE FROM persons")
            conn.execute("DELETE FROM cpd_requests")
            conn.executemany(_INSERT_PERSON, rows)
        return len(rows)


def iso_ms_us(moment: datetime) -> str:
    """ISO-8601 UTC keeping microseconds when there are any (the stale check is exact)."""
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    spec = "microseconds" if utc.microsecond % 1000 else "milliseconds"
    return utc.isoformat(timespec=spec) + "Z"


def demo_persons(today: date) -> list[NewPerson]:
    """The demo teachers TRS knows (`trs` is not None), as the sandbox seeds them."""
    from app.demo import demo_teachers

    persons = []
    for teacher in demo_teachers(today):
        trs = teacher.trs
        if trs is None:
            continue
        persons.append(
            NewPerson(
                trn=teacher.trn,
                first_name=teacher.first_name,
                middle_name=teacher.middle_name,
                last_name=teacher.last_name,
                date_of_birth=teacher.date_of_birth.isoformat(),
                qts_date=teacher.qts_date.isoformat() if teacher.qts_date else None,
                status=trs.status,
                start_date=trs.start_date.isoformat() if trs.start_date else None,
                completed_date=trs.completed_date.isoformat() if trs.completed_date else None,
                exemption_reason_ids=tuple(trs.exemption_reason_ids),
                deactivated=teacher.deactivated,
                merged_into=teacher.merged_into,
            )
        )
    return persons
