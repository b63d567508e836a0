"""One-time write tokens, and the lock a direct TRS write holds.

`write_tokens`: issued with each page that confirms a change, spent in the same transaction as the
change, so the same confirmation cannot write twice. `trs_write_locks`: one row per teacher while a
legacy correction is on its way to TRS.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from app.models.types import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "write_tokens",
        sa.Column("token", sa.String(43), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("purpose", sa.String(120), nullable=False),
        sa.Column("issued_at", UtcDateTime(), nullable=False),
        sa.Column("used_at", UtcDateTime(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
    )
    op.create_index("ix_write_tokens_user_id", "write_tokens", ["user_id"])
    op.create_table(
        "trs_write_locks",
        sa.Column("trn", sa.String(7), primary_key=True),
        sa.Column("token", sa.String(43), nullable=False),
        sa.Column("held_until", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("trs_write_locks")
    op.drop_index("ix_write_tokens_user_id", table_name="write_tokens")
    op.drop_table("write_tokens")
