"""The outbox worker: delivers each CPD change's derived status to TRS, losing nothing (docs/architecture.md).

How a row travels:

1. **Claim.** A worker picks due rows (pending, `next_attempt_at` reached, no live lease) that are
   the *oldest undelivered row of their teacher*, and leases them (`leased_until`, `leased_by`)
   in one short transaction. On PostgreSQL the pick is `SELECT ... FOR UPDATE SKIP LOCKED`, so any
   number of workers share the queue without waiting on each other. On SQLite one worker is
   enough (SQLite has one writer at a time and no `SKIP LOCKED`); the lease is still taken, by a
   guarded `UPDATE`, so a second worker started by mistake cannot take a row that is in flight.
2. **Deliver**, outside any transaction: one `PUT .../cpd-induction` per row with its full state
   and `modifiedOn`, a few at once (a batch holds one row per teacher, so this keeps order).
3. **Record** what happened, guarded by `leased_by`: a worker whose lease ran out (and whose row
   another worker took over) changes nothing.

Outcomes:

- 204: `sent`.
- A retryable error (5xx, 429, timeout, dropped connection): still `pending`, next try after an
  exponential backoff with jitter, never sooner than `Retry-After`.
- 409 stale: `superseded` (a newer state already won in TRS).
- Any other refusal (no QTS, not found, validation...): `failed`, and one open manual-handling
  request of kind `delivery` carrying TRS's error. A failed row stops its teacher's queue: no
  later row of that teacher is sent until a person deals with the request (then
  `resume_stopped_queue` puts the row back in the queue).
- TRS refusing the console itself (401, 403, or a 404 that names no teacher: a wrong key, role,
  address or API version) is *not* the teacher's problem: those rows wait and retry like an
  outage, so a configuration slip opens no request per teacher and stops nobody's queue.

Per teacher, rows go in `id` order (the order their changes committed): a row is never sent while
an older row of its teacher is pending, in flight or failed. A worker killed mid-delivery leaves
its lease to expire; another worker takes the row and sends it again, which is harmless because
TRS accepts an equal `modifiedOn` and refuses an older one as stale.

Time comes from the injected `Clock`; nothing here sleeps except `run_forever` between polls, so
tests move a `FixedClock` instead of waiting out backoffs.
"""

from __future__ import annotations

import logging
import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, aliased, sessionmaker

from app.clock import Clock
from app.models import ManualRequest, OutboxEntry, Teacher
from app.observability.metrics import count_deliveries
from app.trs.client import TrsClient, format_modified_on
from app.trs.errors import (
    PERSON_DOES_NOT_HAVE_QTS,
    TrsDeactivated,
    TrsEndpointNotFound,
    TrsError,
    TrsForbidden,
    TrsMerged,
    TrsNotFound,
    TrsRateLimited,
    TrsStale,
    TrsUnauthorised,
    TrsValidationError,
)

log = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(seconds=60)
DEFAULT_BATCH = 100
# PUTs a worker has open at once: TRS is far away, so one at a time would leave it idle.
DEFAULT_IN_FLIGHT = 4
UNDELIVERED = ("pending", "failed")
# Errors about the console's own access to TRS, not about the teacher: retried, never "failed".
_CONSOLE_REFUSED = (TrsUnauthorised, TrsForbidden, TrsEndpointNotFound)

