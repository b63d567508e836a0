"""A teacher's timeline: every event, newest first, with what it changed and its TRS delivery.

Events keep CPD's rows before and after as JSON (`changes.snapshot`), or TRS's induction for a
legacy correction; this module turns the two into rows a caseworker can read ("End date: Ongoing
-> 18 July 2025"), so the page never shows raw JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Event, OutboxEntry
from app.models.teacher import OUTCOMES, TRAINING_PROGRAMMES
from app.models.user import ROLE_NAMES
from app.rules import long_date, status_words
from app.services.casework import terms_words


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class ChangeGroup:
    """What happened to one thing: a period, an extension, TRS's induction."""

    title: str
    rows: tuple[FieldChange, ...]


@dataclass(frozen=True)
class Delivery:
    """How a CPD change's derived status is getting to TRS (from its outbox row)."""

    state: str  # waiting | sent | superseded | failed | direct | none
    words: str
    at_words: str = ""  # "at", "next try at"
    at: datetime | None = None


@dataclass(frozen=True)
class TimelineEntry:
    event: Event
    role_words: str
    changes: tuple[ChangeGroup, ...]
    delivery: Delivery


def _date(value: str | None) -> str:
    return long_date(date.fromisoformat(value)) if value else ""


def _terms(value: str | None) -> str:
    return terms_words(Decimal(value)) if value is not None else "Not given"


# Each field of a snapshot: its label and how its value reads.
FIELD_WORDS: dict[str, tuple[str, Callable[[Any], str]]] = {
    "appropriate_body": ("Appropriate body", lambda v: v or "None"),
    "started_on": ("Start date", _date),
    "finished_on": ("End date", lambda v: _date(v) if v else "Ongoing"),
    "training_programme": ("Training programme", lambda v: TRAINING_PROGRAMMES.get(v, v or "")),
    "number_of_terms": ("Number of terms", _terms),
    "outcome": ("Outcome", lambda v: OUTCOMES.get(v, "None") if v else "None"),
    "outcome_on": ("Outcome date", lambda v: _date(v) if v else "None"),
    "closed_by_exemption": ("Closed by an exemption in TRS", lambda v: "Yes" if v else "No"),
    "status": ("Induction status", lambda v: status_words(v) if v else "None"),
    "start_date": ("Induction start date", lambda v: _date(v) if v else "None"),
    "completed_date": ("Induction completed date", lambda v: _date(v) if v else "None"),
}
LISTS = {"induction_periods": "Induction period", "extensions": "Extension"}


def timeline(session: Session, trn: str) -> list[TimelineEntry]:
    """Every event for the TRN (legacy corrections included), newest first."""
    events = session.scalars(
        select(Event).where(Event.trn == trn).order_by(Event.occurred_at.desc(), Event.id.desc())
    ).all()
    outbox = {
        entry.event_id: entry
        for entry in session.scalars(
            select(OutboxEntry).where(OutboxEntry.event_id.in_([e.id for e in events]))
        )
    }
    return [
        TimelineEntry(
            event=event,
            role_words=ROLE_NAMES.get(event.actor_role, "The console"),
            changes=changes(event.before or {}, event.after or {}),
            delivery=delivery(event, outbox.get(event.id)),
        )
        for event in events
    ]


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[ChangeGroup, ...]:
    """The readable difference between two snapshots."""
    groups: list[ChangeGroup] = []
    for key, noun in LISTS.items():
        if key in before or key in after:
            groups.extend(_list_changes(noun, before.get(key, []), after.get(key, [])))
    if "trs_induction" in after:
        rows = _rows(before.get("trs_induction", {}), after["trs_induction"])
        groups.append(ChangeGroup("Induction in TRS", rows))
    return tuple(groups)


def _list_changes(noun: str, before: list[dict], after: list[dict]) -> list[ChangeGroup]:
    old = {item["id"]: item for item in before}
    new = {item["id"]: item for item in after}
    groups = []
    for item_id, item in new.items():
        if item_id not in old:
            groups.append(ChangeGroup(f"{noun} added", _rows({}, item)))
        elif rows := _rows(old[item_id], item):
            groups.append(ChangeGroup(f"{noun} changed", rows))
    for item_id, item in old.items():
        if item_id not in new:
            groups.append(ChangeGroup(f"{noun} deleted", _rows(item, {})))
    return groups


def _rows(before: dict[str, Any], after: dict[str, Any]) -> tuple[FieldChange, ...]:
    rows = []
    for key, (label, words) in FIELD_WORDS.items():
        if key not in before and key not in after:
            continue
        old = words(before[key]) if key in before else ""
        new = words(after[key]) if key in after else ""
        if old != new:
            rows.append(FieldChange(label, old, new))
    return tuple(rows)


LEGACY_RESULTS = {
    "applied": "Sent straight to TRS, which accepted it",
    "not_applied": "Sent straight to TRS, which refused it: TRS did not change",
    "unknown": "Sent straight to TRS, which did not answer: whether TRS changed is being checked",
    "sending": "Being sent straight to TRS",
}
"""What the timeline says of a legacy correction, by what TRS did with it (events from before
the console recorded it were all accepted)."""


def delivery(event: Event, entry: OutboxEntry | None) -> Delivery:
    """The delivery state the timeline shows for one event."""
    if entry is None:
        if event.action == "correct_legacy_status":
            return Delivery(
                "direct", LEGACY_RESULTS[(event.after or {}).get("trs_result", "applied")]
            )
        return Delivery("none", "Nothing to send to TRS")
    status = status_words(entry.status)
    if entry.state == "sent":
        return Delivery("sent", f"Sent to TRS ({status})", "at", entry.sent_at)
    if entry.state == "superseded":
        return Delivery("superseded", f"Not sent ({status}): a later change replaced it")
    if entry.state == "failed":
        return Delivery("failed", f"Stopped ({status}): {entry.last_error or 'TRS refused it'}")
    if entry.attempts and entry.last_error:
        words = f"Waiting to be sent to TRS ({status}); the last try failed: {entry.last_error}"
        return Delivery("waiting", words, "next try at", entry.next_attempt_at)
    return Delivery("waiting", f"Waiting to be sent to TRS ({status})")
