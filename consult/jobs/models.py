"""The job record: what a page shows about a background job (status, progress, result file)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Enum, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from consult.extensions import db
from consult.types import UTCDateTime, utcnow


class JobStatus(enum.Enum):
    """Where a job is in its life."""

    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"
    expired = "expired"  # done, and its result file has been deleted


#: statuses of a job that has not finished yet
ACTIVE_STATUSES = (JobStatus.queued, JobStatus.running)

_QUEUED = text("status = 'queued'")


class Job(db.Model):  # type: ignore[name-defined,misc]
    """One run of a registered job that someone may want to follow (exports, reports, analyses).

    ``key`` de-duplicates: at most one *queued* job per key (a unique partial index), so asking
    twice while the first is still waiting returns the first. ``subject`` names what the job is
    about (``"consultation:12"``) for pages that show the jobs of an object.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
        Index(
            "uq_jobs_queued_key",
            "key",
            unique=True,
            sqlite_where=_QUEUED,
            postgresql_where=_QUEUED,
        ),
        Index("ix_jobs_status_expires_at", "status", "expires_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random hex: unguessable
    name: Mapped[str] = mapped_column(String(100))
    key: Mapped[str | None] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(String(100), index=True)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[JobStatus] = mapped_column(
        Enum(JobStatus, name="job_status", native_enum=False, length=20), default=JobStatus.queued
    )
    progress: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(String(200), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    result_path: Mapped[str | None] = mapped_column(String(500))  # under JOBS_RESULT_DIR
    result_url: Mapped[str | None] = mapped_column(String(500))  # or a file stored elsewhere
    result_name: Mapped[str | None] = mapped_column(String(200))  # download file name
    result_type: Mapped[str | None] = mapped_column(String(100))  # its media type
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def has_file(self) -> bool:
        return self.status is JobStatus.done and bool(self.result_path or self.result_url)

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.name} {self.status.value} {self.progress}%>"
