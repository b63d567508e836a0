"""The deadlines work list: every window closing soon for the actions a role may take, and the
stopped deliveries and drift requests that have waited longest.

It stays fast however many teachers CPD holds: the rules say which start dates put a window's last
day inside the next N working days (`Window.starts_closing_between`), an index-backed query finds
the teachers whose CPD column that starts the window falls in that range, and the rules then judge
those candidates only. The candidates are judged on what CPD holds (the windows are CPD's): TRS is
not read for a list, so a teacher TRS has since made exempt still shows until their page is opened.
The statements run are the same number for 10 teachers or 100,000.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from itertools import groupby
from operator import attrgetter

from sqlalchemy import BindParameter, Select, bindparam, func, select, union
from sqlalchemy.orm import Session

from app.clock import LONDON
from app.models import Appeal, InductionPeriod, ManualRequest, Teacher, TeacherSearchEntry
from app.rules import (
    ACTIONS,
    TeacherRecord,
    Window,
    closing_windows,
    working_days_ahead,
    working_days_left,
)
from app.rules.timing import calendar_days_since, windows_for_role
from app.services.records import cpd_facts

DEFAULT_WORKING_DAYS = 10
MOST_WORKING_DAYS = 60
# Stopped deliveries and drift are not windows: the oldest few are shown, the rest counted.
WAITING_SHOWN = 20
WAITING_KINDS = {"delivery": "Delivery to TRS stopped", "drift": "CPD and TRS disagree (drift)"}
WAITING_ROLES = ("caseworker", "senior_caseworker")
# The tables the list reads, as plain tables: it builds no ORM objects.
_TEACHERS, _PERIODS, _APPEALS = Teacher.__table__, InductionPeriod.__table__, Appeal.__table__
_NAMES, _REQUESTS = TeacherSearchEntry.__table__, ManualRequest.__table__


@dataclass(frozen=True)
class Deadline:
    """One window closing on one teacher's record, and the actions it closes for the role."""

    trn: str
    name: str | None  # from the name index; None: not read from TRS yet
    window: Window
    rule_ids: tuple[str, ...]  # the rules that answer from the day after the last day
    actions: tuple[str, ...]  # action titles
    last_day: date
    working_days_left: int


@dataclass(frozen=True)
class WaitingRequest:
    """An open drift or delivery request: something stopped until a person acts."""

    request_id: int
    trn: str
    name: str | None
    kind: str
    requested_on: date
    days_waiting: int

    @property
    def what(self) -> str:
        return WAITING_KINDS[self.kind]


@dataclass(frozen=True)
class DeadlinesList:
    working_days: int
    last_day_by: date
    deadlines: list[Deadline]
    waiting: list[WaitingRequest]
    waiting_total: int

    @property
    def count(self) -> int:
        """What the navigation shows: every row the list holds, shown or counted."""
        return len(self.deadlines) + self.waiting_total


def deadlines_list(
    session: Session, role: str, today: date, working_days: int = DEFAULT_WORKING_DAYS
) -> DeadlinesList:
    """Windows open to `role` whose last day is within `working_days`, fewest days left first."""
    last_day_by = working_days_ahead(today, working_days)
    deadlines = _deadlines(session, role, today, last_day_by)
    waiting, total = _waiting(session, today) if role in WAITING_ROLES else ([], 0)
    return DeadlinesList(working_days, last_day_by, deadlines, waiting, total)


def _deadlines(session: Session, role: str, today: date, last_day_by: date) -> list[Deadline]:
    windows = tuple(windows_for_role(role))
    if not windows:
        return []
    ranges: dict[str, date | datetime] = {}
    for window in windows:
        bounds = _CANDIDATES[window.name].bounds(*window.starts_closing_between(today, last_day_by))
        ranges.update(zip(_bounds(window.name), bounds, strict=True))
    rows = session.execute(_candidates_closing(tuple(w.name for w in windows)), ranges)
    deadlines = []
    for trn, group in groupby(rows, key=attrgetter("trn")):
        periods = list(group)  # in start-date order, each with the latest appeal against it
        outcome = next((p for p in periods if p.outcome is not None), None)
        appeal = outcome if outcome is not None and outcome.lodged_on is not None else None
        record = TeacherRecord(**cpd_facts(periods, appeal))
        closing = closing_windows(role, record, today, last_day_by)
        deadlines.extend(_rows(trn, periods[0].display_name, closing))
    return sorted(deadlines, key=lambda d: (d.last_day, d.window.name, d.trn))


def _rows(trn: str, name: str | None, closing: tuple) -> list[Deadline]:
    """One row per window: reopening and editing an outcome close together, for instance."""
    by_window = defaultdict(list)
    for change in closing:
        by_window[(change.window, change.last_day)].append(change)
    return [
        Deadline(
            trn=trn,
            name=name,
            window=window,
            rule_ids=tuple(dict.fromkeys(c.after.rule_id for c in changes)),
            actions=tuple(ACTIONS[c.action].title for c in changes),
            last_day=last_day,
            working_days_left=working_days_left(changes[0].before.evaluated_on, last_day),
        )
        for (window, last_day), changes in by_window.items()
    ]


