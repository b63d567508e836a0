"""Correcting a legacy record's induction status straight in TRS (DESIGN.md 3 and 4.2, last row).

A legacy record is one CPD holds no periods for: TRS's status is TRS's own, so the correction is
sent to TRS at once, synchronously, and CPD stores nothing of it but the audit event. If TRS
refuses or cannot be reached, nothing is recorded as done: the caller shows TRS's reason
(`TrsError.message`) with the caseworker's answers kept.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from app.models import Event
from app.rules import TeacherRecord, long_date, status_words
from app.services.casework import Outcome, Submission, open_allowed_case

ACTION = "correct_legacy_status"
LEGACY_STATUSES = ("RequiredToComplete", "Passed", "Failed")
"""The statuses a correction can set (the rules refuse the rest, which TRS's console sets)."""


def correct_legacy_status(
    submission: Submission, status: str, start_date: date | None, completed_date: date | None
) -> Outcome:
    """Send the corrected status to TRS, then keep the audit event; raises TrsError unchanged.

    The event is flushed before the PUT (so a row the database would refuse never reaches TRS)
    and committed after TRS accepts it, so a refused or failed PUT leaves nothing behind. The
    event's teacher is None when CPD has no row for the teacher (the usual legacy case).
    """
    s, now = submission, submission.clock.now()
    change = {"status": status, "start_date": start_date, "completed_date": completed_date}
    change = {key: value for key, value in change.items() if value is not None}
    try:
        case, decision = open_allowed_case(s, ACTION, lambda case: change)
        after = _trs_induction(status, start_date, completed_date)
        event = Event(
            teacher_id=case.teacher.id if case.teacher else None,
            trn=s.trn,
            occurred_at=now,
            actor_user_id=s.actor.user_id,
            actor_email=s.actor.email,
            actor_role=s.actor.role,
            action=ACTION,
            rule_id=decision.rule_id,
            summary=f"Induction status corrected in TRS: {_words(after['trs_induction'])}",
            before=_before(case.record),
            after=after,
        )
        s.session.add(event)
        s.session.flush()
        s.gateway.client.put_cpd_induction(s.trn, status, start_date, completed_date, now)
        s.session.commit()
    except BaseException:
        s.session.rollback()
        raise
    finally:
        s.gateway.forget(s.trn)
    return Outcome(event, decision)


def _before(record: TeacherRecord) -> dict[str, Any]:
    return _trs_induction(record.trs_status, record.trs_start_date, record.trs_completed_date)


def _trs_induction(status: str, start: date | None, completed: date | None) -> dict[str, Any]:
    """TRS's induction as an event's before or after (JSON)."""
    return {
        "trs_induction": {
            "status": status,
            "start_date": start.isoformat() if start else None,
            "completed_date": completed.isoformat() if completed else None,
        }
    }


def _words(induction: dict[str, Any]) -> str:
    words = status_words(induction["status"])
    if induction["completed_date"]:
        words += f", completed on {long_date(date.fromisoformat(induction['completed_date']))}"
    return words
