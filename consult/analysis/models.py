"""Cached analysis results and the vote exclusions the analysis applies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.auth.models import User
from consult.extensions import db
from consult.types import UTCDateTime, utcnow


class CachedAnalysis(db.Model):  # type: ignore[name-defined,misc]
    """The last analysis of a consultation (its JSON document, see debate.result) and the
    fingerprint of the vote state it was computed from."""

    __tablename__ = "analysis_results"

    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), primary_key=True
    )
    fingerprint: Mapped[str] = mapped_column(String(128))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)

    def __repr__(self) -> str:
        return f"<CachedAnalysis c={self.consultation_id} {self.fingerprint[:12]}>"


class VoteExclusion(db.Model):  # type: ignore[name-defined,misc]
    """A group of accounts whose votes are left out of a consultation's analysis.

    The votes themselves are kept; lifting the exclusion (``lifted_at``) brings them back. Made
    by a moderator or one of the consultation's policymakers for a suspected coordinated group.
    """

    __tablename__ = "vote_exclusions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    #: the excluded accounts' user ids, ascending
    user_ids: Mapped[list[int]] = mapped_column(JSON)
    #: the detection it came from: key, similarity, accounts' creation span, votes
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    lifted_by: Mapped[User | None] = relationship(foreign_keys=[lifted_by_id])

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None

    def __repr__(self) -> str:
        return f"<VoteExclusion {self.id} c={self.consultation_id} n={len(self.user_ids)}>"
