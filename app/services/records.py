"""Builds the one value the rules read (`TeacherRecord`) from CPD's rows and a TRS reading.

Every decision (a page's buttons, the re-check on POST, the policy API, reconciliation) goes
through here, so they all see a teacher the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from app.clock import LONDON
from app.rules import PeriodFacts, TeacherRecord
from app.services.teacher_page import TeacherAsRead
from app.trs.gateway import TrsReading

_FOUND = {
    "found": "active",
    "not_found": "not_found",
    "deactivated": "deactivated",
    "merged": "merged",
}


class TrsUnreadable(Exception):
    """TRS could not be read, so no rule can be asked: P1 to P3 need what TRS holds."""

    def __init__(self, reading: TrsReading) -> None:
        super().__init__(reading.problem or "TRS could not be read")
        self.reading = reading


def build_record(teacher: TeacherAsRead | None, reading: TrsReading) -> TeacherRecord:
    """What TRS and CPD hold for one teacher, as the rules see it."""
    if reading.state == "unavailable":
        raise TrsUnreadable(reading)
    person = reading.person
    induction = person.induction if person else None
    trs = {
        "trs_found": _FOUND[reading.state],
        "merged_into_trn": reading.merged_into,
        "trs_status": induction.status if induction else "None",
        "trs_start_date": induction.start_date if induction else None,
        "trs_completed_date": induction.completed_date if induction else None,
        "exemption_reasons": tuple(r.name for r in induction.exemption_reasons)
        if induction
        else (),
        "qts_date": person.qts_date if person else None,
    }
    if teacher is None:
        return TeacherRecord(**trs)
    outcome_period = teacher.outcome_period
    appeal = _appeal_against(teacher, outcome_period.id if outcome_period else None)
    # In start-date order (the relationship's order_by).
    return TeacherRecord(**trs, **cpd_facts(teacher.induction_periods, appeal))


class PeriodFields(Protocol):
    """What the rules read of an induction period: a row of `induction_periods` as the ORM or a
    plain query gives it."""

    started_on: date
    finished_on: date | None
    outcome: str | None
    outcome_on: date | None
    outcome_recorded_at: datetime | None


class AppealFields(Protocol):
    """What the rules read of an appeal."""

    lodged_on: date
    decision: str | None
    decided_on: date | None


def cpd_facts(periods: Sequence[PeriodFields], appeal: AppealFields | None) -> dict[str, object]:
    """What CPD holds, as `TeacherRecord` fields: the periods in start-date order, and the latest
    appeal against the outcome."""
    outcome_period = next((p for p in periods if p.outcome is not None), None)
    recorded_at = outcome_period.outcome_recorded_at if outcome_period else None
    return {
        "periods": tuple(
            PeriodFacts(p.started_on, p.finished_on, p.outcome is not None) for p in periods
        ),
        "outcome": outcome_period.outcome if outcome_period else None,
        "outcome_date": outcome_period.outcome_on if outcome_period else None,
        "outcome_recorded_on": recorded_at.astimezone(LONDON).date() if recorded_at else None,
        "appeal_lodged_on": appeal.lodged_on if appeal else None,
        "appeal_decision": appeal.decision if appeal else None,
        "appeal_decided_on": appeal.decided_on if appeal else None,
    }


def _appeal_against(teacher: TeacherAsRead, period_id: int | None) -> AppealFields | None:
    """The latest appeal against the period now carrying the outcome."""
    if period_id is None:
        return None
    return next((a for a in teacher.appeals if a.induction_period_id == period_id), None)
