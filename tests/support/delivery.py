"""Helpers for the delivery and reconciliation tests: real CPD changes, and what TRS ended up with.

`CpdChanges` makes the changes a caseworker would (CPD rows, then `record_change` with the status
CPD derives, one commit), one second apart on the test's clock, so each outbox row carries a later
`modifiedOn` than the one before. `assert_trs_holds_cpd` is the end check every delivery test
shares: TRS shows what CPD derives now, and the sandbox's log of accepted PUTs went through the
teacher's changes in order (never backwards).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import FixedClock
from app.models import AppropriateBody, InductionPeriod, OutboxEntry, Teacher
from app.rules import DerivedStatus, derive_trs_status
from app.services.changes import Actor, record_change, snapshot
from app.services.records import build_record
from app.trs.client import format_modified_on
from app.trs.gateway import TrsReading
from tests.support.sandbox import SandboxAdmin

STARTED = date(2024, 9, 2)


def cpd_derived(session: Session, teacher: Teacher) -> DerivedStatus | None:
    """What CPD derives for the teacher now (the TRS side of the record does not enter into it)."""
    reading = TrsReading(teacher.trn, "found", read_at=teacher.updated_at)
    return derive_trs_status(build_record(teacher, reading))


class CpdChanges:
    """Caseworker-style changes to one database, each committed with its outbox row."""

    def __init__(self, session: Session, clock: FixedClock, body: AppropriateBody) -> None:
        self.session = session
        self.clock = clock
        self.body = body

    def start(self, teacher: Teacher, started_on: date = STARTED) -> None:
        """A first, ongoing period: TRS should show InProgress from `started_on`."""
        self._change(
            teacher,
            "add_induction_period",
            lambda: teacher.induction_periods.append(
                InductionPeriod(
                    appropriate_body=self.body,
                    started_on=started_on,
                    training_programme="provider_led",
                )
            ),
        )

    def move_start(self, teacher: Teacher, started_on: date) -> None:
        """The ongoing period's start corrected: a new InProgress start date."""

        def edit() -> None:
            teacher.induction_periods[0].started_on = started_on

        self._change(teacher, "edit_induction_period", edit)

    def record_outcome(self, teacher: Teacher, outcome: str, finished_on: date) -> None:
        """Pass or fail on the ongoing period: TRS should show Passed or Failed."""

        def finish() -> None:
            period = teacher.ongoing_period
            assert period is not None
            period.finished_on = finished_on
            period.number_of_terms = Decimal("6")
            period.outcome = outcome
            period.outcome_on = finished_on
            period.outcome_recorded_at = self.clock.now()

        self._change(teacher, f"record_{outcome}", finish)

    def story(self, teacher: Teacher, index: int) -> None:
        """Three changes with a different ending per teacher: start, correct the start, finish."""
        self.start(teacher)
        self.move_start(teacher, STARTED + timedelta(days=7 + index % 5))
        if index % 3 != 2:
            self.record_outcome(teacher, "pass" if index % 3 == 0 else "fail", date(2026, 7, 20))

    def _change(self, teacher: Teacher, action: str, apply: Any) -> None:
        before = snapshot(teacher)
        apply()
        self.session.flush()
        self.session.refresh(teacher, ["induction_periods"])
        record_change(
            self.session,
            teacher=teacher,
            actor=Actor.system("test"),
            action=action,
            decision=None,
            summary=action,
            before=before,
            derived=cpd_derived(self.session, teacher),
            now=self.clock.now(),
        )
        self.session.commit()
        self.clock.advance(timedelta(seconds=1))


def put_body(status: str, start: date | None, completed: date | None, modified_on) -> dict:
    """A PUT body as the sandbox logs it."""
    return {
        "status": status,
        "startDate": start.isoformat() if start else None,
        "completedDate": completed.isoformat() if completed else None,
        "modifiedOn": format_modified_on(modified_on),
    }


def accepted_in_order(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The accepted PUT bodies, with a row sent twice (a retry after TRS had in fact accepted it)
    counted once."""
    bodies: list[dict[str, Any]] = []
    for request in requests:
        if not bodies or bodies[-1] != request["body"]:
            bodies.append(request["body"])
    return bodies


def assert_trs_holds_cpd(session: Session, sandbox: SandboxAdmin, teachers: list[Teacher]) -> None:
    """TRS shows what CPD derives, and took the teacher's delivered changes in their order."""
    session.expire_all()
    for teacher in teachers:
        derived = cpd_derived(session, teacher)
        assert derived is not None
        person = sandbox.person(teacher.trn)
        shown = {k: person[k] for k in ("status", "startDate", "completedDate")}
        assert shown == {
            "status": derived.status,
            "startDate": derived.start_date.isoformat() if derived.start_date else None,
            "completedDate": derived.completed_date.isoformat() if derived.completed_date else None,
        }, teacher.trn
        rows = session.scalars(
            select(OutboxEntry).where(OutboxEntry.teacher_id == teacher.id).order_by(OutboxEntry.id)
        ).all()
        assert {row.state for row in rows} == {"sent"}, teacher.trn
        expected = [
            put_body(row.status, row.start_date, row.completed_date, row.modified_on)
            for row in rows
        ]
        assert accepted_in_order(sandbox.cpd_requests(teacher.trn)) == expected, teacher.trn
