"""What CPD already holds for the file's teachers, and how the file differs from it.

A teacher CPD holds periods for is never overwritten: the same periods are "unchanged" (a rerun is
a no-op), other periods are reported. Periods are compared field by field as `HeldPeriod`s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.importing.bodies import Bodies
from app.importing.reading import Row
from app.importing.report import plural
from app.models import Appeal, InductionPeriod, Teacher
from app.rules import long_date

_IN_CHUNKS = 500


class HeldPeriod(NamedTuple):
    """The values of one period that the file and CPD must agree on for "unchanged"."""

    started_on: date
    finished_on: date | None
    training_programme: str
    number_of_terms: Decimal | None
    outcome: str | None
    outcome_date: date | None
    appropriate_body: int | None  # the body's id
    appeal_lodged_on: date | None  # an appeal against this period's fail
    appeal_decision: str | None
    appeal_decided_on: date | None


class HeldTeacher(NamedTuple):
    teacher_id: int
    periods: tuple[HeldPeriod, ...]  # in start order; empty when CPD holds the teacher only


def held_in_cpd(session: Session, trns: list[str]) -> dict[str, HeldTeacher]:
    """The teachers CPD holds among `trns`, with their periods.

    Plain tuples, not ORM objects: on a rerun of a large file every teacher is held, and the
    session would otherwise keep them all.
    """
    held: dict[str, tuple[int, list[HeldPeriod]]] = {}
    for start in range(0, len(trns), _IN_CHUNKS):
        rows = session.execute(
            select(
                Teacher.trn,
                Teacher.id,
                InductionPeriod.started_on,
                InductionPeriod.finished_on,
                InductionPeriod.training_programme,
                InductionPeriod.number_of_terms,
                InductionPeriod.outcome,
                InductionPeriod.outcome_on,
                InductionPeriod.appropriate_body_id,
                Appeal.lodged_on,
                Appeal.decision,
                Appeal.decided_on,
            )
            .outerjoin(InductionPeriod, InductionPeriod.teacher_id == Teacher.id)
            .outerjoin(Appeal, Appeal.induction_period_id == InductionPeriod.id)
            .where(Teacher.trn.in_(trns[start : start + _IN_CHUNKS]))
            .order_by(Teacher.trn, InductionPeriod.started_on)
        )
        for trn, teacher_id, *period in rows:
            periods = held.setdefault(trn, (teacher_id, []))[1]
            if period[0] is not None:
                periods.append(HeldPeriod(*period))
    return {trn: HeldTeacher(teacher_id, tuple(ps)) for trn, (teacher_id, ps) in held.items()}


def file_periods(rows: Iterable[Row], bodies: Bodies) -> tuple[HeldPeriod, ...]:
    """The file's rows for a teacher as CPD would hold them, in start order."""
    return tuple(
        HeldPeriod(
            r.started_on,
            r.finished_on,
            r.programme,
            r.terms,
            r.outcome,
            r.outcome_on,
            body.id if (body := bodies.find(r.body)) else None,
            r.appeal_lodged_on,
            r.appeal_decision,
            r.appeal_decided_on,
        )
        for r in sorted(rows, key=lambda r: r.started_on)
    )


def difference(
    held: tuple[HeldPeriod, ...], wanted: tuple[HeldPeriod, ...], body_name: Callable[[int], str]
) -> str:
    """The first difference between CPD's periods and the file's, in words."""
    if len(held) != len(wanted):
        return f"CPD holds {plural(len(held), 'induction period')}; the file has {len(wanted)}."
    for in_cpd, in_file in zip(held, wanted, strict=True):
        changed = [
            f"{name} is {_shown(name, a, body_name)} in CPD but "
            f"{_shown(name, b, body_name)} in the file"
            for name, a, b in zip(HeldPeriod._fields, in_cpd, in_file, strict=True)
            if a != b
        ]
        if changed:
            return (
                f"The period CPD holds from {long_date(in_cpd.started_on)}: {'; '.join(changed)}."
            )
    return ""


def _shown(name: str, value: object, body_name: Callable[[int], str]) -> str:
    if name == "appropriate_body":
        return body_name(value)
    if value is None:
        return "blank"
    return long_date(value) if isinstance(value, date) else str(value)
