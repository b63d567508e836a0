"""Reconciliation: read TRS for every teacher CPD manages and act on what it finds (docs/domain.md, after an allowed change).

TRS has no webhook, so this pull is how the console learns of changes made in TRS. For each
teacher (TRS read with bounded concurrency: threads sharing one pooled HTTP client; CPD's side in
chunks, a few queries per chunk):

- TRS shows **Exempt or FailedInWales** while CPD derives an induction in progress: TRS's status
  stands (TRS keeps Exempt over CPD's InProgress). An ongoing CPD period is closed on the day the
  console saw the change, marked closed by exemption, with an audit event by the console itself;
  nothing is pushed back. The period's terms are kept when already recorded, else set to 0
  (the database needs a number once a period is finished; nobody has counted the terms served,
  and the event says so, so a caseworker can correct it).
- The teacher still has **undelivered outbox rows** (or one was sent after TRS was read): not
  drift, delivery is catching up; nothing is compared. A queue stopped by a `delivery` request
  that a person has since closed is put back in the queue here.
- TRS **agrees** with `derive_trs_status(build_record(...))`: in step. An open `drift` request
  for the teacher is resolved, since there is nothing left to decide.
- Any **other disagreement** (including TRS no longer holding an active record): one open
  `drift` manual request per teacher, however often this runs, with both values in its answers;
  nothing is pushed.

Every teacher that was not simply in step gets a row in the CSV report.
"""

from __future__ import annotations

import csv
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, TextIO

from sqlalchemy import case, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from app.clock import LONDON, Clock
from app.models import InductionPeriod, ManualRequest, OutboxEntry, Teacher
from app.rules import DerivedStatus, derive_trs_status, long_date, managed_by_cpd, status_words
from app.services.changes import Actor, record_change, snapshot
from app.services.records import build_record
from app.trs.gateway import TrsReading
from app.trs.outbox import UNDELIVERED, resume_stopped_queue
from app.trs.reads import ChunkReads, Read, Readings, ReadsInProcesses, ReadsInThreads

Outcome = Literal[
    "in_step",
    "exemption_closed",
    "trs_status_stands",
    "drift",
    "catching_up",
    "delivery_stopped",
    "delivery_resumed",
    "unreadable",
    "not_managed",
    "changed_meanwhile",
]
OUTCOME_WORDS: dict[str, str] = {
    "in_step": "in step with CPD",
    "exemption_closed": "open period closed: TRS records an exemption",
    "trs_status_stands": "TRS's exemption stands; nothing open to close",
    "drift": "drift: TRS disagrees with CPD",
    "catching_up": "a change is still on its way to TRS",
    "delivery_stopped": "delivery stopped, waiting for a person",
    "delivery_resumed": "stopped delivery put back in the queue",
    "unreadable": "TRS could not be read",
    "not_managed": "not managed by CPD",
    "changed_meanwhile": "changed while being checked; next run",
}
# TRS statuses set in the TRS console that stand over an induction CPD still has in progress.
TRS_ONLY_ENDINGS = ("Exempt", "FailedInWales")
REPORT_COLUMNS = (
    "trn",
    "outcome",
    "trs_record",
    "trs_status",
    "trs_start_date",
    "trs_completed_date",
    "cpd_status",
    "cpd_start_date",
    "cpd_completed_date",
    "manual_request_id",
    "detail",
)
CHUNK = 500


@dataclass(frozen=True)
class StatusValues:
    """An induction status with its dates, as TRS holds it or CPD derives it."""

    status: str
    start_date: date | None
    completed_date: date | None

    @classmethod
    def derived(cls, derived: DerivedStatus) -> StatusValues:
        return cls(derived.status, derived.start_date, derived.completed_date)

    @classmethod
    def from_json(cls, values: dict[str, Any]) -> StatusValues:
        return cls(
            values["status"], _date(values.get("startDate")), _date(values.get("completedDate"))
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "startDate": _iso(self.start_date),
            "completedDate": _iso(self.completed_date),
        }

    def words(self) -> str:
        """ "In progress (started 2 September 2024)"."""
        dates = []
        if self.start_date:
            dates.append(f"started {long_date(self.start_date)}")
        if self.completed_date:
            dates.append(f"completed {long_date(self.completed_date)}")
        said = status_words(self.status)
        return f"{said} ({', '.join(dates)})" if dates else said


