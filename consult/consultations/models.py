"""Consultations and who runs them."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Date,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.auth.models import User
from consult.extensions import db
from consult.languages.models import ConsultationText
from consult.types import UTCDateTime, utcnow


class ConsultationStatus(enum.Enum):
    """Lifecycle: draft → open → closed → reported."""

    draft = "draft"
    open = "open"
    closed = "closed"
    reported = "reported"


class ModerationMode(enum.Enum):
    """Post-moderation publishes at once; pre-moderation holds statements for approval."""

    post = "post"
    pre = "pre"


class ResponsePolicy(enum.Enum):
    """Which statements need an official answer once the consultation closes."""

    consensus = "consensus"
    representative = "representative"
    strongest = "strongest"
    positions = "positions"


class MemberRole(enum.Enum):
    """A person's role within one consultation."""

    owner = "owner"  # a policymaker running it
    moderator = "moderator"
    translator = "translator"  # translates statements into the other content languages


class Consultation(db.Model):  # type: ignore[name-defined,misc]
    """A public consultation on one question."""

    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    #: The language of title, summary and body; versions in the others are ``texts``.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    status: Mapped[ConsultationStatus] = mapped_column(
        Enum(ConsultationStatus, name="consultation_status", native_enum=False, length=20),
        default=ConsultationStatus.draft,
        index=True,
    )
    moderation: Mapped[ModerationMode] = mapped_column(
        Enum(ModerationMode, name="moderation_mode", native_enum=False, length=10),
        default=ModerationMode.post,
    )
    flag_threshold: Mapped[int] = mapped_column(Integer, default=3)
    response_policy: Mapped[ResponsePolicy] = mapped_column(
        Enum(ResponsePolicy, name="response_policy", native_enum=False, length=20),
        default=ResponsePolicy.consensus,
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Bumped in the same transaction as every change the thread page shows (votes, statements,
    #: links, moderation, responses): the key of the cached anonymous page (versions.py).
    content_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    created_by: Mapped[User | None] = relationship()
    members: Mapped[list[ConsultationMember]] = relationship(
        back_populates="consultation", cascade="all, delete-orphan"
    )

    texts: Mapped[list[ConsultationText]] = relationship(
        cascade="all, delete-orphan", order_by=ConsultationText.language
    )

    @property
    def is_open(self) -> bool:
        return self.status is ConsultationStatus.open

    def __repr__(self) -> str:
        return f"<Consultation {self.id} {self.slug!r} {self.status.value}>"


class ConsultationMember(db.Model):  # type: ignore[name-defined,misc]
    """A policymaker who owns, or a moderator assigned to, a consultation."""

    __tablename__ = "consultation_members"
    __table_args__ = (UniqueConstraint("consultation_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[MemberRole] = mapped_column(
        Enum(MemberRole, name="member_role", native_enum=False, length=20)
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    consultation: Mapped[Consultation] = relationship(back_populates="members")
    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ConsultationMember c={self.consultation_id} u={self.user_id} {self.role.value}>"


class Holiday(db.Model):  # type: ignore[name-defined,misc]
    """A public holiday skipped by the working-day calendar of response deadlines."""

    __tablename__ = "holidays"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")

    def __repr__(self) -> str:
        return f"<Holiday {self.day} {self.name!r}>"
