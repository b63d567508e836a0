"""When the rules' answers change: the time dimension of the rule set, worked out from its windows.

Every window rule reports the last day it used (`Decision.dates_used`); an answer can only change
the day after one of those days. `next_changes` asks the rules again on each such day and keeps the
days on which the answer really changes, so a new window rule needs no code here, only a date in
its facts (and an entry in `FACT_WINDOWS` to be named). The deadlines list needs the other way
round, which start dates put a window's last day in a range: `Window.starts_closing_between`.
Pure: nothing but the rule set itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from app.rules.actions import ACTIONS, CONSOLE_ACTIONS
from app.rules.decide import Decision, decide, role_may
from app.rules.formatting import long_date
from app.rules.record import TeacherRecord
from app.rules.table import ALLOWED
from app.rules.windows import ONE_DAY, Window, add_working_days, is_working_day, window

# The facts that are a window's last day, and that window (its name in `WINDOWS`).
FACT_WINDOWS: dict[str, str] = {
    "correction_closes_on": "OUTCOME_CORRECTION",
    "lodging_last_day": "APPEAL_LODGING",
    "decision_last_day": "APPEAL_DECISION",
    "managed_until": "MANAGED_BY_CPD",
}
# The windows, and the CPD actions each one closes when it passes.
WINDOW_ACTIONS: dict[str, tuple[str, ...]] = {
    "APPEAL_LODGING": ("lodge_appeal",),
    "APPEAL_DECISION": ("record_appeal_decision",),
    "OUTCOME_CORRECTION": ("edit_induction_period", "reopen_outcome"),
}
ANSWER_WORDS = {"allowed": "allowed", "forbidden": "not allowed", "manual": "manual handling"}
# A bound, not a policy: no action's answer has more than a few windows ahead of it.
MOST_CHANGES_PER_ACTION = 4


@dataclass(frozen=True, slots=True)
class NextChange:
    """The day an action's answer changes, the answers either side and the window that passes."""

    action: str
    changes_on: date  # the first day of the new answer
    before: Decision
    after: Decision
    window: Window | None  # None: a date that is not one of the named windows

    @property
    def last_day(self) -> date:
        """The last day of the answer now (a window includes its last day)."""
        return self.changes_on - ONE_DAY

    @property
    def closes_window(self) -> bool:
        """An allowed action turns into manual handling or a refusal because a window passes."""
        return self.before.outcome == ALLOWED and self.window is not None

    @property
    def words(self) -> str:
        """E.g. "Reopen an outcome recorded in error becomes manual handling after 29 December 2026
        (30 calendar days from the date the outcome was recorded in CPD ...)"."""
        title = ACTIONS[self.action].title
        said = (
            f"{title} becomes {ANSWER_WORDS[self.after.outcome]} after {long_date(self.last_day)}"
        )
        if self.window is None:
            return said
        return f"{said} ({self.window.words} from {self.window.counted_from})"


def next_changes(
    console: str,
    record: TeacherRecord,
    today: date,
    *,
    actions: Iterable[str] | None = None,
    until: date | None = None,
) -> tuple[NextChange, ...]:
    """Each change of an action's answer after `today` (up to `until`), soonest first.

    The record is taken as it stands; only the day moves. `actions` defaults to the console's.
    """
    chosen = CONSOLE_ACTIONS[console] if actions is None else tuple(actions)
    changes = [c for a in chosen for c in _changes_of(console, a, record, today, until)]
    return tuple(sorted(changes, key=lambda c: (c.changes_on, chosen.index(c.action))))


def _changes_of(
    console: str, action: str, record: TeacherRecord, today: date, until: date | None
) -> list[NextChange]:
    now = decide(console, action, record, today)
    found: list[NextChange] = []
    while len(found) < MOST_CHANGES_PER_ACTION:
        days = sorted(
            (day + ONE_DAY, name) for name, day in now.dates_used if day >= now.evaluated_on
        )
        change = None
        for day, name in days:
            if until is not None and day > until:
                break
            later = decide(console, action, record, day)
            if (later.outcome, later.rule_id) != (now.outcome, now.rule_id):
                named = FACT_WINDOWS.get(name)
                change = NextChange(action, day, now, later, window(named) if named else None)
                break
        if change is None:
            return found
        found.append(change)
        now = change.after
    return found


def managed_horizon(record: TeacherRecord) -> date | None:
    """The day CPD stops managing the induction (7 years from completion); None while none is due.

    The teacher page shows changes up to and including that day and none after it.
    """
    completed = record.cpd_completed_date
    if not record.periods or completed is None:
        return None
    return window("MANAGED_BY_CPD").last_day(completed) + ONE_DAY


def changes_for_role(role: str, record: TeacherRecord, today: date) -> tuple[NextChange, ...]:
    """The teacher page's "What changes next": the CPD actions `role` may take, in the horizon."""
    horizon = managed_horizon(record)
    if record.periods and horizon is None:
        horizon = date.max
    if horizon is None or horizon <= today:
        return ()
    mine = [a for a in CONSOLE_ACTIONS["cpd"] if role_may(role, a)]
    return next_changes("cpd", record, today, actions=mine, until=horizon)


def closing_windows(
    role: str, record: TeacherRecord, today: date, last_day_by: date
) -> tuple[NextChange, ...]:
    """The windows open to `role`'s actions on this record whose last day is by `last_day_by`.

    Only the actions a window closes are asked (the deadlines list asks this of every candidate).
    """
    closed_by_windows = {a for actions in WINDOW_ACTIONS.values() for a in actions}
    mine = [a for a in CONSOLE_ACTIONS["cpd"] if a in closed_by_windows and role_may(role, a)]
    changes = next_changes("cpd", record, today, actions=mine, until=last_day_by + ONE_DAY)
    return tuple(c for c in changes if c.closes_window)


def working_days_ahead(today: date, count: int) -> date:
    """The last day of the next `count` working days (today not counted)."""
    return add_working_days(today, count)


def working_days_left(today: date, last_day: date) -> int:
    """Working days after today up to and including `last_day` (0: the last day is today)."""
    day, left = today, 0
    while day < last_day:
        day += ONE_DAY
        left += is_working_day(day)
    return left


def windows_for_role(role: str) -> tuple[Window, ...]:
    """The windows that close an action `role` may take (what the deadlines list looks for)."""
    return tuple(
        window(name)
        for name, actions in WINDOW_ACTIONS.items()
        if any(role_may(role, a) for a in actions)
    )


def calendar_days_since(day: date, today: date) -> int:
    """Whole days from `day` to `today` (0 on the day itself)."""
    return (today - day).days


@dataclass(frozen=True, slots=True)
class WindowSpan:
    """One window on this record: the day it counts from and its last day."""

    window: Window
    counted_from: date
    last_day: date


def window_spans(record: TeacherRecord) -> tuple[WindowSpan, ...]:
    """Every window this record has started, in the order they start (for the teacher page's
    picture): the correction of its outcome, the appeal windows of a fail, and CPD's management."""
    starts = (
        ("OUTCOME_CORRECTION", record.outcome_recorded_on),
        ("APPEAL_LODGING", record.outcome_date if record.outcome == "fail" else None),
        ("APPEAL_DECISION", record.appeal_lodged_on if record.appeal_counts else None),
        ("MANAGED_BY_CPD", record.cpd_completed_date if record.periods else None),
    )
    spans = [
        WindowSpan(window(name), start, window(name).last_day(start))
        for name, start in starts
        if start is not None
    ]
    return tuple(sorted(spans, key=lambda s: s.counted_from))
