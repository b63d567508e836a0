"""Index the CPD columns each time window counts from, for the deadlines list.

The list asks which teachers have a window closing in the next few working days: fails decided in
a range of days with no appeal (appeal lodging), open appeals lodged in a range (appeal decision)
and outcomes recorded in a range (outcome correction). Each is a range over one column, so each
gets a B-tree index; the open-appeal one is partial (only undecided appeals are ever asked for).
`appeals.induction_period_id` is indexed too: "no appeal against this fail" probes it per fail.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

OPEN = sa.text("decision IS NULL")


def upgrade() -> None:
    op.create_index("ix_periods_outcome_on", "induction_periods", ["outcome", "outcome_on"])
    op.create_index("ix_periods_outcome_recorded_at", "induction_periods", ["outcome_recorded_at"])
    op.create_index(
        "ix_appeals_open_lodged_on",
        "appeals",
        ["lodged_on"],
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    op.create_index("ix_appeals_induction_period_id", "appeals", ["induction_period_id"])


def downgrade() -> None:
    op.drop_index("ix_appeals_induction_period_id", table_name="appeals")
    op.drop_index("ix_appeals_open_lodged_on", table_name="appeals")
    op.drop_index("ix_periods_outcome_recorded_at", table_name="induction_periods")
    op.drop_index("ix_periods_outcome_on", table_name="induction_periods")
