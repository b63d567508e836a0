"""Appeals against a fail, lodged with and decided by the Teaching Regulation Agency."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.models.types import UtcDateTime

APPEAL_DECISIONS = {
    "upheld": "Upheld: the fail is replaced by a pass",
    "extended": "Extended: the fail is set aside and induction continues",
    "dismissed": "Dismissed: the fail stands",
}


class Appeal(Base):
    __tablename__ = "appeals"
    __table_args__ = (
        CheckConstraint(
            "decision IS NULL OR decision IN ('upheld', 'extended', 'dismissed')",
            name="ck_appeals_decision",
        ),
        CheckConstraint(
            "(decision IS NULL) = (decided_on IS NULL)", name="ck_appeals_decided_on_with_decision"
        ),
        CheckConstraint(
            "decided_on IS NULL OR decided_on >= lodged_on", name="ck_appeals_decided_after_lodged"
        ),
        CheckConstraint(
            "extension_terms IS NULL OR (decision = 'extended'"
            " AND extension_terms >= 0.1 AND extension_terms <= 16)",
            name="ck_appeals_extension_terms",
        ),
        # The deadlines list: open appeals by the day they were lodged; fails with no appeal.
        Index(
            "ix_appeals_open_lodged_on",
            "lodged_on",
            sqlite_where=text("decision IS NULL"),
            postgresql_where=text("decision IS NULL"),
        ),
        Index("ix_appeals_induction_period_id", "induction_period_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("teachers.id"), index=True)
    # The period whose fail is appealed (an `extended` decision removes the fail from it). A period
    # without an outcome may later be deleted; the appeal stays as history, with `failed_on`.
    induction_period_id: Mapped[int | None] = mapped_column(
        ForeignKey("induction_periods.id", ondelete="SET NULL")
    )
    failed_on: Mapped[date] = mapped_column(Date)
    lodged_on: Mapped[date] = mapped_column(Date)
    decision: Mapped[str | None] = mapped_column(String(10))
    decided_on: Mapped[date | None] = mapped_column(Date)
    extension_terms: Mapped[Decimal | None] = mapped_column(Numeric(3, 1))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
