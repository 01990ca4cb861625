"""Statements (positions and arguments) and the support/attack links between them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.auth.models import User
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.types import UTCDateTime, utcnow


class StatementKind(enum.Enum):
    """A position answers the consultation's question; an argument supports or attacks."""

    position = "position"
    argument = "argument"


class StatementStatus(enum.Enum):
    """Visibility of a statement."""

    visible = "visible"
    pending = "pending"  # awaiting pre-moderation or review after automatic hiding
    hidden = "hidden"
    merged = "merged"  # merged into another statement; a redirect


class Relation(enum.Enum):
    """How a link's source relates to its target."""

    support = "support"
    attack = "attack"


class Statement(db.Model):  # type: ignore[name-defined,misc]
    """A position or an argument posted in a consultation."""

    __tablename__ = "statements"
    __table_args__ = (
        Index("ix_statements_consultation_status", "consultation_id", "status"),
        UniqueConstraint("consultation_id", "external_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[StatementKind] = mapped_column(
        Enum(StatementKind, name="statement_kind", native_enum=False, length=20)
    )
    text: Mapped[str] = mapped_column(Text)
    #: The language the author wrote in (detected, correctable by the author); None: unknown.
    language: Mapped[str | None] = mapped_column(String(8))
    # Normalised text hash, for the duplicate-post guard and duplicate suggestions.
    text_key: Mapped[str] = mapped_column(String(64), default="", index=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[StatementStatus] = mapped_column(
        Enum(StatementStatus, name="statement_status", native_enum=False, length=20),
        default=StatementStatus.visible,
    )
    # Set when hidden automatically by flags (so an author can be told, and the queue can show it).
    auto_hidden: Mapped[bool] = mapped_column(default=False)
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("statements.id", ondelete="SET NULL")
    )
    # Identifier in an imported source (e.g. a Polis comment-id).
    external_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    consultation: Mapped[Consultation] = relationship()
    author: Mapped[User | None] = relationship()
    outgoing: Mapped[list[StatementLink]] = relationship(
        foreign_keys="StatementLink.source_id",
        back_populates="source",
        cascade="all, delete-orphan",
    )
    incoming: Mapped[list[StatementLink]] = relationship(
        foreign_keys="StatementLink.target_id",
        back_populates="target",
        cascade="all, delete-orphan",
    )

    @property
    def is_visible(self) -> bool:
        return self.status is StatementStatus.visible

    def __repr__(self) -> str:
        return f"<Statement {self.id} {self.kind.value} {self.status.value}>"


class StatementLink(db.Model):  # type: ignore[name-defined,misc]
    """``source`` supports or attacks ``target``; both in the same consultation."""

    __tablename__ = "statement_links"
    __table_args__ = (
        UniqueConstraint("source_id", "target_id"),
        CheckConstraint("source_id <> target_id", name="no_self_link"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    source_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(
        ForeignKey("statements.id", ondelete="CASCADE"), index=True
    )
    relation: Mapped[Relation] = mapped_column(
        Enum(Relation, name="link_relation", native_enum=False, length=10)
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    source: Mapped[Statement] = relationship(foreign_keys=[source_id], back_populates="outgoing")
    target: Mapped[Statement] = relationship(foreign_keys=[target_id], back_populates="incoming")

    def __repr__(self) -> str:
        return f"<StatementLink {self.source_id} {self.relation.value} {self.target_id}>"
