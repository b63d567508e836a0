"""The initial schema: users, appropriate bodies, teachers, induction periods, extensions, appeals,
the audit trail, the outbox, manual-handling requests and the name search index.

Constraints live in the database as well as in the services: TRN format, finish on or after start,
terms in range, one outcome and one ongoing period per teacher, and on PostgreSQL an exclusion
constraint so a teacher's periods never overlap (a period may start on the day the previous one
finished, as in RECT's half-open date ranges).

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

from app.models.types import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _timestamp(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, UtcDateTime(), nullable=nullable)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    trn_format = "trn ~ '^[0-9]{7}$'" if postgres else "length(trn) = 7 AND trn NOT GLOB '*[^0-9]*'"

    op.create_table(
        "appropriate_bodies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
    )
    op.create_table(
        "teachers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("trn", sa.String(7), nullable=False, unique=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(trn_format, name="ck_teachers_trn_format"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _timestamp("created_at"),
        sa.CheckConstraint(
            "role IN ('caseworker', 'appeals_officer', 'senior_caseworker', 'viewer')",
            name="ck_users_role",
        ),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("teacher_id", sa.Integer(), sa.ForeignKey("teachers.id"), nullable=True),
        sa.Column("trn", sa.String(7), nullable=False),
        _timestamp("occurred_at"),
        sa.Column("actor_user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("actor_email", sa.String(254), nullable=False),
        sa.Column("actor_role", sa.String(32), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("rule_id", sa.String(80), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_index("ix_events_teacher_id", "events", ["teacher_id"])
    op.create_index("ix_events_trn", "events", ["trn"])

    op.create_table(
        "extensions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("teacher_id", sa.Integer(), sa.ForeignKey("teachers.id"), nullable=False),
        sa.Column("number_of_terms", sa.Numeric(3, 1), nullable=False),
        _timestamp("created_at"),
        sa.CheckConstraint(
            "number_of_terms >= 0.1 AND number_of_terms <= 16", name="ck_extensions_terms_range"
        ),
    )
    op.create_index("ix_extensions_teacher_id", "extensions", ["teacher_id"])

    op.create_table(
        "induction_periods",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("teacher_id", sa.Integer(), sa.ForeignKey("teachers.id"), nullable=False),
        sa.Column(
            "appropriate_body_id",
            sa.Integer(),
            sa.ForeignKey("appropriate_bodies.id"),
            nullable=False,
        ),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("finished_on", sa.Date(), nullable=True),
        sa.Column("training_programme", sa.String(20), nullable=False),
        sa.Column("number_of_terms", sa.Numeric(3, 1), nullable=True),
        sa.Column("outcome", sa.String(4), nullable=True),
        sa.Column("outcome_on", sa.Date(), nullable=True),
        _timestamp("outcome_recorded_at", nullable=True),
        sa.Column("closed_by_exemption", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "finished_on IS NULL OR finished_on >= started_on", name="ck_periods_finish_after_start"
        ),
        sa.CheckConstraint(
            "number_of_terms IS NULL OR (number_of_terms >= 0 AND number_of_terms <= 16)",
            name="ck_periods_terms_range",
        ),
        sa.CheckConstraint(
            "finished_on IS NULL OR number_of_terms IS NOT NULL",
            name="ck_periods_terms_once_finished",
        ),
        sa.CheckConstraint(
            "training_programme IN ('provider_led', 'school_led')", name="ck_periods_programme"
        ),
        sa.CheckConstraint(
            "(outcome IS NULL AND outcome_on IS NULL AND outcome_recorded_at IS NULL)"
            " OR (outcome IN ('pass', 'fail') AND outcome_on IS NOT NULL"
            " AND outcome_recorded_at IS NOT NULL AND finished_on IS NOT NULL)",
            name="ck_periods_outcome_complete",
        ),
    )
    op.create_index("ix_induction_periods_teacher_id", "induction_periods", ["teacher_id"])
    for name, where in (
        ("uq_periods_one_outcome_per_teacher", "outcome IS NOT NULL"),
        ("uq_periods_one_ongoing_per_teacher", "finished_on IS NULL"),
    ):
        op.create_index(
            name,
            "induction_periods",
            ["teacher_id"],
            unique=True,
            sqlite_where=sa.text(where),
            postgresql_where=sa.text(where),
        )
    if postgres:
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE induction_periods ADD CONSTRAINT ex_periods_no_overlap "
            "EXCLUDE USING gist (teacher_id WITH =, daterange(started_on, finished_on) WITH &&)"
        )

    op.create_table(
        "teacher_search_index",
        sa.Column("teacher_id", sa.Integer(), sa.ForeignKey("teachers.id"), primary_key=True),
        sa.Column("display_name", sa.String(300), nullable=False),
        sa.Column("search_name", sa.String(300), nullable=False),
        _timestamp("read_from_trs_at"),
    )
    op.create_index("ix_teacher_search_index_search_name", "teacher_search_index", ["search_name"])

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("teacher_id", sa.Integer(), sa.ForeignKey("teachers.id"), nullable=False),
        sa.Column("trn", sa.String(7), nullable=False),
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("events.id"), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("completed_date", sa.Date(), nullable=True),
        _timestamp("modified_on"),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _timestamp("next_attempt_at"),
        _timestamp("leased_until", nullable=True),
        sa.Column("leased_by", sa.String(64), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _timestamp("sent_at", nullable=True),
        _timestamp("created_at"),
        sa.CheckConstraint(
            "state IN ('pending', 'sent', 'superseded', 'failed')", name="ck_outbox_state"
        ),
        sa.CheckConstraint(
            "status IN ('RequiredToComplete', 'InProgress', 'Passed', 'Failed')",
            name="ck_outbox_status",
        ),
    )
    op.create_index("ix_outbox_due", "outbox", ["state", "next_attempt_at"])
    op.create_index("ix_outbox_teacher_order", "outbox", ["teacher_id", "id"])

    op.create_table(
        "appeals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("teacher_id", sa.Integer(), sa.ForeignKey("teachers.id"), nullable=False),
        sa.Column(
            "induction_period_id",
            sa.Integer(),
            sa.ForeignKey("induction_periods.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("failed_on", sa.Date(), nullable=False),
        sa.Column("lodged_on", sa.Date(), nullable=False),
        sa.Column("decision", sa.String(10), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("extension_terms", sa.Numeric(3, 1), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _timestamp("created_at"),
        sa.CheckConstraint(
            "decision IS NULL OR decision IN ('upheld', 'extended', 'dismissed')",
            name="ck_appeals_decision",
        ),
        sa.CheckConstraint(
            "(decision IS NULL) = (decided_on IS NULL)", name="ck_appeals_decided_on_with_decision"
        ),
        sa.CheckConstraint(
            "decided_on IS NULL OR decided_on >= lodged_on", name="ck_appeals_decided_after_lodged"
        ),
        sa.CheckConstraint(
            "extension_terms IS NULL OR (decision = 'extended'"
            " AND extension_terms >= 0.1 AND extension_terms <= 16)",
            name="ck_appeals_extension_terms",
        ),
    )
    op.create_index("ix_appeals_teacher_id", "appeals", ["teacher_id"])

    op.create_table(
        "manual_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("teacher_id", sa.Integer(), sa.ForeignKey("teachers.id"), nullable=False),
        sa.Column("trn", sa.String(7), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("action", sa.String(64), nullable=True),
        sa.Column("rule_id", sa.String(80), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("teacher_version", sa.Integer(), nullable=True),
        sa.Column("outbox_id", sa.Integer(), sa.ForeignKey("outbox.id"), nullable=True),
        sa.Column("requested_by_user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        _timestamp("requested_at"),
        sa.Column("decided_by_user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        _timestamp("decided_at", nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('out_of_window', 'drift', 'delivery')", name="ck_manual_requests_kind"
        ),
        sa.CheckConstraint(
            "state IN ('open', 'approved', 'rejected', 'resolved')", name="ck_manual_requests_state"
        ),
        sa.CheckConstraint(
            "decided_by_user_id IS NULL OR requested_by_user_id IS NULL"
            " OR decided_by_user_id <> requested_by_user_id",
            name="ck_manual_requests_four_eyes",
        ),
    )
    op.create_index("ix_manual_requests_teacher_id", "manual_requests", ["teacher_id"])
    op.create_index("ix_manual_requests_state_kind", "manual_requests", ["state", "kind"])
    open_problem = "state = 'open' AND kind IN ('drift', 'delivery')"
    op.create_index(
        "uq_manual_requests_one_open_problem",
        "manual_requests",
        ["teacher_id", "kind"],
        unique=True,
        sqlite_where=sa.text(open_problem),
        postgresql_where=sa.text(open_problem),
    )


def downgrade() -> None:
    for table in (
        "manual_requests",
        "appeals",
        "outbox",
        "teacher_search_index",
        "induction_periods",
        "extensions",
        "events",
        "users",
        "teachers",
        "appropriate_bodies",
    ):
        op.drop_table(table)
