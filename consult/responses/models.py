"""Official responses and response deadlines."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Column, Date, Enum, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.auth.models import User
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.statements.models import Statement
from consult.types import UTCDateTime, utcnow


class Decision(enum.Enum):
    """The outcome stated by an official response."""

    accepted = "accepted"
    partially_accepted = "partially_accepted"
    rejected = "rejected"
    noted = "noted"


response_statements = Table(
    "response_statements",
    db.metadata,
    Column("response_id", ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True),
    Column("statement_id", ForeignKey("statements.id", ondelete="CASCADE"), primary_key=True),
)


class Response(db.Model):  # type: ignore[name-defined,misc]
    """A policymaker's public answer to one statement or a cluster of statements."""

    __tablename__ = "responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision: Mapped[Decision] = mapped_column(
        Enum(Decision, name="response_decision", native_enum=False, length=20)
    )
    text: Mapped[str] = mapped_column(Text)
    measure_url: Mapped[str | None] = mapped_column(String(500))
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    consultation: Mapped[Consultation] = relationship()
    author: Mapped[User | None] = relationship()
    statements: Mapped[list[Statement]] = relationship(secondary=response_statements)

    def __repr__(self) -> str:
        return f"<Response {self.id} {self.decision.value}>"


class ResponseItem(db.Model):  # type: ignore[name-defined,misc]
    """A statement that needs an official answer by a due date."""

    __tablename__ = "response_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statements.id", ondelete="CASCADE"), unique=True
    )
    reason: Mapped[str] = mapped_column(String(40), default="")  # why it needs an answer
    due_on: Mapped[date] = mapped_column(Date)
    extended_due_on: Mapped[date | None] = mapped_column(Date)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    extended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_id: Mapped[int | None] = mapped_column(
        ForeignKey("responses.id", ondelete="SET NULL"), index=True
    )
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    statement: Mapped[Statement] = relationship()
    response: Mapped[Response | None] = relationship()

    @property
    def effective_due_on(self) -> date:
        return self.extended_due_on or self.due_on

    def __repr__(self) -> str:
        return f"<ResponseItem s={self.statement_id} due={self.effective_due_on}>"