@dataclass(frozen=True)
class Finding:
    """What reconciliation found for one teacher, and what it did."""

    trn: str
    outcome: Outcome
    message: str
    trs: StatusValues | None = None
    cpd: StatusValues | None = None
    trs_record: str | None = None  # the reading's state: found, not_found, deactivated, merged
    manual_request_id: int | None = None
    new_request: bool = False

    def report_row(self) -> list[Any]:
        return [
            self.trn,
            self.outcome,
            self.trs_record or "",
            *_values_columns(self.trs),
            *_values_columns(self.cpd),
            self.manual_request_id or "",
            self.message,
        ]


@dataclass
class ReconcileResult:
    """Counts by outcome, the findings worth a look (everything not in step), and the pace."""

    checked: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    new_requests: int = 0
    seconds: float = 0.0
    report_path: Path | None = None

    @property
    def per_second(self) -> float:
        return self.checked / self.seconds if self.seconds else 0.0

    def add(self, finding: Finding) -> None:
        self.checked += 1
        self.counts[finding.outcome] += 1
        self.new_requests += finding.new_request
        if finding.outcome != "in_step":
            self.findings.append(finding)

    def summary_lines(self) -> list[str]:
        lines = [
            f"Checked {self.checked:,} teachers in {self.seconds:.1f} s "
            f"({self.per_second:,.0f} teachers/s)."
        ]
        for outcome, words in OUTCOME_WORDS.items():
            if self.counts[outcome]:
                lines.append(f"  {self.counts[outcome]:>9,}  {words}")
        if self.new_requests:
            lines.append(f"New manual requests: {self.new_requests:,}.")
        if self.report_path is not None:
            lines.append(f"Report: {self.report_path}")
        return lines


class Reconciliation:
    """One reconciliation set-up: where CPD is, how TRS is read, how many reads at once.

    `read` reads one teacher in this process. With `trs_config` (the app's TRS settings) and
    `processes` above 1, the reads are made instead by that many reading processes, which share
    the same `concurrency` (app/trs/reads.py says why)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        read: Read,
        clock: Clock,
        *,
        concurrency: int = 8,
        chunk_size: int = CHUNK,
        processes: int = 1,
        trs_config: Mapping[str, Any] | None = None,
    ) -> None:
        if concurrency < 1 or chunk_size < 1 or processes < 1:
            raise ValueError("concurrency, chunk_size and processes must be at least 1")
        if processes > 1 and trs_config is None:
            raise ValueError("reading processes need the TRS settings")
        self.sessions = sessions
        self.read = read
        self.clock = clock
        self.concurrency = concurrency
        self.chunk_size = chunk_size
        self.processes = min(processes, concurrency)
        self.trs_config = trs_config

    def teachers(self, trns: Sequence[str] | None = None) -> list[tuple[int, str]]:
        """(id, TRN) of the teachers to check: every teacher with induction periods, or the
        named ones (whatever they hold; those CPD does not manage are reported so)."""
        query = select(Teacher.id, Teacher.trn).order_by(Teacher.id)
        if trns:
            query = query.where(Teacher.trn.in_(trns))
        else:
            query = query.where(exists().where(InductionPeriod.teacher_id == Teacher.id))
        with self.sessions() as session:
            return [(row.id, row.trn) for row in session.execute(query)]

    def run(
        self,
        teachers: Sequence[tuple[int, str]],
        *,
        report: Path | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> ReconcileResult:
        """Check `teachers`; TRS is read `concurrency` at a time, chunks ahead of CPD's side."""
        result = ReconcileResult(report_path=report)
        started = time.perf_counter()
        chunks = [
            teachers[i : i + self.chunk_size] for i in range(0, len(teachers), self.chunk_size)
        ]
        opened = report.open("w", newline="", encoding="utf-8") if report else nullcontext()
        with opened as handle:
            writer = _report_writer(handle)
            for chunk, readings in self._read_ahead(chunks):
                with self.sessions() as session:
                    for finding in check_chunk(
                        session, [i for i, _ in chunk], readings, self.clock
                    ):
                        result.add(finding)
                        if writer is not None and finding.outcome != "in_step":
                            writer.writerow(finding.report_row())
                if on_progress is not None:
                    on_progress(len(chunk))
        result.seconds = time.perf_counter() - started
        return result

    def _read_ahead(
        self, chunks: list[Sequence[tuple[int, str]]]
    ) -> Iterator[tuple[Sequence[tuple[int, str]], Readings]]:
        """Each chunk with its readings, while the next chunks (one per reader) are being read."""
        if not chunks:
            return
        reads = self._reads()
        try:
            ahead = deque(reads.start([trn for _, trn in c]) for c in chunks[: reads.depth])
            for index, chunk in enumerate(chunks):
                readings = ahead.popleft()()
                if index + reads.depth < len(chunks):
                    ahead.append(reads.start([trn for _, trn in chunks[index + reads.depth]]))
                yield chunk, readings
        finally:
            reads.close()

    def _reads(self) -> ChunkReads:
        if self.processes > 1 and self.trs_config is not None:
            return ReadsInProcesses(self.trs_config, self.processes, self.concurrency, self.clock)
        return ReadsInThreads.at_once(self.read, self.concurrency, self.clock)