Result = Literal["sent", "retry", "superseded", "failed", "released"]


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with "equal jitter": the n-th retry waits between half and all of
    `base * 2**(n-1)` seconds (at most `cap`), and never less than TRS's `Retry-After`.

    Jitter spreads the retries of many rows that failed together, so a recovering TRS is not hit
    by all of them in the same second. `rng` is injectable so tests can pin it.
    """

    base_seconds: float = 2.0
    cap_seconds: float = 300.0
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def delay(self, attempts: int, retry_after: float | None = None) -> timedelta:
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** max(0, attempts - 1))
        seconds = ceiling / 2 + self.rng.uniform(0, ceiling / 2)
        if retry_after is not None:
            seconds = max(seconds, retry_after)
        return timedelta(seconds=seconds)


@dataclass(frozen=True)
class ClaimedRow:
    """An outbox row this worker holds the lease on: everything the PUT needs."""

    id: int
    teacher_id: int
    trn: str
    status: str
    start_date: date | None
    completed_date: date | None
    modified_on: datetime
    attempts: int
    request_id: str | None = None  # the click's, sent to TRS as X-Request-Id


@dataclass(frozen=True)
class Delivery:
    """What happened to one claimed row. `released`: not tried (the lease was running out)."""

    outbox_id: int
    trn: str
    result: Result
    error: TrsError | None = None
    lease_lost: bool = False  # another worker had taken the row over; nothing was recorded


class OutboxWorker:
    """One delivery worker. Give each worker its own `worker_id`; several may share a database.

    `sessions` makes database sessions; `client` is the TRS client (thread-safe: a worker sends
    `in_flight` PUTs at once over it, and workers in one process may share it); `clock` gives
    "now" for leases and schedules.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        client: TrsClient,
        clock: Clock,
        *,
        worker_id: str,
        lease: timedelta = DEFAULT_LEASE,
        batch_size: int = DEFAULT_BATCH,
        in_flight: int = DEFAULT_IN_FLIGHT,
        backoff: Backoff | None = None,
    ) -> None:
        if batch_size < 1 or in_flight < 1:
            raise ValueError("batch_size and in_flight must be at least 1")
        self.sessions = sessions
        self.client = client
        self.clock = clock
        self.worker_id = worker_id
        self.lease = lease
        self.batch_size = batch_size
        self.in_flight = in_flight
        self.backoff = backoff or Backoff()
        # Set on SIGTERM (`run_forever`): rows in hand not yet sent are released, not sent.
        self.stopping = threading.Event()

    # -- the three steps ----------------------------------------------------------------------

    def claim(self) -> list[ClaimedRow]:
        """Lease up to `batch_size` due rows, at most one per teacher (its oldest undelivered)."""
        now = self.clock.now()
        older = aliased(OutboxEntry)
        lease_free = or_(OutboxEntry.leased_until.is_(None), OutboxEntry.leased_until < now)
        due = (
            select(OutboxEntry.id)
            .where(
                OutboxEntry.state == "pending",
                OutboxEntry.next_attempt_at <= now,
                lease_free,
                ~exists().where(
                    older.teacher_id == OutboxEntry.teacher_id,
                    older.id < OutboxEntry.id,
                    older.state.in_(UNDELIVERED),
                ),
            )
            .order_by(OutboxEntry.next_attempt_at, OutboxEntry.id)
            .limit(self.batch_size)
            .with_for_update(skip_locked=True, of=OutboxEntry)  # PostgreSQL; SQLite ignores it
        )
        # One statement: the locked pick as a subquery, the lease set on what it picked. The
        # lease test is repeated outside so that on SQLite (no row locks) a row leased
        # meanwhile is not taken.
        claim = (
            update(OutboxEntry)
            .where(
                OutboxEntry.id.in_(due.scalar_subquery()),
                OutboxEntry.state == "pending",
                lease_free,
            )
            .values(leased_until=now + self.lease, leased_by=self.worker_id)
            .returning(
                OutboxEntry.id,
                OutboxEntry.teacher_id,
                OutboxEntry.trn,
                OutboxEntry.status,
                OutboxEntry.start_date,
                OutboxEntry.completed_date,
                OutboxEntry.modified_on,
                OutboxEntry.attempts,
                OutboxEntry.request_id,
            )
            .execution_options(synchronize_session=False)
        )
        with self.sessions() as session, session.begin():
            rows = session.execute(claim).all()
        return sorted((ClaimedRow(*row) for row in rows), key=lambda row: row.id)

    def deliver(self, rows: list[ClaimedRow]) -> list[Delivery]:
        """PUT each row to TRS, `in_flight` at a time, then record every outcome in one
        transaction. A batch holds at most one row per teacher, so sending its rows side by side
        never reorders a teacher's changes.

        Rows not yet tried when half the lease has gone, or once the worker is told to stop, are
        released untried: a slow TRS never lets a lease expire on a row this worker is still about
        to send, and a stopping worker leaves no row for another to wait a lease out on.
        """
        if not rows:
            return []
        release_after = self.clock.now() + self.lease / 2

        def attempt(row: ClaimedRow) -> Delivery:
            if self.stopping.is_set() or self.clock.now() >= release_after:
                return Delivery(row.id, row.trn, "released")
            return self._send(row)

        if self.in_flight == 1 or len(rows) == 1:
            deliveries = [attempt(row) for row in rows]
        else:
            with ThreadPoolExecutor(min(self.in_flight, len(rows))) as pool:
                deliveries = list(pool.map(attempt, rows))
        return self._record(rows, deliveries)

    def run_once(self) -> list[Delivery]:
        """Claim one batch and deliver it; an empty list means nothing was due."""
        return self.deliver(self.claim())

    # -- loops --------------------------------------------------------------------------------

    def drain(self) -> Counter[str]:
        """Deliver until no row is due now (rows waiting for a later retry stay waiting)."""
        totals: Counter[str] = Counter()
        while batch := self.run_once():
            totals.update(delivery.result for delivery in batch)
        return totals

    def run_forever(self, stop: threading.Event, idle_seconds: float = 1.0) -> Counter[str]:
        """Keep delivering until `stop` is set; poll every `idle_seconds` when nothing is due.

        A database error (a restart, a failover) is logged and retried with a growing pause,
        so the worker outlives it instead of dying. Once `stop` is set, the PUTs already open
        finish and are recorded; the rest of the batch is released for other workers.
        """
        self.stopping = stop
        totals: Counter[str] = Counter()
        database_failures = 0
        while not stop.is_set():
            try:
                batch = self.run_once()
            except SQLAlchemyError:
                database_failures += 1
                log.exception("outbox worker %s: database error", self.worker_id)
                stop.wait(min(30.0, 2.0**database_failures))
                continue
            database_failures = 0
            results = Counter(delivery.result for delivery in batch)
            totals.update(results)
            if batch:
                log.info("outbox worker %s: %s", self.worker_id, dict(results))
            else:
                stop.wait(idle_seconds)
        return totals

    # -- pieces -------------------------------------------------------------------------------

    def _send(self, row: ClaimedRow) -> Delivery:
        try:
            self.client.put_cpd_induction(
                row.trn,
                row.status,
                row.start_date,
                row.completed_date,
                row.modified_on,
                request_id=row.request_id,
            )
        except TrsStale as error:
            return Delivery(row.id, row.trn, "superseded", error)
        except TrsError as error:
            retry = error.retryable or isinstance(error, _CONSOLE_REFUSED)
            if retry:
                log.warning("outbox %s: %r; will retry", row.id, error, extra=_about(row))
            return Delivery(row.id, row.trn, "retry" if retry else "failed", error)
        except Exception as error:  # noqa: BLE001 - a bug must not kill the worker or lose rows
            log.exception("outbox %s: unexpected error; will retry", row.id, extra=_about(row))
            wrapped = TrsError(f"The console hit an unexpected error: {type(error).__name__}.")
            return Delivery(row.id, row.trn, "retry", wrapped)
        log.info("outbox %s: sent to TRS", row.id, extra=_about(row))
        return Delivery(row.id, row.trn, "sent")

    def _record(self, rows: list[ClaimedRow], deliveries: list[Delivery]) -> list[Delivery]:
        """Write every outcome in one transaction, each guarded by this worker's lease. Sent rows
        (nearly all of them) go in one statement; the rest one by one."""
        now = self.clock.now()
        held = (OutboxEntry.leased_by == self.worker_id, OutboxEntry.state == "pending")
        recorded: set[int] = set()
        with self.sessions() as session, session.begin():
            sent = [d.outbox_id for d in deliveries if d.result == "sent"]
            if sent:
                recorded.update(
                    session.scalars(
                        update(OutboxEntry)
                        .where(OutboxEntry.id.in_(sent), *held)
                        .values(
                            state="sent",
                            sent_at=now,
                            attempts=OutboxEntry.attempts + 1,
                            last_error=None,
                            leased_until=None,
                            leased_by=None,
                        )
                        .returning(OutboxEntry.id)
                        .execution_options(synchronize_session=False)
                    )
                )
            for row, delivery in zip(rows, deliveries, strict=True):
                if delivery.result == "sent":
                    continue
                done = session.execute(
                    update(OutboxEntry)
                    .where(OutboxEntry.id == row.id, *held)
                    .values(leased_until=None, leased_by=None, **self._unsent(row, delivery, now))
                    .execution_options(synchronize_session=False)
                )
                if done.rowcount == 1:
                    recorded.add(row.id)
                    if delivery.result == "failed" and delivery.error is not None:
                        _open_delivery_request(session, row, delivery.error, now)
        lost = [d for d in deliveries if d.outbox_id not in recorded]
        for delivery in lost:
            log.warning("outbox %s: lease lost to another worker; not recorded", delivery.outbox_id)
        count_deliveries(d.result for d in deliveries if d.outbox_id in recorded)
        return [d if d.outbox_id in recorded else replace(d, lease_lost=True) for d in deliveries]

    def _unsent(self, row: ClaimedRow, delivery: Delivery, now: datetime) -> dict[str, Any]:
        """What a row that was not sent becomes: waiting again, superseded or failed."""
        if delivery.result == "released":
            return {}
        error = delivery.error
        assert error is not None
        attempts = row.attempts + 1
        if delivery.result == "retry":
            delay = self.backoff.delay(attempts, error.retry_after)
            return {
                "attempts": attempts,
                "next_attempt_at": now + delay,
                "last_error": waiting_reason(error),
            }
        said = stopped_reason(error) if delivery.result == "failed" else error.message
        return {"state": delivery.result, "attempts": attempts, "last_error": said}


