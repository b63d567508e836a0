"""A teacher as CPD holds them: the TRN, induction periods, extensions and appeals.

Nothing TRS owns (name, date of birth, QTS, exemptions, the national induction status) is stored
here; those are read live from TRS. `version` guards against lost updates: two caseworkers saving
the same teacher cannot both win.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    and_,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from app.db import Base
from app.models.appeal import Appeal
from app.models.appropriate_body import AppropriateBody
from app.models.manual_request import ManualRequest
from app.models.outbox import OutboxEntry
from app.models.search_index import TeacherSearchEntry
from app.models.types import UtcDateTime

TRAINING_PROGRAMMES = {"provider_led": "Provider-led", "school_led": "School-led"}
OUTCOMES = {"pass": "Passed", "fail": "Failed"}


class InductionFacts:
    """What a teacher's periods and extensions say at a glance. Shared by the ORM's `Teacher` and
    the teacher page's plain read of the same rows (`app/services/teacher_page.py`)."""

    induction_periods: Sequence[Any]  # in start-date order
    extensions: Sequence[Any]

    @property
    def ongoing_period(self) -> Any:
        return next((p for p in self.induction_periods if p.finished_on is None), None)

    @property
    def outcome_period(self) -> Any:
        return next((p for p in self.induction_periods if p.outcome is not None), None)

    @property
    def total_extension_terms(self) -> Decimal:
        return sum((e.number_of_terms for e in self.extensions), Decimal("0"))


class PeriodWording:
    """An induction period's codes in words, for the ORM's `InductionPeriod` and the teacher
    page's plain read of it."""

    training_programme: str
    outcome: str | None

    @property
    def training_programme_name(self) -> str:
        return TRAINING_PROGRAMMES[self.training_programme]

    @property
    def outcome_name(self) -> str | None:
        return OUTCOMES.get(self.outcome) if self.outcome else None


class Teacher(InductionFacts, Base):
    __tablename__ = "teachers"
    __table_args__ = (
        CheckConstraint("trn ~ '^[0-9]{7}$'", name="ck_teachers_trn_format").ddl_if(
            dialect="postgresql"
        ),
        CheckConstraint(
            "length(trn) = 7 AND trn NOT GLOB '*[^0-9]*'", name="ck_teachers_trn_format"
        ).ddl_if(dialect="sqlite"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trn: Mapped[str] = mapped_column(String(7), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Set by every change, so every change bumps `version` and a stale save is refused.
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(default=1)

    induction_periods: Mapped[list[InductionPeriod]] = relationship(
        back_populates="teacher",
        order_by="InductionPeriod.started_on",
        cascade="all, delete-orphan",
    )
    extensions: Mapped[list[Extension]] = relationship(
        back_populates="teacher", order_by="Extension.id", cascade="all, delete-orphan"
    )
    # Read-only: the teacher page loads it beside the teacher, so refreshing the name index needs
    # no query of its own.
    search_entry: Mapped[TeacherSearchEntry | None] = relationship(viewonly=True)
    # Read-only, newest first: loaded beside the teacher for the rules' record and the teacher
    # page. Appeals are written as rows of their own, so one just lodged is not in this list until
    # the teacher is read again (lodging pushes no status to TRS: no change needs it meanwhile).
    appeals: Mapped[list[Appeal]] = relationship(viewonly=True, order_by=Appeal.id.desc())
    # Read-only, for the teacher page's delivery state (`app/services/delivery_state.py`), which
    # loads them with the teacher: the changes TRS has not accepted yet, the open drift or delivery
    # problem (one of each at most), and when TRS last accepted a change.
    undelivered_changes: Mapped[list[OutboxEntry]] = relationship(
        primaryjoin=lambda: and_(
            OutboxEntry.teacher_id == Teacher.id, OutboxEntry.state.in_(("pending", "failed"))
        ),
        order_by=OutboxEntry.id,
        viewonly=True,
    )
    open_problems: Mapped[list[ManualRequest]] = relationship(
        primaryjoin=lambda: and_(
            ManualRequest.teacher_id == Teacher.id,
            ManualRequest.state == "open",
            ManualRequest.kind.in_(("drift", "delivery")),
        ),
        viewonly=True,
    )
    last_sent_at: Mapped[datetime | None] = column_property(
        select(func.max(OutboxEntry.sent_at))
        .where(OutboxEntry.teacher_id == id)
        .correlate_except(OutboxEntry)
        .scalar_subquery(),
        deferred=True,
    )

    __mapper_args__ = {"version_id_col": version}


class InductionPeriod(PeriodWording, Base):
    """A stretch of induction with one appropriate body."""

    __tablename__ = "induction_periods"
    __table_args__ = (
        CheckConstraint(
            "finished_on IS NULL OR finished_on >= started_on", name="ck_periods_finish_after_start"
        ),
        CheckConstraint(
            "number_of_terms IS NULL OR (number_of_terms >= 0 AND number_of_terms <= 16)",
            name="ck_periods_terms_range",
        ),
        CheckConstraint(
            "finished_on IS NULL OR number_of_terms IS NOT NULL",
            name="ck_periods_terms_once_finished",
        ),
        CheckConstraint(
            "training_programme IN ('provider_led', 'school_led')", name="ck_periods_programme"
        ),
        CheckConstraint(
            "(outcome IS NULL AND outcome_on IS NULL AND outcome_recorded_at IS NULL)"
            " OR (outcome IN ('pass', 'fail') AND outcome_on IS NOT NULL"
            " AND outcome_recorded_at IS NOT NULL AND finished_on IS NOT NULL)",
            name="ck_periods_outcome_complete",
        ),
        Index(
            "uq_periods_one_outcome_per_teacher",
            "teacher_id",
            unique=True,
            sqlite_where=text("outcome IS NOT NULL"),
            postgresql_where=text("outcome IS NOT NULL"),
        ),
        # Where the deadlines list starts: the columns the appeal and correction windows count from.
        Index("ix_periods_outcome_on", "outcome", "outcome_on"),
        Index("ix_periods_outcome_recorded_at", "outcome_recorded_at"),
        Index(
            "uq_periods_one_ongoing_per_teacher",
            "teacher_id",
            unique=True,
            sqlite_where=text("finished_on IS NULL"),
            postgresql_where=text("finished_on IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("teachers.id"), index=True)
    appropriate_body_id: Mapped[int] = mapped_column(ForeignKey("appropriate_bodies.id"))
    started_on: Mapped[date] = mapped_column(Date)
    finished_on: Mapped[date | None] = mapped_column(Date)
    training_programme: Mapped[str] = mapped_column(String(20))
    number_of_terms: Mapped[Decimal | None] = mapped_column(Numeric(3, 1))
    outcome: Mapped[str | None] = mapped_column(String(4))
    outcome_on: Mapped[date | None] = mapped_column(Date)
    outcome_recorded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_by_exemption: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)

    teacher: Mapped[Teacher] = relationship(back_populates="induction_periods")
    appropriate_body: Mapped[AppropriateBody] = relationship(lazy="joined")


class Extension(Base):
    """Extra terms of induction for a teacher."""

    __tablename__ = "extensions"
    __table_args__ = (
        CheckConstraint(
            "number_of_terms >= 0.1 AND number_of_terms <= 16", name="ck_extensions_terms_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("teachers.id"), index=True)
    number_of_terms: Mapped[Decimal] = mapped_column(Numeric(3, 1))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    teacher: Mapped[Teacher] = relationship(back_populates="extensions")