def check_teacher(session: Session, teacher: Teacher, read: Read, clock: Clock) -> Finding:
    """Reconcile one teacher now ("Check TRS now"), in the caller's session."""
    reading = read(teacher.trn)
    return check_chunk(session, [teacher.id], {teacher.trn: reading}, clock)[0]


def check_chunk(
    session: Session, teacher_ids: Sequence[int], readings: dict[str, TrsReading], clock: Clock
) -> list[Finding]:
    """Act on what TRS said about these teachers, given what TRS said about each."""
    teachers = session.scalars(
        select(Teacher)
        .where(Teacher.id.in_(teacher_ids))
        .order_by(Teacher.id)
        .options(
            selectinload(Teacher.induction_periods).joinedload(InductionPeriod.appropriate_body),
            selectinload(Teacher.extensions),
        )
    ).all()
    context = _ChunkContext.load(session, teacher_ids)
    return [_check(session, teacher, readings[teacher.trn], context, clock) for teacher in teachers]


# -- one teacher --------------------------------------------------------------------------------


@dataclass
class _ChunkContext:
    """What a chunk's checks need from the outbox and the manual requests, in three queries."""

    undelivered: set[int]
    failed: set[int]
    last_sent: dict[int, datetime]
    open_drift: dict[int, ManualRequest]
    open_delivery: dict[int, int]

    @classmethod
    def load(cls, session: Session, teacher_ids: Sequence[int]) -> _ChunkContext:
        outbox = session.execute(
            select(
                OutboxEntry.teacher_id,
                func.max(case((OutboxEntry.state.in_(UNDELIVERED), 1), else_=0)),
                func.max(case((OutboxEntry.state == "failed", 1), else_=0)),
                func.max(OutboxEntry.sent_at),
            )
            .where(OutboxEntry.teacher_id.in_(teacher_ids))
            .group_by(OutboxEntry.teacher_id)
        ).all()
        requests = session.scalars(
            select(ManualRequest).where(
                ManualRequest.teacher_id.in_(teacher_ids),
                ManualRequest.state == "open",
                ManualRequest.kind.in_(("drift", "delivery")),
            )
        ).all()
        return cls(
            undelivered={row[0] for row in outbox if row[1]},
            failed={row[0] for row in outbox if row[2]},
            last_sent={row[0]: row[3] for row in outbox if row[3] is not None},
            open_drift={r.teacher_id: r for r in requests if r.kind == "drift"},
            open_delivery={r.teacher_id: r.id for r in requests if r.kind == "delivery"},
        )

    def catching_up(self, teacher_id: int, reading: TrsReading) -> bool:
        """Undelivered rows, or a row sent after TRS was read (`sent_at` is taken once the PUT has
        been answered, so a row sent at or before the read is in the reading)."""
        sent = self.last_sent.get(teacher_id)
        return teacher_id in self.undelivered or (sent is not None and sent > reading.read_at)