def _about(row: ClaimedRow) -> dict[str, Any]:
    """A delivery's log fields: the row, its teacher's TRN and the click that made it."""
    return {"outbox_id": row.id, "trn": row.trn, "request_id": row.request_id}


def waiting_reason(error: TrsError) -> str:
    """Why a change is still waiting, as the teacher page words it ("Waiting: TRS unavailable")."""
    if isinstance(error, TrsRateLimited):
        return "TRS is busy"
    if isinstance(error, _CONSOLE_REFUSED):
        return "TRS refused the console's access, which the service team must fix"
    return "TRS unavailable"


def stopped_reason(error: TrsError) -> str:
    """Why delivery stopped, as the teacher page words it ("Stopped: TRS said ...")."""
    if isinstance(error, TrsValidationError) and error.error_code == PERSON_DOES_NOT_HAVE_QTS:
        return "TRS said the teacher has no QTS"
    if isinstance(error, TrsNotFound):
        return "TRS said it has no teacher with this TRN"
    if isinstance(error, TrsDeactivated):
        return "TRS said the teacher's record is deactivated"
    if isinstance(error, TrsMerged):
        into = f" into TRN {error.retained_trn}" if error.retained_trn else ""
        return f"TRS said the teacher's record was merged{into}"
    said = (error.title or error.message).rstrip(".")
    return f"TRS refused the change: {said}"


