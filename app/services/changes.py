"""What every change shares: who made it, its audit event, and its outbox row for TRS.

A service makes its CPD rows, then touches the teacher and adds the event and outbox row
(`record_change` does both), then commits once: the rows, the event and the outbox entry go in
together or not at all (docs/domain.md, after an allowed change). Touching the teacher bumps its
version, so a caseworker saving over someone else's newer change is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from app.models import Event, OutboxEntry, Teacher
from app.observability.context import current_request_id
from app.rules import Decision, DerivedStatus
from app.services.sessions import SignedIn


class ConcurrentChange(Exception):
    """The teacher changed since the person loaded the form they are saving."""


@dataclass(frozen=True)
class Actor:
    """Who made a change: a signed-in person, or the console itself (reconciliation, import)."""

    user_id: int | None
    email: str
    role: str

    @classmethod
    def of(cls, user: SignedIn) -> Actor:
        return cls(user.id, user.email, user.role)

    @classmethod
    def system(cls, name: str = "induction-console") -> Actor:
        return cls(None, name, "system")


def check_version(teacher: Teacher, expected_version: int | None) -> None:
    """Refuse a save built on an older version of the teacher than the one now stored."""
    if expected_version is not None and teacher.version != expected_version:
        raise ConcurrentChange(teacher.trn)


def snapshot(teacher: Teacher) -> dict[str, Any]:
    """CPD's rows for a teacher as plain JSON, for an event's before and after."""
    return {
        "induction_periods": [
            {
                "id": p.id,
                "appropriate_body": p.appropriate_body.name if p.appropriate_body else None,
                "started_on": _iso(p.started_on),
                "finished_on": _iso(p.finished_on),
                "training_programme": p.training_programme,
                "number_of_terms": _number(p.number_of_terms),
                "outcome": p.outcome,
                "outcome_on": _iso(p.outcome_on),
                "closed_by_exemption": p.closed_by_exemption,
            }
            for p in teacher.induction_periods
        ],
        "extensions": [
            {"id": e.id, "number_of_terms": _number(e.number_of_terms)} for e in teacher.extensions
        ],
    }


def record_change(session: Session, *, teacher: Teacher, now: datetime, **change: Any) -> Event:
    """Touch the teacher, then add the event and (when CPD derives a status) the outbox row; the
    caller commits. The flush writes the CPD rows first, so a stale version is refused here and
    the event's snapshot carries the new rows' ids. `change` is `add_event`'s: actor, action,
    decision, summary, before, derived, and optionally note and after."""
    touch(teacher, now)
    session.flush()
    return add_event(session, teacher=teacher, now=now, **change)


def touch(teacher: Teacher, now: datetime) -> None:
    """Mark the teacher changed: its next flush bumps the version (even when `now` equals the
    stored value), so a save built on an older version is refused."""
    teacher.updated_at = now
    flag_modified(teacher, "updated_at")


def add_event(
    session: Session,
    *,
    teacher: Teacher,
    actor: Actor,
    action: str,
    decision: Decision | None,
    summary: str,
    before: dict[str, Any] | None,
    derived: DerivedStatus | None,
    now: datetime,
    note: str | None = None,
    after: dict[str, Any] | None = None,
) -> Event:
    """The event and its outbox row for a teacher whose rows are already flushed (they have ids).
    Nothing is flushed here, so many changes can share one flush (the import's batches)."""
    event = Event(
        teacher_id=teacher.id,
        trn=teacher.trn,
        occurred_at=now,
        actor_user_id=actor.user_id,
        actor_email=actor.email,
        actor_role=actor.role,
        action=action,
        rule_id=decision.rule_id if decision else None,
        summary=summary,
        before=before,
        after=after if after is not None else snapshot(teacher),
        note=note,
    )
    session.add(event)
    if derived is not None:
        session.add(
            OutboxEntry(
                teacher_id=teacher.id,
                trn=teacher.trn,
                event=event,
                status=derived.status,
                start_date=derived.start_date,
                completed_date=derived.completed_date,
                modified_on=now,
                request_id=current_request_id(),
                state="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
    return event


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _number(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.1f}"
