"""Where a teacher's changes stand on their way to TRS, for the teacher page (the banner of docs/domain.md's teacher page).

Caseworkers need to know whether TRS has what CPD holds: a change waiting (and when it is next
tried), delivery stopped (and the manual request holding it), a drift between the two systems
(both values), or simply when the last change reached TRS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.services.teacher_page import OpenProblem, TeacherOnPage, UndeliveredChange
from app.trs.reconcile import StatusValues


@dataclass(frozen=True)
class WaitingChange:
    """The oldest change not yet accepted by TRS (the next one to go)."""

    made_at: datetime
    next_attempt_at: datetime
    attempts: int
    reason: str | None  # why the last try failed ("TRS unavailable"); None before the first try
    in_flight: bool  # a worker is sending it now
    waiting: int  # how many changes wait, this one included


@dataclass(frozen=True)
class StoppedDelivery:
    reason: str  # "TRS said the teacher has no QTS"
    manual_request_id: (
        int | None
    )  # None once the request is dealt with and the change not yet requeued


@dataclass(frozen=True)
class Drift:
    manual_request_id: int
    trs: StatusValues
    cpd: StatusValues
    trs_record: str  # found, not_found, deactivated, merged


@dataclass(frozen=True)
class DeliveryState:
    waiting: WaitingChange | None
    stopped: StoppedDelivery | None
    drift: Drift | None
    last_sent_at: datetime | None

    @property
    def needs_attention(self) -> bool:
        return bool(self.waiting or self.stopped or self.drift)


def delivery_state(teacher: TeacherOnPage, now: datetime) -> DeliveryState:
    """The teacher's delivery state, from what `read_teacher_page` read with them (no query of
    its own)."""
    rows = teacher.undelivered_changes
    pending = [row for row in rows if row.state == "pending"]
    failed = next((row for row in rows if row.state == "failed"), None)
    problems = {request.kind: request for request in teacher.open_problems}
    return DeliveryState(
        waiting=_waiting(pending, now) if pending and failed is None else None,
        stopped=_stopped(failed, problems.get("delivery")) if failed is not None else None,
        drift=_drift(problems.get("drift")),
        last_sent_at=teacher.last_sent_at,
    )


def _waiting(pending: list[UndeliveredChange], now: datetime) -> WaitingChange:
    first = pending[0]
    return WaitingChange(
        made_at=first.created_at,
        next_attempt_at=first.next_attempt_at,
        attempts=first.attempts,
        reason=first.last_error,
        in_flight=first.leased_until is not None and first.leased_until >= now,
        waiting=len(pending),
    )


def _stopped(row: UndeliveredChange, request: OpenProblem | None) -> StoppedDelivery:
    if request is None:
        return StoppedDelivery(row.last_error or "TRS refused the change", None)
    because = (request.answers or {}).get("stopped_because") or row.last_error or request.reason
    return StoppedDelivery(because, request.id)


def _drift(request: OpenProblem | None) -> Drift | None:
    answers = request.answers if request is not None else None
    if request is None or not answers or "trs" not in answers or "cpd" not in answers:
        return None
    return Drift(
        manual_request_id=request.id,
        trs=StatusValues.from_json(answers["trs"]),
        cpd=StatusValues.from_json(answers["cpd"]),
        trs_record=answers["trs"].get("record", "found"),
    )