def _open_delivery_request(
    session: Session, row: ClaimedRow, error: TrsError, now: datetime
) -> None:
    """The one open `delivery` request for the teacher (a second failure adds none)."""
    already = session.scalar(
        select(ManualRequest.id).where(
            ManualRequest.teacher_id == row.teacher_id,
            ManualRequest.kind == "delivery",
            ManualRequest.state == "open",
        )
    )
    if already is not None:
        return
    because = stopped_reason(error)
    trs_said = " ".join(part for part in (error.title, error.detail) if part)
    code = f", error {error.error_code}" if error.error_code else ""
    session.add(
        ManualRequest(
            teacher_id=row.teacher_id,
            trn=row.trn,
            kind="delivery",
            state="open",
            action="deliver_to_trs",
            answers={
                "stopped_because": because,
                "trs_error": {
                    "status": error.status,
                    "errorCode": error.error_code,
                    "title": error.title,
                    "detail": error.detail,
                    "message": error.message,
                },
                "change": {
                    "status": row.status,
                    "startDate": _iso(row.start_date),
                    "completedDate": _iso(row.completed_date),
                    "modifiedOn": format_modified_on(row.modified_on),
                },
            },
            reason=(
                f"{because}. Nothing later for this teacher is sent to TRS until this is "
                f"resolved. TRS answered HTTP {error.status}{code}: {trs_said or error.message}"
            ),
            teacher_version=session.scalar(
                select(Teacher.version).where(Teacher.id == row.teacher_id)
            ),
            outbox_id=row.id,
            requested_at=now,
        )
    )


