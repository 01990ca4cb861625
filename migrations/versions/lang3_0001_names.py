"""reason templates and staff display names in kk, ru and en

Revision ID: lang3_0001_names
Revises: multilingual_0001
Create Date: 2026-12-03 04:50:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "lang3_0001_names"
down_revision = "multilingual_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("reason_templates", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=8), server_default="en", nullable=False)
        )
    op.create_table(
        "reason_template_texts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["reason_templates.id"],
            name=op.f("fk_reason_template_texts_template_id_reason_templates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reason_template_texts")),
        sa.UniqueConstraint(
            "template_id", "language", name=op.f("uq_reason_template_texts_template_id_language")
        ),
    )
    with op.batch_alter_table("reason_template_texts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reason_template_texts_template_id"), ["template_id"], unique=False
        )
    op.create_table(
        "user_names",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_names_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_names")),
        sa.UniqueConstraint("user_id", "language", name=op.f("uq_user_names_user_id_language")),
    )
    with op.batch_alter_table("user_names", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_names_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("user_names", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_names_user_id"))
    op.drop_table("user_names")
    with op.batch_alter_table("reason_template_texts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reason_template_texts_template_id"))
    op.drop_table("reason_template_texts")
    with op.batch_alter_table("reason_templates", schema=None) as batch_op:
        batch_op.drop_column("language")
