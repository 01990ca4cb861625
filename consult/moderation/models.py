"""Flags and reason templates (blocks are in consult.auth, the audit log in consult.audit)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.auth.models import User
from consult.extensions import db
from consult.statements.models import Statement
from consult.types import UTCDateTime, utcnow


class FlagReason(enum.Enum):
    """Why a participant flagged a statement."""

    spam = "spam"
    offensive = "offensive"
    off_topic = "off_topic"
    other = "other"


class Flag(db.Model):  # type: ignore[name-defined,misc]
    """One participant's report of one statement."""

    __tablename__ = "flags"
    __table_args__ = (UniqueConstraint("statement_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statements.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[FlagReason] = mapped_column(
        Enum(FlagReason, name="flag_reason", native_enum=False, length=20)
    )
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when a moderator has dealt with the flag (hid, restored, or ignored it).
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    statement: Mapped[Statement] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<Flag s={self.statement_id} u={self.user_id} {self.reason.value}>"


class ReasonTemplate(db.Model):  # type: ignore[name-defined,misc]
    """A reusable moderation reason, editable by moderators."""

    __tablename__ = "reason_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(20), default="hide")
    text: Mapped[str] = mapped_column(String(500))
    #: The language ``text`` is written in; ``versions`` hold the other content languages.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[ReasonTemplateText]] = relationship(
        cascade="all, delete-orphan", order_by="ReasonTemplateText.language"
    )

    def text_in(self, language: str) -> str | None:
        """The reason in ``language``, or None when it has no version in it."""
        if language == self.language:
            return self.text
        return next((v.text for v in self.versions if v.language == language), None)

    def __repr__(self) -> str:
        return f"<ReasonTemplate {self.id} {self.action}>"


class ReasonTemplateText(db.Model):  # type: ignore[name-defined,misc]
    """A reason template in one more content language."""

    __tablename__ = "reason_template_texts"
    __table_args__ = (UniqueConstraint("template_id", "language"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("reason_templates.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(String(500))

    def __repr__(self) -> str:
        return f"<ReasonTemplateText t={self.template_id} {self.language}>"