def resume_stopped_queue(session: Session, teacher_id: int, now: datetime) -> int:
    """Put a teacher's failed rows back in the queue, once no delivery request is open for them.

    Each row carries the full state, so sending it again is safe; a newer row queued behind it
    follows in order. Returns how many rows were put back. The caller commits.
    """
    still_open = session.scalar(
        select(
            exists().where(
                ManualRequest.teacher_id == teacher_id,
                ManualRequest.kind == "delivery",
                ManualRequest.state == "open",
            )
        )
    )
    if still_open:
        return 0
    done = session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.teacher_id == teacher_id, OutboxEntry.state == "failed")
        .values(state="pending", attempts=0, next_attempt_at=now, last_error=None)
        .execution_options(synchronize_session=False)
    )
    return done.rowcount


@dataclass(frozen=True)
class OutboxStatus:
    """The outbox for a person to read: rows by state, and how long the oldest change has waited."""

    counts: dict[str, int]
    in_flight: int
    oldest_waiting_since: datetime | None
    oldest_waiting_seconds: float | None


def outbox_status(session: Session, now: datetime) -> OutboxStatus:
    counts = dict.fromkeys(("pending", "sent", "superseded", "failed"), 0)
    counts.update(
        session.execute(select(OutboxEntry.state, func.count()).group_by(OutboxEntry.state)).all()
    )
    in_flight = session.scalar(
        select(func.count()).where(OutboxEntry.state == "pending", OutboxEntry.leased_until >= now)
    )
    oldest = oldest_waiting_since(session)
    return OutboxStatus(
        counts=counts,
        in_flight=in_flight or 0,
        oldest_waiting_since=oldest,
        oldest_waiting_seconds=_age(oldest, now),
    )


def oldest_waiting_since(session: Session) -> datetime | None:
    """When the oldest change still waiting to reach TRS was made (pending rows only: a failed
    row is stopped, with its manual request, not waiting)."""
    return session.scalar(
        select(func.min(OutboxEntry.created_at)).where(OutboxEntry.state == "pending")
    )


def oldest_waiting_seconds(session: Session, now: datetime) -> float | None:
    return _age(oldest_waiting_since(session), now)


def _age(since: datetime | None, now: datetime) -> float | None:
    if since is None:
        return None
    return round(max(0.0, (now - since).total_seconds()), 3)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


__all__ = [
    "DEFAULT_BATCH",
    "DEFAULT_IN_FLIGHT",
    "DEFAULT_LEASE",
    "Backoff",
    "ClaimedRow",
    "Delivery",
    "OutboxStatus",
    "OutboxWorker",
    "oldest_waiting_seconds",
    "oldest_waiting_since",
    "outbox_status",
    "resume_stopped_queue",
    "stopped_reason",
    "waiting_reason",
]
