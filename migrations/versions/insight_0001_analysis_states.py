"""analysis states: the opinion groups' state carried between recomputations

Revision ID: insight_0001
Revises: scale_0001
Create Date: 2026-12-02 15:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "insight_0001"
down_revision = "scale_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "analysis_states",
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("base", sa.JSON(), nullable=True),
        sa.Column("group_registry", sa.JSON(), nullable=False),
        sa.Column("fingerprint", sa.String(length=128), nullable=False),
        sa.Column("key_tag", sa.String(length=32), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("updates", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_analysis_states_consultation_id_consultations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("consultation_id", name=op.f("pk_analysis_states")),
    )


def downgrade():
    op.drop_table("analysis_states")
