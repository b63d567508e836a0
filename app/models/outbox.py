"""The transactional outbox: each CPD change's derived TRS status, waiting to be delivered.

A row is written in the same transaction as the change it carries, so a change and its delivery
cannot part. Each row holds the full derived state and `modified_on` (the change's commit time), so
delivering any row again is harmless (docs/architecture.md).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.models.event import Event
from app.models.types import UtcDateTime

OUTBOX_STATES = ("pending", "sent", "superseded", "failed")


class OutboxEntry(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(
            "state IN ('pending', 'sent', 'superseded', 'failed')", name="ck_outbox_state"
        ),
        CheckConstraint(
            "status IN ('RequiredToComplete', 'InProgress', 'Passed', 'Failed')",
            name="ck_outbox_status",
        ),
        Index("ix_outbox_due", "state", "next_attempt_at"),
        Index("ix_outbox_teacher_order", "teacher_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("teachers.id"))
    trn: Mapped[str] = mapped_column(String(7))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    status: Mapped[str] = mapped_column(String(32))
    start_date: Mapped[date | None] = mapped_column(Date)
    completed_date: Mapped[date | None] = mapped_column(Date)
    modified_on: Mapped[datetime] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    leased_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    leased_by: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The id of the request (or command run) that made the change; sent to TRS with its PUT.
    request_id: Mapped[str | None] = mapped_column(String(64))

    # Set instead of event_id when the row is made: the event gets its id in the same flush, so a
    # batch of changes (the import) inserts its events and outbox rows a statement each.
    event: Mapped[Event | None] = relationship()
