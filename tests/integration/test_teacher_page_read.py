"""The teacher page reads plain values in one query (app/services/teacher_page.py); they must be
the values the ORM's relationships hold for the same rows, in the same order, each row once
however the joins repeat it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.models import (
    Appeal,
    AppropriateBody,
    ManualRequest,
    OutboxEntry,
    Teacher,
    TeacherSearchEntry,
)
from app.services.teacher_page import read_teacher_page
from tests.support.journeys import add_extension, add_period

TRN = "3200001"


def _orm(db, trn: str) -> Teacher:
    db.expire_all()
    return db.scalars(select(Teacher).where(Teacher.trn == trn)).one()


def _fields(row, names: tuple[str, ...]) -> tuple:
    return tuple(getattr(row, name) for name in names)


PERIOD = (
    "id", "started_on", "finished_on", "training_programme", "number_of_terms", "outcome",
    "outcome_on", "outcome_recorded_at", "closed_by_exemption", "training_programme_name",
    "outcome_name",
)  # fmt: skip
APPEAL = ("id", "induction_period_id", "failed_on", "lodged_on", "decision", "decided_on",
          "extension_terms")  # fmt: skip
CHANGE = ("id", "state", "created_at", "next_attempt_at", "attempts", "last_error", "leased_until")


def _outbox(db, teacher, clock, state: str, minutes: int, **more) -> None:
    at = clock.now() + timedelta(minutes=minutes)
    db.add(OutboxEntry(teacher_id=teacher.id, trn=teacher.trn, status="InProgress",
                       modified_on=at, state=state, next_attempt_at=at, created_at=at, **more))  # fmt: skip


def test_the_page_reads_what_the_orm_loads_for_the_same_rows(
    add_teacher, db, appropriate_body, clock
):
    teacher = add_teacher(TRN, in_trs=False)
    other_body = AppropriateBody(name="Beta Teaching School Hub")
    db.add(other_body)
    db.commit()
    # Added out of start-date order, so the read must sort them.
    add_period(db, teacher, other_body.id, "2024-09-02", "2025-07-18", "3")
    failed = add_period(db, teacher, appropriate_body.id, "2025-09-01", "2026-04-01", "2.5",
                        outcome="fail", recorded_at=clock.now())  # fmt: skip
    add_period(db, teacher, appropriate_body.id, "2023-09-04", "2024-07-19", "3",
               programme="school_led")  # fmt: skip
    for terms in ("1", "0.5"):
        add_extension(db, teacher, terms, clock.now())
    for lodged, decision in ((date(2026, 4, 10), "dismissed"), (date(2026, 4, 20), None)):
        db.add(Appeal(teacher_id=teacher.id, induction_period_id=failed.id,
                      failed_on=date(2026, 4, 1), lodged_on=lodged, decision=decision,
                      decided_on=lodged + timedelta(days=5) if decision else None,
                      created_at=clock.now()))  # fmt: skip
    _outbox(db, teacher, clock, "sent", 1, sent_at=clock.now() + timedelta(minutes=2))
    _outbox(db, teacher, clock, "failed", 3, attempts=4, last_error="TRS said no")
    _outbox(db, teacher, clock, "pending", 4, leased_until=clock.now())
    for kind, state in (
        ("drift", "open"),
        ("delivery", "open"),
        ("drift", "resolved"),
        ("out_of_window", "open"),
    ):
        db.add(ManualRequest(teacher_id=teacher.id, trn=TRN, kind=kind, state=state,
                             answers={"stopped_because": kind}, reason=f"{kind} {state}",
                             requested_at=clock.now()))  # fmt: skip
    db.add(TeacherSearchEntry(teacher_id=teacher.id, display_name="Ada Lovelace",
                              search_name="ada lovelace", read_from_trs_at=clock.now()))  # fmt: skip
    db.commit()

    page = read_teacher_page(db, TRN)
    orm = _orm(db, TRN)

    assert (page.id, page.trn, page.last_sent_at) == (orm.id, orm.trn, orm.last_sent_at)
    assert page.last_sent_at == clock.now() + timedelta(minutes=2)
    assert [p.started_on for p in page.induction_periods] == [
        date(2023, 9, 4), date(2024, 9, 2), date(2025, 9, 1)]  # fmt: skip
    assert [_fields(p, PERIOD) for p in page.induction_periods] == [
        _fields(p, PERIOD) for p in orm.induction_periods
    ]
    assert [p.appropriate_body.name for p in page.induction_periods] == [
        p.appropriate_body.name for p in orm.induction_periods
    ]
    assert [(e.id, e.number_of_terms, e.created_at) for e in page.extensions] == [
        (e.id, e.number_of_terms, e.created_at) for e in orm.extensions
    ]
    assert page.total_extension_terms == orm.total_extension_terms == Decimal("1.5")
    assert [_fields(a, APPEAL) for a in page.appeals] == [_fields(a, APPEAL) for a in orm.appeals]
    assert [a.lodged_on for a in page.appeals] == [date(2026, 4, 20), date(2026, 4, 10)]
    assert [_fields(c, CHANGE) for c in page.undelivered_changes] == [
        _fields(c, CHANGE) for c in orm.undelivered_changes
    ]
    assert [c.state for c in page.undelivered_changes] == ["failed", "pending"]
    assert sorted((r.id, r.kind, r.reason, r.answers["stopped_because"]) for r in page.open_problems) == sorted(
        (r.id, r.kind, r.reason, r.answers["stopped_because"]) for r in orm.open_problems)  # fmt: skip
    assert {r.reason for r in page.open_problems} == {"drift open", "delivery open"}
    assert (page.search_entry.display_name, page.search_entry.read_from_trs_at) == (
        orm.search_entry.display_name, orm.search_entry.read_from_trs_at)  # fmt: skip
    assert page.outcome_period.id == orm.outcome_period.id == failed.id
    assert page.ongoing_period is None and orm.ongoing_period is None


def test_a_teacher_with_no_rows_of_their_own_reads_empty(add_teacher, db):
    add_teacher(TRN, in_trs=False)

    page = read_teacher_page(db, TRN)

    assert page.trn == TRN and page.search_entry is None and page.last_sent_at is None
    assert page.induction_periods == page.extensions == page.appeals == ()
    assert page.undelivered_changes == page.open_problems == ()
    assert read_teacher_page(db, "3200002") is None
