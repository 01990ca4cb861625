"""content languages: consultation versions, statement languages and translations

Revision ID: multilingual_0001
Revises: access_0001
Create Date: 2026-12-03 01:20:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "multilingual_0001"
down_revision = "citizen_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=8), server_default="en", nullable=False)
        )
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))
    op.create_table(
        "consultation_texts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("question", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_consultation_texts_consultation_id_consultations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_texts")),
        sa.UniqueConstraint(
            "consultation_id", "language", name=op.f("uq_consultation_texts_consultation_id_language")
        ),
    )
    with op.batch_alter_table("consultation_texts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_texts_consultation_id"), ["consultation_id"], unique=False
        )
    op.create_table(
        "statement_translations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("translator_id", sa.Integer(), nullable=True),
        sa.Column("machine", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statements.id"],
            name=op.f("fk_statement_translations_statement_id_statements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["translator_id"],
            ["users.id"],
            name=op.f("fk_statement_translations_translator_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_translations")),
        sa.UniqueConstraint(
            "statement_id", "language", name=op.f("uq_statement_translations_statement_id_language")
        ),
    )
    with op.batch_alter_table("statement_translations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_statement_translations_statement_id"), ["statement_id"], unique=False
        )


def downgrade():
    op.drop_table("statement_translations")
    op.drop_table("consultation_texts")
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.drop_column("language")
    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.drop_column("language")
