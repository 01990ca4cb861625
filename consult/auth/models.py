"""Accounts, roles, API tokens and account standing (blocks and suspensions)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.auth.sessions import start_session
from consult.extensions import db
from consult.types import UTCDateTime, utcnow


class Role(enum.Enum):
    """Site-wide role; higher roles include the rights of lower ones where it makes sense."""

    participant = "participant"
    moderator = "moderator"
    policymaker = "policymaker"
    admin = "admin"


class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    """A person with an account, or an anonymous participant imported from elsewhere."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="user_role", native_enum=False, length=20), default=Role.participant
    )
    locale: Mapped[str | None] = mapped_column(String(8))
    is_imported: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped whenever every session of the account ends (consult.auth.sessions).
    session_version: Mapped[int] = mapped_column(Integer, default=0)
    # E-mail verification, two-factor and deletion (consult/auth/recovery.py, twofactor.py,
    # consult/privacy/): None while the address is unconfirmed / 2FA is off / the account lives.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)  # refuses a replayed code
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    #: The display name in the content languages (an organisation answering publicly).
    names: Mapped[list[UserName]] = relationship(cascade="all, delete-orphan")

    if TYPE_CHECKING:
        #: The key of the sign-in session this object was loaded for (consult.auth.sessions).
        session_key: str | None

    def get_id(self) -> str:
        """``"<id>:<session key>"``: what the session and remember cookies hold.

        An object loaded without a session (just signed in, or built by a script) gets a new
        server-side session here.
        """
        key = getattr(self, "session_key", None)
        if not key:
            key = start_session(self)
        return f"{self.id}:{key}"

    def name_in(self, language: str) -> str:
        """The display name in ``language`` when it has a version in it, else the display name."""
        if self.deleted_at is None:
            for row in self.names:
                if row.language == language:
                    return row.name
        return self.display_name

    @property
    def is_admin(self) -> bool:
        return self.role is Role.admin

    @property
    def is_moderator(self) -> bool:
        return self.role in (Role.moderator, Role.admin)

    @property
    def is_policymaker(self) -> bool:
        return self.role in (Role.policymaker, Role.admin)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email!r} {self.role.value}>"


class UserName(db.Model):  # type: ignore[name-defined,misc]
    """An account's display name in one content language (kk, ru or en)."""

    __tablename__ = "user_names"
    __table_args__ = (UniqueConstraint("user_id", "language"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(80))

    def __repr__(self) -> str:
        return f"<UserName u={self.user_id} {self.language}>"


class ApiToken(db.Model):  # type: ignore[name-defined,misc]
    """A personal API token; only its SHA-256 hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="tokens")

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix}… user={self.user_id}>"


class RecoveryCode(db.Model):  # type: ignore[name-defined,misc]
    """A one-time two-factor recovery code; only its SHA-256 hash is stored."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<RecoveryCode {self.id} user={self.user_id} used={self.used_at is not None}>"


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
