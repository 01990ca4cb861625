"""Cached analysis results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

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
