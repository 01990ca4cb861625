"""consultation content version (the key of the cached thread page)

Revision ID: scale_0001
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "scale_0001"
down_revision = "recovery_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("consultations") as batch_op:
        batch_op.add_column(
            sa.Column("content_version", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("consultations") as batch_op:
        batch_op.drop_column("content_version")
