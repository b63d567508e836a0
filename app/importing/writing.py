"""Writing the teachers the rules allowed: in batches, each teacher whole or not at all.

Teachers are committed in batches of `BATCH_TEACHERS`; if one fails to write (CPD changed it while
the file was being imported), its batch is rolled back and written again a teacher at a time, so a
teacher is imported whole or not at all while the commits stay cheap.
"""

from __future__ import annotations

import time as timer
from collections.abc import Callable
from datetime import date, datetime, time
from typing import NamedTuple

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.clock import LONDON, Clock
from app.importing.bodies import Bodies
from app.importing.judging import Checked
from app.importing.reading import Row
from app.importing.report import lines, plural
from app.models import Appeal, AppropriateBody, InductionPeriod, Teacher
from app.rules import derive_trs_status
from app.services.changes import Actor, add_event, snapshot, touch

BATCH_TEACHERS = 200  # teachers per commit (a failed one sends its batch back one by one)
# Rows per INSERT statement. psycopg parses a statement's placeholders in Python and caches the
# result only for statements of at most 50 parameters (and 4,096 characters); SQLAlchemy's default
# of 1,000 rows a statement made every INSERT of a batch a new statement to parse, the largest
# cost of writing to PostgreSQL. Three rows of the widest table (outbox, 15 values) stay under it,
# so after the first batch every INSERT is one psycopg has parsed before. Measured on 2 busy
# cores, 100,000 rows into PostgreSQL: 131 s with 1,000 rows a statement, 92 s with 3 (SQLite:
# 85 s and 80 s, the same within the noise).
ROWS_PER_INSERT = 3
ACTION = "import_inductions"
ACTOR = Actor.system("import")


class Write(NamedTuple):
    """A teacher the rules allowed, as it will be written (`trn` is the retained TRN)."""

    trn: str
    rows: list[Row]
    checked: Checked
    teacher_id: int | None  # CPD's teacher row, when it exists without periods


class BatchWriter:
    """Collects allowed teachers and writes them, a batch per transaction.

    `lost(write)` is called for a teacher that could not be written because CPD changed them
    meanwhile; `seconds` is the time spent writing.
    """

    def __init__(
        self,
        session: Session,
        clock: Clock,
        bodies: Bodies,
        file_name: str,
        lost: Callable[[Write], None],
    ) -> None:
        self.session = session
        self.clock = clock
        self.bodies = bodies
        self.file_name = file_name
        self.lost = lost
        self.batch: list[Write] = []  # added since the last commit
        self.seconds = 0.0

    def add(self, write: Write) -> None:
        """Add the teacher to the batch, written and committed every BATCH_TEACHERS teachers."""
        self.batch.append(write)
        if len(self.batch) >= BATCH_TEACHERS:
            self.commit()

    def commit(self) -> None:
        """Write the batch in one transaction.

        No SAVEPOINT per teacher: each costs two round trips, and pysqlite's SAVEPOINT outside a
        transaction commits on RELEASE. Instead, when the batch fails to write (CPD changed one of
        its teachers meanwhile), it is rolled back and written again one teacher at a time, so each
        teacher is still imported whole or not at all.
        """
        started = timer.perf_counter()
        try:
            self._write_teachers(self.batch)
            self.session.commit()
        except (IntegrityError, StaleDataError):
            self.session.rollback()
            self._one_by_one(self.batch)
        self.batch = []
        self._let_go()
        self.seconds += timer.perf_counter() - started

    def _write_teachers(self, writes: list[Write]) -> None:
        """Teacher rows if new and their periods, flushed together; then one import event and its
        outbox row each, inserted together at commit. Two flushes a batch, not two a teacher."""
        now = self.clock.now()
        # The transaction's connection: its INSERTs carry ROWS_PER_INSERT rows each.
        self.session.connection().execution_options(insertmanyvalues_page_size=ROWS_PER_INSERT)
        written = [(write, *self._add_periods(write, now)) for write in writes]
        self.session.flush()
        for write, teacher, before in written:
            record = write.checked.record
            if record.appeal_lodged_on:
                period = teacher.outcome_period
                self.session.add(
                    Appeal(
                        teacher_id=teacher.id,
                        induction_period_id=period.id,
                        failed_on=period.outcome_on,
                        lodged_on=record.appeal_lodged_on,
                        decision=record.appeal_decision,
                        decided_on=record.appeal_decided_on,
                        created_at=now,
                    )
                )
            add_event(
                self.session,
                teacher=teacher,
                actor=ACTOR,
                action=ACTION,
                decision=write.checked.decision,
                summary=f"Imported {plural(len(write.rows), 'induction period')} "
                f"from {self.file_name}.",
                before=before,
                derived=derive_trs_status(write.checked.record),
                now=now,
                note=f"{self.file_name}, {lines([r.line for r in write.rows])}",
            )

    def _add_periods(self, write: Write, now: datetime) -> tuple[Teacher, dict | None]:
        """The teacher (new, or touched so a concurrent change is refused) with the file's periods."""
        teacher = self.session.get(Teacher, write.teacher_id) if write.teacher_id else None
        before = snapshot(teacher) if teacher else None
        if teacher is None:
            teacher = Teacher(
                trn=write.trn, created_at=now, updated_at=now, induction_periods=[], extensions=[]
            )
            self.session.add(teacher)
        else:
            touch(teacher, now)
        for row in sorted(write.rows, key=lambda r: r.started_on):
            teacher.induction_periods.append(
                InductionPeriod(
                    appropriate_body=self.bodies.find(row.body),
                    started_on=row.started_on,
                    finished_on=row.finished_on,
                    training_programme=row.programme,
                    number_of_terms=row.terms,
                    outcome=row.outcome,
                    outcome_on=row.outcome_on,
                    outcome_recorded_at=_recorded_at(write, now) if row.outcome else None,
                )
            )
        return teacher, before

    def _one_by_one(self, writes: list[Write]) -> None:
        """Write again, a transaction each, the teachers of a batch that was rolled back."""
        for write in writes:
            self.session.connection().execution_options(insertmanyvalues_page_size=ROWS_PER_INSERT)
            try:
                self._write_teachers([write])
                self.session.commit()
            except (IntegrityError, StaleDataError):
                self.session.rollback()
                self.lost(write)

    def _let_go(self) -> None:
        """Drop committed rows from the session, so memory stays flat however long the file."""
        for instance in list(self.session):
            # Expunging a teacher takes their periods too (the relationship's cascade).
            if not isinstance(instance, AppropriateBody) and instance in self.session:
                self.session.expunge(instance)


def _recorded_at(write: Write, now: datetime) -> datetime:
    """When the outcome was recorded in CPD, as the rules count it (a London day): midday of the
    file's outcome_recorded_on, or of the outcome's own date when the file leaves it blank."""
    day: date = write.checked.record.outcome_recorded_on
    return min(now, datetime.combine(day, time(12), tzinfo=LONDON))
