"""importance marks ("this matters to me")

Revision ID: citizen_0001
Revises: access_0001
Create Date: 2026-12-03 01:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "citizen_0001"
down_revision = "access_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "importance_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_importance_marks_consultation_id_consultations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statements.id"],
            name=op.f("fk_importance_marks_statement_id_statements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_importance_marks_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_importance_marks")),
        sa.UniqueConstraint(
            "statement_id", "user_id", name=op.f("uq_importance_marks_statement_id_user_id")
        ),
    )
    with op.batch_alter_table("importance_marks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_importance_marks_consultation_id"), ["consultation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_importance_marks_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "ix_importance_marks_consultation_user", ["consultation_id", "user_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("importance_marks", schema=None) as batch_op:
        batch_op.drop_index("ix_importance_marks_consultation_user")
        batch_op.drop_index(batch_op.f("ix_importance_marks_user_id"))
        batch_op.drop_index(batch_op.f("ix_importance_marks_consultation_id"))
    op.drop_table("importance_marks")
