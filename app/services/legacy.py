"""Correcting a legacy record's induction status straight in TRS (docs/domain.md: who owns which value).

A legacy record is one CPD holds no periods for: TRS's status is TRS's own, so the correction is
sent to TRS at once, synchronously, and CPD stores nothing of it but the audit event. Nothing in CPD
changes, so no row version guards it; instead, in this order:

1. **Lock**: spend the confirmation's write token and take the teacher's `TrsWriteLock`, committed
   together (a second POST of the same page gets `AlreadyDone`; someone else's, `TrsWriteBusy`).
2. **Fresh facts**: read TRS fresh, ask the rules, and refuse with `TrsMoved` when TRS no longer
   holds what the check page showed (someone corrected it meanwhile, here or in TRS's console).
3. **Intent**: commit the audit event saying the correction is being sent, before the PUT.
4. **Send**, then record what happened on the event (`trs_result`):
   - TRS accepted it: `applied`;
   - TRS answered with an error: read TRS back; `applied` if it shows the correction after all,
     else `not_applied` (the token is unspent, so the caseworker may confirm again);
   - TRS never answered (timeout, dropped connection): read TRS back; `applied` if it shows the
     correction, else `unknown`: the PUT may still land, so a `delivery` manual request asks a
     person to check (`TrsOutcomeUnknown`). Only a verified outcome is ever reported as one.
5. Release the lock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from app.models import Event, ManualRequest, Teacher, TrsWriteLock
from app.rules import TeacherRecord, long_date, status_words
from app.services.casework import Case, Outcome, Submission, open_allowed_case
from app.services.once import Once
from app.trs.errors import TrsError, TrsUnavailable
from app.trs.gateway import TrsReading

ACTION = "correct_legacy_status"
LEGACY_STATUSES = ("RequiredToComplete", "Passed", "Failed")
"""The statuses a correction can set (the rules refuse the rest, which TRS's console sets)."""
LOCK_LEASE = timedelta(minutes=2)
"""Long past TRS's timeouts: a lock left by a crashed process lapses after this."""


class TrsMoved(Exception):
    """TRS no longer holds what the check page showed: nothing was sent."""

    def __init__(self) -> None:
        super().__init__("This record changed in TRS while you were editing it")


class TrsWriteBusy(Exception):
    """Another correction for this teacher is on its way to TRS now: nothing was sent."""

    def __init__(self) -> None:
        super().__init__("Someone else is sending a correction for this record to TRS")


class TrsOutcomeUnknown(Exception):
    """TRS never answered and reading it back could not show whether the correction arrived:
    what the caseworker is told, and the manual request that asks a person to check."""

    def __init__(self, summary: str, trs_now: str, manual_request_id: int) -> None:
        super().__init__(summary)
        self.summary = summary
        self.trs_now = trs_now
        self.manual_request_id = manual_request_id


def trs_values(record: TeacherRecord) -> dict[str, str | None]:
    """TRS's induction as a check page showed it (kept with the journey, compared at the POST)."""
    return _values(record.trs_status, record.trs_start_date, record.trs_completed_date)


def correct_legacy_status(
    submission: Submission,
    status: str,
    start_date: date | None,
    completed_date: date | None,
    note: str | None = None,
) -> Outcome:
    """Send the corrected status to TRS and record what happened (steps 1 to 5 above).

    Raises AlreadyDone, TrsWriteBusy, TrsMoved, the rules' refusals, TrsError (TRS refused it and
    nothing changed) or TrsOutcomeUnknown. The event's teacher is None when CPD has no row for the
    teacher (the usual legacy case).
    """
    s, now = submission, submission.clock.now()
    change = {"status": status, "start_date": start_date, "completed_date": completed_date}
    change = {key: value for key, value in change.items() if value is not None}
    target = _values(status, start_date, completed_date)
    lock = _lock(s, now)
    try:
        case, decision = open_allowed_case(s, ACTION, lambda case: change)
        if s.seen is not None and trs_values(case.record) != dict(s.seen):
            raise TrsMoved
        event = Event(
            teacher_id=case.teacher.id if case.teacher else None,
            trn=s.trn,
            occurred_at=now,
            actor_user_id=s.actor.user_id,
            actor_email=s.actor.email,
            actor_role=s.actor.role,
            action=ACTION,
            rule_id=decision.rule_id,
            summary=f"Induction status correction sent to TRS: {_words(target)}",
            before={"trs_induction": trs_values(case.record)},
            after={"trs_induction": target, "trs_result": "sending"},
            note=note,
        )
        s.session.add(event)
        s.session.flush()
        s.settle(event.summary)
        s.session.commit()
    except BaseException:
        s.session.rollback()
        _unlock(s, lock, spent=False)
        raise
    try:
        s.gateway.client.put_cpd_induction(s.trn, status, start_date, completed_date, now)
    except TrsError as error:
        if not _applied_after_all(s, lock, case, event, target, error):
            raise
        return Outcome(event, decision)
    finally:
        s.gateway.forget(s.trn)
    _record(s, event, "applied", f"Induction status corrected in TRS: {_words(target)}")
    _unlock(s, lock, spent=True)
    return Outcome(event, decision)


@dataclass(frozen=True)
class _Lock:
    once: Once | None
    token: str


def _lock(s: Submission, now: datetime) -> _Lock:
    """Spend the write token and take the teacher's lock, in one committed transaction."""
    lock = _Lock(s.once, s.once.token if s.once else f"console-{now.timestamp()}")
    try:
        s.claim(now)
        s.session.execute(
            delete(TrsWriteLock).where(TrsWriteLock.trn == s.trn, TrsWriteLock.held_until < now)
        )
        s.session.add(TrsWriteLock(trn=s.trn, token=lock.token, held_until=now + LOCK_LEASE))
        s.session.commit()
    except IntegrityError:
        s.session.rollback()
        raise TrsWriteBusy from None
    except BaseException:
        s.session.rollback()
        raise
    return lock


def _unlock(s: Submission, lock: _Lock, *, spent: bool) -> None:
    """Release the teacher's lock; unless the write happened (or may have), unspend the token."""
    s.session.execute(
        delete(TrsWriteLock).where(TrsWriteLock.trn == s.trn, TrsWriteLock.token == lock.token)
    )
    if lock.once is not None and not spent:
        lock.once.release(s.session)
    s.session.commit()


def _applied_after_all(
    s: Submission,
    lock: _Lock,
    case: Case,
    event: Event,
    target: dict[str, str | None],
    error: TrsError,
) -> bool:
    """Read TRS back and record what actually happened: True when TRS holds the correction,
    False when it verifiably does not; raises TrsOutcomeUnknown when the read-back cannot tell."""
    reading = s.gateway.read_person(s.trn, fresh=True)
    now_holds = _held(reading)
    if now_holds == target:
        _record(s, event, "applied", f"Induction status corrected in TRS: {_words(target)}")
        _unlock(s, lock, spent=True)
        return True
    answered = not isinstance(error, TrsUnavailable)
    if answered and now_holds == trs_values(case.record):
        _record(
            s,
            event,
            "not_applied",
            f"Induction status correction not made: TRS refused it ({error.message.rstrip('.')})",
        )
        _unlock(s, lock, spent=False)
        return False
    trs_now = _words(now_holds) if now_holds else "TRS could not be read"
    summary = (
        f"Induction status correction sent to TRS, which did not answer: {_words(target)}. "
        f"Whether TRS made it is not known (TRS now shows: {trs_now})"
    )
    _record(s, event, "unknown", summary)
    request_id = _raise_delivery_request(s, event, target, summary)
    _unlock(s, lock, spent=True)
    raise TrsOutcomeUnknown(summary, trs_now, request_id) from error


def _record(s: Submission, event: Event, result: str, summary: str) -> None:
    """What TRS did with the correction, on its event and its write token (committed)."""
    s.session.execute(
        update(Event)
        .where(Event.id == event.id)
        .values(summary=summary, after={**(event.after or {}), "trs_result": result})
        .execution_options(synchronize_session=False)
    )
    s.session.refresh(event)
    s.settle(summary)
    s.session.commit()


def _raise_delivery_request(
    s: Submission, event: Event, target: dict[str, str | None], summary: str
) -> int:
    """The teacher's one open `delivery` request, so a person checks TRS (CPD's first row for
    the teacher when it had none: a request belongs to a teacher)."""
    now = s.clock.now()
    teacher = s.session.scalar(select(Teacher).where(Teacher.trn == s.trn))
    if teacher is None:
        teacher = Teacher(trn=s.trn, created_at=now, updated_at=now)
        s.session.add(teacher)
        s.session.flush()
    open_already = s.session.scalar(
        select(ManualRequest.id).where(
            ManualRequest.teacher_id == teacher.id,
            ManualRequest.kind == "delivery",
            ManualRequest.state == "open",
        )
    )
    if open_already is not None:
        s.session.commit()
        return open_already
    request = ManualRequest(
        teacher_id=teacher.id,
        trn=s.trn,
        kind="delivery",
        state="open",
        action=ACTION,
        answers={
            "stopped_because": "TRS did not answer a legacy correction",
            "event_id": event.id,
            "change": target,
        },
        reason=(
            f"{summary}. Check the teacher in TRS: if it shows the correction, approve this "
            "request to record that it arrived; if not, reject it and correct the status again."
        ),
        teacher_version=teacher.version,
        requested_by_user_id=s.actor.user_id,
        requested_at=now,
    )
    s.session.add(request)
    s.session.commit()
    return request.id


def _held(reading: TrsReading) -> dict[str, str | None] | None:
    """TRS's induction as a read-back found it (None: TRS could not be read)."""
    induction = reading.person.induction if reading.found and reading.person else None
    if induction is None:
        return None
    return _values(induction.status, induction.start_date, induction.completed_date)


def _values(status: str, start: date | None, completed: date | None) -> dict[str, str | None]:
    """TRS's induction as JSON (an event's before and after, a check page's reading)."""
    return {
        "status": status,
        "start_date": start.isoformat() if start else None,
        "completed_date": completed.isoformat() if completed else None,
    }


def _words(induction: Mapping[str, Any]) -> str:
    words = status_words(induction["status"])
    if induction["completed_date"]:
        words += f", completed on {long_date(date.fromisoformat(induction['completed_date']))}"
    return words
