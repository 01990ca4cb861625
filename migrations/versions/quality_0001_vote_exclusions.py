"""vote exclusions

Revision ID: quality_0001
Revises: 0002
Create Date: 2026-12-02 15:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "quality_0001"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "vote_exclusions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("user_ids", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_vote_exclusions_consultation_id_consultations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_vote_exclusions_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lifted_by_id"],
            ["users.id"],
            name=op.f("fk_vote_exclusions_lifted_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vote_exclusions")),
    )
    op.create_index(
        op.f("ix_vote_exclusions_consultation_id"),
        "vote_exclusions",
        ["consultation_id"],
        unique=False,
    )


def downgrade():
    op.drop_index(op.f("ix_vote_exclusions_consultation_id"), table_name="vote_exclusions")
    op.drop_table("vote_exclusions")
