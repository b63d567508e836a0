"""Arranging a fail to appeal: the teacher in TRS and CPD with one period that ended in a fail."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from app.clock import LONDON
from app.models import AppropriateBody, InductionPeriod, Teacher
from tests.support.journeys import add_period

FAILED_ON = date(2026, 10, 26)  # a Monday; recorded in CPD that afternoon
FAILED_IN_TRS = {"status": "Failed", "startDate": "2024-09-02", "completedDate": "2026-10-26"}


def add_fail(db: Session, teacher: Teacher, body: AppropriateBody) -> InductionPeriod:
    return add_period(
        db,
        teacher,
        body.id,
        "2024-09-02",
        FAILED_ON.isoformat(),
        "6",
        outcome="fail",
        recorded_at=datetime(2026, 10, 26, 15, tzinfo=LONDON),
    )
