"""Flags, blocks, reason templates and the append-only audit log."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

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


class BlockKind(enum.Enum):
    """A suspension ends on a date; a block lasts until lifted."""

    suspend = "suspend"
    block = "block"


class UserBlock(db.Model):  # type: ignore[name-defined,misc]
    """A suspension or block of an account."""

    __tablename__ = "user_blocks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[BlockKind] = mapped_column(
        Enum(BlockKind, name="block_kind", native_enum=False, length=10)
    )
    reason: Mapped[str] = mapped_column(Text)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<UserBlock u={self.user_id} {self.kind.value}>"


class ReasonTemplate(db.Model):  # type: ignore[name-defined,misc]
    """A reusable moderation reason, editable by moderators."""

    __tablename__ = "reason_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(20), default="hide")
    text: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<ReasonTemplate {self.id} {self.action}>"


class AuditEntry(db.Model):  # type: ignore[name-defined,misc]
    """One moderation or administration action; rows are only ever inserted."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40), index=True)
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[int | None] = mapped_column(Integer)
    consultation_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultations.id", ondelete="SET NULL"), index=True
    )
    reason: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.action} {self.target_type}:{self.target_id}>"


class AuditLogIsAppendOnly(RuntimeError):
    """Raised on any attempt to change or delete an audit log row."""


@event.listens_for(AuditEntry, "before_update")
def _refuse_audit_update(mapper: Any, connection: Any, target: AuditEntry) -> None:
    raise AuditLogIsAppendOnly(f"audit log rows cannot be changed (entry {target.id})")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_audit_delete(mapper: Any, connection: Any, target: AuditEntry) -> None:
    raise AuditLogIsAppendOnly(f"audit log rows cannot be deleted (entry {target.id})")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_audit_changes(state: Any) -> None:
    # Bulk UPDATE/DELETE statements bypass the mapper events above.
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and getattr(table, "name", None) == AuditEntry.__tablename__:
        raise AuditLogIsAppendOnly("audit log rows cannot be changed or deleted")