def _check(
    session: Session, teacher: Teacher, reading: TrsReading, context: _ChunkContext, clock: Clock
) -> Finding:
    trn = teacher.trn
    if reading.state == "unavailable":
        return Finding(
            trn,
            "unreadable",
            f"TRS could not be read: {reading.problem or 'no answer'} Try again in a few minutes.",
        )
    record = build_record(teacher, reading)
    seen_on = reading.read_at.astimezone(LONDON).date()
    if not managed_by_cpd(record, seen_on):
        return Finding(
            trn,
            "not_managed",
            "CPD does not manage this teacher's induction, so there is nothing to compare.",
            trs_record=reading.state,
        )
    derived = derive_trs_status(record)
    assert derived is not None  # CPD manages it, so CPD holds periods
    trs = StatusValues(record.trs_status, record.trs_start_date, record.trs_completed_date)
    cpd = StatusValues.derived(derived)
    facts = {"trs": trs, "cpd": cpd, "trs_record": reading.state}

    if reading.found and trs.status in TRS_ONLY_ENDINGS and cpd.status == "InProgress":
        words = status_words(trs.status, record.exemption_reasons)
        if _resolve_drift(context.open_drift.get(teacher.id), clock.now(), "TRS's status stands."):
            session.commit()
        if teacher.ongoing_period is None:
            return Finding(
                trn,
                "trs_status_stands",
                f"TRS records {words}, which stands over CPD's induction; no period is open.",
                **facts,
            )
        return _close_for_exemption(session, teacher, words, seen_on, clock, facts)

    if teacher.id in context.failed:
        request_id = context.open_delivery.get(teacher.id)
        if request_id is not None:
            return Finding(
                trn,
                "delivery_stopped",
                f"Delivery to TRS is stopped (manual request {request_id}), so TRS was not "
                "compared.",
                manual_request_id=request_id,
                **facts,
            )
        resume_stopped_queue(session, teacher.id, clock.now())
        session.commit()
        return Finding(
            trn,
            "delivery_resumed",
            "Its delivery request has been dealt with, so the stopped change is back in the "
            "queue for TRS.",
            **facts,
        )
    if context.catching_up(teacher.id, reading):
        return Finding(
            trn,
            "catching_up",
            "A change is still on its way to TRS, so TRS was not compared. Check again once it "
            "has been sent.",
            **facts,
        )
    if reading.found and trs == cpd:
        if _resolve_drift(
            context.open_drift.get(teacher.id), clock.now(), "TRS now agrees with CPD."
        ):
            session.commit()
        return Finding(trn, "in_step", f"TRS agrees with CPD: {cpd.words()}.", **facts)
    return _drift(session, teacher, context.open_drift.get(teacher.id), clock, facts)


