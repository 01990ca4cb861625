"""The versions of a consultation's texts and the translations of statements."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from consult.extensions import db
from consult.types import UTCDateTime, utcnow


class ConsultationText(db.Model):  # type: ignore[name-defined,misc]
    """A consultation's question, summary and body in one language."""

    __tablename__ = "consultation_texts"
    __table_args__ = (UniqueConstraint("consultation_id", "language"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(8))
    question: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<ConsultationText c={self.consultation_id} {self.language}>"


class StatementTranslation(db.Model):  # type: ignore[name-defined,misc]
    """A statement's text in a language other than its own, and who made it."""

    __tablename__ = "statement_translations"
    __table_args__ = (UniqueConstraint("statement_id", "language"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statements.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    #: The person who wrote or last corrected it; None for a machine translation.
    translator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    machine: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        kind = "machine" if self.machine else f"u={self.translator_id}"
        return f"<StatementTranslation s={self.statement_id} {self.language} {kind}>"
