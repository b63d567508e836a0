"""Accounts for single sign-on and administration: the `admin` role, the provider's `sub` on each
user, server-side sign-in sessions, sign-in throttles and the accounts' own audit trail.

A password becomes optional: an account added in the browser signs in through the identity
provider only.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from app.models.types import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

OLD_ROLES = "role IN ('caseworker', 'appeals_officer', 'senior_caseworker', 'viewer')"
NEW_ROLES = "role IN ('caseworker', 'appeals_officer', 'senior_caseworker', 'viewer', 'admin')"


def upgrade() -> None:
    with op.batch_alter_table("users") as users:
        users.alter_column("password_hash", existing_type=sa.String(255), nullable=True)
        users.add_column(sa.Column("oidc_subject", sa.String(255), nullable=True))
        users.create_unique_constraint("uq_users_oidc_subject", ["oidc_subject"])
        users.drop_constraint("ck_users_role", type_="check")
        users.create_check_constraint("ck_users_role", NEW_ROLES)
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("signed_in_at", UtcDateTime(), nullable=False),
        sa.Column("last_seen_at", UtcDateTime(), nullable=False),
        sa.Column("ended_at", UtcDateTime(), nullable=True),
        sa.Column("ended_because", sa.String(32), nullable=True),
        sa.Column("id_token", sa.Text(), nullable=True),
    )
    op.create_index("ix_user_sessions_user_id", "user_sessions", ["user_id"])
    op.create_table(
        "sign_in_throttles",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", UtcDateTime(), nullable=False),
        sa.Column("locked_until", UtcDateTime(), nullable=True),
    )
    op.create_table(
        "account_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("actor_email", sa.String(254), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject_user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
    )
    op.create_index("ix_account_events_occurred_at", "account_events", ["occurred_at"])
    op.create_index("ix_account_events_subject_user_id", "account_events", ["subject_user_id"])


def downgrade() -> None:
    op.drop_table("account_events")
    op.drop_table("sign_in_throttles")
    op.drop_table("user_sessions")
    op.execute("DELETE FROM users WHERE role = 'admin' OR password_hash IS NULL")
    with op.batch_alter_table("users") as users:
        users.drop_constraint("ck_users_role", type_="check")
        users.create_check_constraint("ck_users_role", OLD_ROLES)
        users.drop_constraint("uq_users_oidc_subject", type_="unique")
        users.drop_column("oidc_subject")
        users.alter_column("password_hash", existing_type=sa.String(255), nullable=False)
