"""Votes: one per person per statement, the latest one counts."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, SmallInteger, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.auth.models import User
from consult.extensions import db
from consult.statements.models import Statement
from consult.types import UTCDateTime, utcnow


class VoteValue(enum.Enum):
    """A vote, stored as the number the analysis uses (+1, -1, 0)."""

    agree = 1
    disagree = -1
    pass_ = 0

    @property
    def label(self) -> str:
        return "pass" if self is VoteValue.pass_ else self.name

    @classmethod
    def from_label(cls, label: str) -> VoteValue:
        return cls.pass_ if label == "pass" else cls[label]


class _PersonOnStatement:
    """The columns of a row one person keeps on one statement (a vote, an importance mark).

    ``sort_order`` keeps them first in the table, where the migrations put them.
    """

    id: Mapped[int] = mapped_column(Integer, primary_key=True, sort_order=-1)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True, sort_order=-1
    )
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statements.id", ondelete="CASCADE"), sort_order=-1
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, sort_order=-1
    )


class Vote(_PersonOnStatement, db.Model):  # type: ignore[name-defined,misc]
    """A participant's agree / disagree / pass on a statement."""

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("statement_id", "user_id"),
        CheckConstraint("value IN (-1, 0, 1)", name="value_range"),
        Index("ix_votes_consultation_user", "consultation_id", "user_id"),
    )

    value: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    statement: Mapped[Statement] = relationship()
    user: Mapped[User] = relationship()

    @property
    def choice(self) -> VoteValue:
        return VoteValue(self.value)

    def __repr__(self) -> str:
        return f"<Vote s={self.statement_id} u={self.user_id} {self.value:+d}>"


class ImportanceMark(_PersonOnStatement, db.Model):  # type: ignore[name-defined,misc]
    """A participant's "this matters to me" on a statement (at most one per person)."""

    __tablename__ = "importance_marks"
    __table_args__ = (
        UniqueConstraint("statement_id", "user_id"),
        Index("ix_importance_marks_consultation_user", "consultation_id", "user_id"),
    )

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<ImportanceMark s={self.statement_id} u={self.user_id}>"
