"""Keep the id of the request that made each change on its outbox row.

The delivery worker sends it to TRS as `X-Request-Id`, so one change can be followed from the
caseworker's click, through the console's logs, to TRS. Rows made before this have none.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("request_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("request_id")