def _close_for_exemption(
    session: Session,
    teacher: Teacher,
    words: str,
    seen_on: date,
    clock: Clock,
    facts: dict[str, Any],
) -> Finding:
    period = teacher.ongoing_period
    assert period is not None
    before = snapshot(teacher)
    period.finished_on = max(seen_on, period.started_on)
    if period.number_of_terms is None:
        period.number_of_terms = Decimal("0")
        terms_note = "The terms served were not known, so 0 terms were recorded; correct them if they are known."
    else:
        terms_note = "The terms already recorded for the period were kept."
    period.closed_by_exemption = True
    closed_on = long_date(period.finished_on)
    try:
        record_change(
            session,
            teacher=teacher,
            actor=Actor.system(),
            action="close_period_for_exemption",
            decision=None,
            summary=(
                f"TRS records {words}, so the open induction period with "
                f"{period.appropriate_body.name} was closed on {closed_on}."
            ),
            before=before,
            derived=None,  # TRS's status stands: nothing is pushed back
            now=clock.now(),
            note=terms_note,
        )
        session.commit()
    except StaleDataError:
        session.rollback()
        return _changed_meanwhile(teacher.trn, facts)
    return Finding(
        teacher.trn,
        "exemption_closed",
        f"TRS records {words}. The open induction period was closed on {closed_on}.",
        **facts,
    )


def _drift(
    session: Session,
    teacher: Teacher,
    existing: ManualRequest | None,
    clock: Clock,
    facts: dict[str, Any],
) -> Finding:
    trs, cpd = facts["trs"], facts["cpd"]
    held = trs.words() if facts["trs_record"] == "found" else _record_words(facts["trs_record"])
    reason = (
        f"TRS shows {held}; CPD derives {cpd.words()}. Nothing was pushed to TRS: decide which is "
        "right and correct it where it is held."
    )
    answers = {
        "trs": {**trs.as_json(), "record": facts["trs_record"]},
        "cpd": cpd.as_json(),
        "seen_at": clock.now().isoformat(),
    }
    new = existing is None
    if existing is None:
        existing = ManualRequest(
            teacher_id=teacher.id,
            trn=teacher.trn,
            kind="drift",
            state="open",
            action="reconcile_with_trs",
            answers=answers,
            reason=reason,
            teacher_version=teacher.version,
            requested_at=clock.now(),
        )
        session.add(existing)
    elif (existing.answers or {}).get("trs") != answers["trs"] or (existing.answers or {}).get(
        "cpd"
    ) != answers["cpd"]:
        existing.answers = answers  # the values moved on; show the ones now held
        existing.reason = reason
    try:
        session.commit()
    except IntegrityError:  # another run opened the teacher's one drift request first
        session.rollback()
        return _changed_meanwhile(teacher.trn, facts)
    return Finding(
        teacher.trn,
        "drift",
        f"TRS shows {held}; CPD derives {cpd.words()}. Manual request {existing.id} is open.",
        manual_request_id=existing.id,
        new_request=new,
        **facts,
    )


def _resolve_drift(request: ManualRequest | None, now: datetime, why: str) -> bool:
    """Close an open drift request nobody needs to decide any more; True if there was one."""
    if request is None:
        return False
    request.state = "resolved"
    request.decided_at = now
    request.decision_note = f"{why} Resolved by reconciliation."
    return True


def _changed_meanwhile(trn: str, facts: dict[str, Any]) -> Finding:
    return Finding(
        trn,
        "changed_meanwhile",
        "The record changed while TRS was being checked; the next check will look again.",
        **facts,
    )


# -- small helpers ------------------------------------------------------------------------------


def _report_writer(handle: TextIO | None) -> Any:
    if handle is None:
        return None
    writer = csv.writer(handle)
    writer.writerow(REPORT_COLUMNS)
    return writer


def _values_columns(values: StatusValues | None) -> list[str]:
    if values is None:
        return ["", "", ""]
    return [values.status, _iso(values.start_date) or "", _iso(values.completed_date) or ""]


def _record_words(state: str) -> str:
    return {
        "not_found": "no record with this TRN",
        "deactivated": "the record as deactivated",
        "merged": "the record as merged into another",
    }.get(state, state)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


__all__ = [
    "OUTCOME_WORDS",
    "REPORT_COLUMNS",
    "Finding",
    "ReconcileResult",
    "Reconciliation",
    "StatusValues",
    "check_chunk",
    "check_teacher",
]
