"""Helpers for the journey tests: walk a journey's pages, arrange periods, read what was written."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.clock import LONDON
from app.models import Event, Extension, InductionPeriod, OutboxEntry, Teacher
from tests.support.pages import ClientRequest


def parts(day: date | str) -> list[str]:
    """A date as the three inputs a GOV.UK date field posts (day, month, year)."""
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return [str(day.day), str(day.month), str(day.year)]


def start(client: ClientRequest, trn: str, journey: str) -> str:
    """Begin a journey; returns its first page's URL."""
    response = client.get_response(f"/teachers/{trn}/{journey}")
    assert response.status_code == 302, f"starting {journey}: {response.status_code}"
    return response.headers["Location"]


def answer(client: ClientRequest, url: str, data: dict[str, Any]) -> str:
    """Answer one page; returns where the journey goes next."""
    return client.post(url, data).headers["Location"]


def walk(client: ClientRequest, trn: str, journey: str, *pages: dict[str, Any]) -> str:
    """Start a journey and answer its pages in order; returns the check page's URL (checked)."""
    url = start(client, trn, journey)
    for data in pages:
        url = answer(client, url, data)
    assert url.endswith("/check"), f"expected the check page, went to {url}"
    client.get(url)
    return url


def confirm(client: ClientRequest, check_url: str, expected: int = 302):
    return client.post(check_url, {}, _expected_status=expected, _csrf_from=check_url)


def error_messages(page) -> dict[str, str]:
    """Inline error messages by the id of the field they belong to (summary checked against them)."""
    summary = page.select_one(".govuk-error-summary")
    assert summary is not None, "no error summary"
    inline = {
        tag["id"].removesuffix("-error"): " ".join(tag.get_text().split()).removeprefix("Error: ")
        for tag in page.select(".govuk-error-message")
    }
    linked = [" ".join(a.get_text().split()) for a in summary.select("a")]
    assert sorted(linked) == sorted(inline.values()), (linked, inline)
    return inline


def add_period(
    db: Session,
    teacher: Teacher,
    body_id: int,
    started_on: str,
    finished_on: str | None = None,
    terms: str | None = None,
    outcome: str | None = None,
    recorded_at: datetime | None = None,
    programme: str = "provider_led",
) -> InductionPeriod:
    """Arrange a period directly in CPD (an outcome is recorded on its end date)."""
    finish = date.fromisoformat(finished_on) if finished_on else None
    period = InductionPeriod(
        teacher_id=teacher.id,
        appropriate_body_id=body_id,
        started_on=date.fromisoformat(started_on),
        finished_on=finish,
        training_programme=programme,
        number_of_terms=Decimal(terms) if terms is not None else None,
        outcome=outcome,
        outcome_on=finish if outcome else None,
        outcome_recorded_at=(recorded_at or datetime(2026, 10, 20, 9, 0, tzinfo=LONDON))
        if outcome
        else None,
    )
    db.add(period)
    db.commit()
    return period


def add_extension(db: Session, teacher: Teacher, terms: str, now: datetime) -> Extension:
    extension = Extension(teacher_id=teacher.id, number_of_terms=Decimal(terms), created_at=now)
    db.add(extension)
    db.commit()
    return extension


def counts(db: Session) -> dict[str, int]:
    """How many periods, extensions, events and outbox rows there are (nothing written: unchanged)."""
    db.expire_all()
    return {
        model.__tablename__: db.scalar(select(func.count()).select_from(model))
        for model in (InductionPeriod, Extension, Event, OutboxEntry)
    }


def last_event(db: Session) -> Event:
    db.expire_all()
    return db.scalar(select(Event).order_by(Event.id.desc()).limit(1))


def outbox_for(db: Session, event: Event) -> OutboxEntry | None:
    return db.scalar(select(OutboxEntry).where(OutboxEntry.event_id == event.id))
