"""Manual-handling requests: changes a person must decide, and problems a person must resolve.

Kinds: `out_of_window` (an action the rules answered `manual`), `drift` (TRS disagrees with what CPD
derives) and `delivery` (TRS refused a change in a way retrying cannot fix). A senior caseworker
other than the requester decides. `teacher_version` is the teacher's version when the request was
raised, so a request whose record has changed since cannot be approved as it stands.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.models.types import UtcDateTime

REQUEST_KINDS = ("out_of_window", "drift", "delivery")
REQUEST_STATES = ("open", "approved", "rejected", "resolved")


class ManualRequest(Base):
    __tablename__ = "manual_requests"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('out_of_window', 'drift', 'delivery')", name="ck_manual_requests_kind"
        ),
        CheckConstraint(
            "state IN ('open', 'approved', 'rejected', 'resolved')", name="ck_manual_requests_state"
        ),
        CheckConstraint(
            "decided_by_user_id IS NULL OR requested_by_user_id IS NULL"
            " OR decided_by_user_id <> requested_by_user_id",
            name="ck_manual_requests_four_eyes",
        ),
        # However often reconcile or delivery runs, one open drift or delivery problem per teacher.
        Index(
            "uq_manual_requests_one_open_problem",
            "teacher_id",
            "kind",
            unique=True,
            sqlite_where=text("state = 'open' AND kind IN ('drift', 'delivery')"),
            postgresql_where=text("state = 'open' AND kind IN ('drift', 'delivery')"),
        ),
        Index("ix_manual_requests_state_kind", "state", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("teachers.id"), index=True)
    trn: Mapped[str] = mapped_column(String(7))
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="open")
    action: Mapped[str | None] = mapped_column(String(64))
    rule_id: Mapped[str | None] = mapped_column(String(80))
    # What the requester would have submitted, or for drift and delivery the facts found.
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    teacher_version: Mapped[int | None]
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    requested_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decision_note: Mapped[str | None] = mapped_column(Text)
