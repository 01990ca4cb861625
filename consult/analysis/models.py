"""Cached analysis results, the vote exclusions the analysis applies, and the opinion
groups' state carried between recomputations."""

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


class AnalysisState(db.Model):  # type: ignore[name-defined,misc]
    """What one recomputation of a consultation's opinion groups hands to the next.

    ``state`` is a :class:`debate.conversation.ConversationState` as JSON (who is clustered,
    the base clusters, every k's group clustering and centres, the k smoother and the recent
    history of k, the groups with their stable ids and members, the retired groups); ``base``
    the state the last update started from, so that the same votes give the same groups again
    (``fingerprint`` names those votes, ``updated_at`` the time of that update).
    ``group_registry``
    lists every group ever shown: stable id, letter, colour, created at, retired at and the
    group it joined.
    """

    __tablename__ = "analysis_states"

    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    base: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    group_registry: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    fingerprint: Mapped[str] = mapped_column(String(128))
    #: the participant-id key's tag (adapters.key_tag): another key means other ids
    key_tag: Mapped[str] = mapped_column(String(32))
    #: how the state began: "replay" (the votes in time order) or "one-shot"
    origin: Mapped[str] = mapped_column(String(16), default="one-shot")
    updates: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<AnalysisState c={self.consultation_id} updates={self.updates}>"
