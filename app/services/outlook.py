"""The rules' time dimension for one teacher: what changes next for a role, every action's answer on
another day (the teacher page's preview and the policy API's actions), and the dated facts the
page's picture of the induction draws.

All the dates come from the rule set (`next_changes`, `window_spans`); this module only reads the
record and hands the answers on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.clock import LONDON
from app.models.teacher import OUTCOMES
from app.rules import (
    ACTIONS,
    CONSOLE_ACTIONS,
    Decision,
    NextChange,
    TeacherRecord,
    changes_for_role,
    decide,
    next_changes,
    role_may,
    window_spans,
)
from app.services.casework import terms_words
from app.services.records import TrsUnreadable, build_record
from app.services.teacher_page import TeacherAsRead
from app.trs.gateway import TrsReading


@dataclass(frozen=True)
class ActionOnDay:
    """One action's answer on a day, and the first day after it on which that answer changes."""

    action: str
    title: str
    decision: Decision
    next_change: NextChange | None


def actions_on(console: str, record: TeacherRecord, on: date, actions=None) -> list[ActionOnDay]:
    """Every action of `console` (or those given) as the rules answer it on `on`."""
    chosen = CONSOLE_ACTIONS[console] if actions is None else actions
    changes = next_changes(console, record, on, actions=chosen)
    first = {}
    for change in changes:
        first.setdefault(change.action, change)
    return [
        ActionOnDay(a, ACTIONS[a].title, decide(console, a, record, on), first.get(a))
        for a in chosen
    ]


@dataclass(frozen=True)
class PictureBar:
    """A stretch of time on the picture: a period or a window. `finish` None: still going."""

    kind: str  # "period" | "window"
    label: str
    start: date
    finish: date | None


@dataclass(frozen=True)
class PictureMark:
    """A day on the picture: the outcome, an extension, today, the day previewed."""

    kind: str  # "outcome" | "extension" | "today" | "preview"
    label: str
    day: date


@dataclass(frozen=True)
class InductionPicture:
    bars: tuple[PictureBar, ...]
    marks: tuple[PictureMark, ...]
    managed_until: date | None  # the last day CPD manages the induction, drawn as an arrow


@dataclass(frozen=True)
class Outlook:
    """The teacher page's look ahead for one person, from `on` (today unless previewing)."""

    on: date
    changes: tuple[NextChange, ...] = ()
    preview: tuple[ActionOnDay, ...] = ()
    picture: InductionPicture | None = None
    unavailable: str | None = None


def teacher_outlook(
    teacher: TeacherAsRead | None,
    reading: TrsReading,
    role: str,
    today: date,
    on: date | None = None,
) -> Outlook:
    """What changes next for `role` from `on` (default today), the role's actions on that day
    when previewing, and the picture of the induction (CPD's record, with today marked)."""
    day = on or today
    try:
        record = build_record(teacher, reading)
    except TrsUnreadable as unreadable:
        return Outlook(day, unavailable=f"TRS could not be read ({unreadable}).")
    mine = tuple(a for a in CONSOLE_ACTIONS["cpd"] if role_may(role, a))
    return Outlook(
        on=day,
        changes=changes_for_role(role, record, day),
        preview=tuple(actions_on("cpd", record, day, mine)) if on is not None else (),
        picture=induction_picture(teacher, record, today, on) if teacher else None,
    )


def induction_picture(
    teacher: TeacherAsRead, record: TeacherRecord, today: date, on: date | None = None
) -> InductionPicture | None:
    """Periods, extensions, the outcome and each window, with today (and a previewed day)."""
    if not teacher.induction_periods:
        return None
    bars = [
        PictureBar("period", f"Period with {p.appropriate_body.name}", p.started_on, p.finished_on)
        for p in teacher.induction_periods
    ]
    spans = window_spans(record)
    bars += [
        PictureBar("window", f"{s.window.title} window", s.counted_from, s.last_day)
        for s in spans
        if s.window.name != "MANAGED_BY_CPD"
    ]
    marks = [
        PictureMark(
            "extension",
            f"Extension of {terms_words(e.number_of_terms)}",
            e.created_at.astimezone(LONDON).date(),
        )
        for e in teacher.extensions
    ]
    if record.outcome and record.outcome_date:
        marks.append(PictureMark("outcome", OUTCOMES[record.outcome], record.outcome_date))
    marks.append(PictureMark("today", "Today", today))
    if on is not None and on != today:
        marks.append(PictureMark("preview", "Day previewed", on))
    managed = next((s for s in spans if s.window.name == "MANAGED_BY_CPD"), None)
    return InductionPicture(tuple(bars), tuple(marks), managed.last_day if managed else None)
