"""A teacher as the teacher page reads them: plain values from one query, no ORM objects.

The page only reads, and building ORM objects (identity map, instrumented collections, a loader
for each joined relationship on every query) cost more than the query itself: about 1 ms of a
page. Here the same rows come back as tuples and are grouped into frozen dataclasses that carry
the attributes the page, the rules' record, the delivery state and the journeys' links read (and
no others: notes, versions), with the same names as the ORM's (`Teacher`, `InductionPeriod`, ...),
so each of those reads either. Made of plain values, a `TeacherOnPage` prints every value the
record can show, so its `repr` is part of the key the rendered record is kept under
(`app/web/record.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import accumulate
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from app.models import (
    Appeal,
    AppropriateBody,
    Extension,
    InductionPeriod,
    ManualRequest,
    OutboxEntry,
    Teacher,
    TeacherSearchEntry,
)
from app.models.teacher import InductionFacts, PeriodWording


@dataclass(frozen=True)
class BodyOnPage:
    id: int
    name: str


@dataclass(frozen=True)
class PeriodOnPage(PeriodWording):
    id: int
    started_on: date
    finished_on: date | None
    training_programme: str
    number_of_terms: Decimal | None
    outcome: str | None
    outcome_on: date | None
    outcome_recorded_at: datetime | None
    closed_by_exemption: bool
    appropriate_body: BodyOnPage


@dataclass(frozen=True)
class ExtensionOnPage:
    id: int
    number_of_terms: Decimal
    created_at: datetime


@dataclass(frozen=True)
class AppealOnPage:
    id: int
    induction_period_id: int | None
    failed_on: date
    lodged_on: date
    decision: str | None
    decided_on: date | None
    extension_terms: Decimal | None


@dataclass(frozen=True)
class UndeliveredChange:
    """A change TRS has not accepted yet (`Teacher.undelivered_changes`)."""

    id: int
    state: str
    created_at: datetime
    next_attempt_at: datetime
    attempts: int
    last_error: str | None
    leased_until: datetime | None


@dataclass(frozen=True)
class OpenProblem:
    """An open drift or delivery request (`Teacher.open_problems`)."""

    id: int
    kind: str
    answers: Any  # a JSON document
    reason: str


@dataclass(frozen=True)
class NameEntry:
    """The name index's entry (`Teacher.search_entry`)."""

    display_name: str
    read_from_trs_at: datetime


@dataclass(frozen=True)
class TeacherOnPage(InductionFacts):
    id: int
    trn: str
    last_sent_at: datetime | None
    search_entry: NameEntry | None
    induction_periods: tuple[PeriodOnPage, ...]  # in start-date order
    extensions: tuple[ExtensionOnPage, ...]  # oldest first
    appeals: tuple[AppealOnPage, ...]  # newest first
    undelivered_changes: tuple[UndeliveredChange, ...]  # oldest first
    open_problems: tuple[OpenProblem, ...]


TeacherAsRead = Teacher | TeacherOnPage
"""A teacher as a page or a change reads them: the ORM's objects, which a change edits, or the
teacher page's plain values. Whatever only reads a teacher takes either."""


# Each part's columns, in its dataclass's field order (the body's after the period's own).
_TEACHER = (Teacher.id, Teacher.trn, Teacher.last_sent_at)
_NAME = (TeacherSearchEntry.display_name, TeacherSearchEntry.read_from_trs_at)
_PERIOD = (
    InductionPeriod.id, InductionPeriod.started_on, InductionPeriod.finished_on,
    InductionPeriod.training_programme, InductionPeriod.number_of_terms, InductionPeriod.outcome,
    InductionPeriod.outcome_on, InductionPeriod.outcome_recorded_at,
    InductionPeriod.closed_by_exemption, AppropriateBody.id, AppropriateBody.name,
)  # fmt: skip
_EXTENSION = (Extension.id, Extension.number_of_terms, Extension.created_at)
_APPEAL = (
    Appeal.id, Appeal.induction_period_id, Appeal.failed_on, Appeal.lodged_on, Appeal.decision,
    Appeal.decided_on, Appeal.extension_terms,
)  # fmt: skip
_CHANGE = (
    OutboxEntry.id, OutboxEntry.state, OutboxEntry.created_at, OutboxEntry.next_attempt_at,
    OutboxEntry.attempts, OutboxEntry.last_error, OutboxEntry.leased_until,
)  # fmt: skip
_PROBLEM = (ManualRequest.id, ManualRequest.kind, ManualRequest.answers, ManualRequest.reason)
_PARTS = (_TEACHER, _NAME, _PERIOD, _EXTENSION, _APPEAL, _CHANGE, _PROBLEM)
_ENDS = tuple(accumulate(len(part) for part in _PARTS))
_T, _N, _P, _E, _A, _C, _R = (
    slice(end - len(part), end) for part, end in zip(_PARTS, _ENDS, strict=True)
)

# Built once. The joins and their order are the ORM relationships' own (a teacher has a dozen
# periods, a few extensions and an appeal or two at most, so the product stays small).
_TEACHER_PAGE = (
    select(*(column for part in _PARTS for column in part))
    .select_from(Teacher)
    .outerjoin(Teacher.search_entry)
    .outerjoin(Teacher.induction_periods)
    .outerjoin(InductionPeriod.appropriate_body)
    .outerjoin(Teacher.extensions)
    .outerjoin(Teacher.appeals)
    .outerjoin(Teacher.undelivered_changes)
    .outerjoin(Teacher.open_problems)
    .where(Teacher.trn == bindparam("trn"))
    .order_by(InductionPeriod.started_on, Extension.id, Appeal.id.desc(), OutboxEntry.id)
)


def read_teacher_page(session: Session, trn: str) -> TeacherOnPage | None:
    """What CPD holds about the teacher for their page, in one round trip; None if nothing."""
    rows = session.connection().execute(_TEACHER_PAGE, {"trn": trn}).all()
    if not rows:
        return None
    first = rows[0]
    name = first[_N]
    return TeacherOnPage(
        *first[_T],
        search_entry=NameEntry(*name) if name[0] is not None else None,
        induction_periods=_each(rows, _P, _period),
        extensions=_each(rows, _E, ExtensionOnPage),
        appeals=_each(rows, _A, AppealOnPage),
        undelivered_changes=_each(rows, _C, UndeliveredChange),
        open_problems=_each(rows, _R, OpenProblem),
    )


def _period(*values: Any) -> PeriodOnPage:
    return PeriodOnPage(*values[:-2], appropriate_body=BodyOnPage(*values[-2:]))


def _each(rows: list[Row], part: slice, make: Callable[..., Any]) -> tuple:
    """One of a joined relationship's rows for each id, in the rows' order (the joins repeat
    each row once for each row of the others)."""
    seen: dict[int, Any] = {}
    for row in rows:
        values = row[part]
        if values[0] is not None and values[0] not in seen:
            seen[values[0]] = make(*values)
    return tuple(seen.values())