@lru_cache
def _candidates_closing(window_names: tuple[str, ...]) -> Select:
    """The candidates for these windows as plain rows: one a period, in start-date order, each with
    the teacher's name and the latest appeal against the period (a candidate has a few periods and
    an appeal or two: one round trip, and no ORM objects to build for a list).

    Built once per set of windows, each window's range bound on every run (`_bounds`): building
    the statement cost about as much as running it."""
    candidates = union(
        *(_CANDIDATES[name].query(*(bindparam(b) for b in _bounds(name))) for name in window_names)
    ).subquery()
    latest_appeal = (
        select(func.max(_APPEALS.c.id))
        .where(_APPEALS.c.induction_period_id == _PERIODS.c.id)
        .correlate(_PERIODS)
        .scalar_subquery()
    )
    return (
        select(
            _TEACHERS.c.trn, _NAMES.c.display_name,
            _PERIODS.c.started_on, _PERIODS.c.finished_on, _PERIODS.c.outcome,
            _PERIODS.c.outcome_on, _PERIODS.c.outcome_recorded_at,
            _APPEALS.c.lodged_on, _APPEALS.c.decision, _APPEALS.c.decided_on,
        )
        .select_from(
            _TEACHERS.join(_PERIODS, _PERIODS.c.teacher_id == _TEACHERS.c.id)
            .outerjoin(_NAMES, _NAMES.c.teacher_id == _TEACHERS.c.id)
            .outerjoin(_APPEALS, _APPEALS.c.id == latest_appeal)
        )
        .where(_TEACHERS.c.id.in_(select(candidates.c.teacher_id)))
        .order_by(_TEACHERS.c.trn, _PERIODS.c.started_on)
    )  # fmt: skip


def _bounds(window_name: str) -> tuple[str, str]:
    return f"{window_name}_first", f"{window_name}_last"


def _failed_without_appeal(first: BindParameter, last: BindParameter) -> Select:
    """Fails decided in the range with no appeal lodged (index ix_periods_outcome_on)."""
    appealed = select(Appeal.id).where(Appeal.induction_period_id == InductionPeriod.id)
    return select(InductionPeriod.teacher_id.label("teacher_id")).where(
        InductionPeriod.outcome == "fail",
        InductionPeriod.outcome_on.between(first, last),
        ~appealed.exists(),
    )


def _appeals_awaiting_decision(first: BindParameter, last: BindParameter) -> Select:
    """Open appeals lodged in the range (index ix_appeals_open_lodged_on)."""
    return select(Appeal.teacher_id.label("teacher_id")).where(
        Appeal.decision.is_(None), Appeal.lodged_on.between(first, last)
    )


def _outcomes_recorded(first: BindParameter, last: BindParameter) -> Select:
    """Outcomes recorded (London days) in the range (index ix_periods_outcome_recorded_at)."""
    return select(InductionPeriod.teacher_id.label("teacher_id")).where(
        InductionPeriod.outcome_recorded_at.between(first, last)
    )


def _london_instants(first: date, last: date) -> tuple[datetime, datetime]:
    """The first and last instants of a range of London days, for a timestamp column."""
    return (
        datetime.combine(first, time.min, tzinfo=LONDON),
        datetime.combine(last, time.max, tzinfo=LONDON),
    )


@dataclass(frozen=True)
class _Candidates:
    """The query over the CPD column a window counts from, and that column's bounds for a range
    of start dates."""

    query: Callable[[BindParameter, BindParameter], Select]
    bounds: Callable[[date, date], tuple[date, date] | tuple[datetime, datetime]]


def _days(first: date, last: date) -> tuple[date, date]:
    return first, last


_CANDIDATES = {
    "APPEAL_LODGING": _Candidates(_failed_without_appeal, _days),
    "APPEAL_DECISION": _Candidates(_appeals_awaiting_decision, _days),
    "OUTCOME_CORRECTION": _Candidates(_outcomes_recorded, _london_instants),
}


# The count of every open request rides on each row shown (a window is counted before LIMIT).
# Built once, as every caseworker's list runs it; plain rows, as the list only shows them.
_OLDEST_WAITING = (
    select(_REQUESTS.c.id, _REQUESTS.c.trn, _REQUESTS.c.kind, _REQUESTS.c.requested_at,
           _NAMES.c.display_name, func.count().over().label("total"))
    .select_from(_REQUESTS.outerjoin(_NAMES, _NAMES.c.teacher_id == _REQUESTS.c.teacher_id))
    .where(_REQUESTS.c.state == "open", _REQUESTS.c.kind.in_(tuple(WAITING_KINDS)))
    .order_by(_REQUESTS.c.requested_at, _REQUESTS.c.id)
    .limit(WAITING_SHOWN)
)  # fmt: skip


def _waiting(session: Session, today: date) -> tuple[list[WaitingRequest], int]:
    """Open drift and delivery requests, oldest first (index ix_manual_requests_state_kind)."""
    rows = session.execute(_OLDEST_WAITING).all()
    waiting = []
    for row in rows:
        requested_on = row.requested_at.astimezone(LONDON).date()
        waiting.append(
            WaitingRequest(
                row.id,
                row.trn,
                row.display_name,
                row.kind,
                requested_on,
                calendar_days_since(requested_on, today),
            )
        )
    return waiting, rows[0].total if rows else 0
