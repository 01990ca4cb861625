"""Who may follow a job: its owner and administrators."""

from __future__ import annotations

from typing import Any

from consult.jobs.models import Job


def can_view_job(user: Any, job: Job) -> bool:
    """The owner of a job and administrators may follow it and download its result."""
    if not getattr(user, "is_authenticated", False) or job.owner_id is None:
        return False
    return bool(job.owner_id == user.id or getattr(user, "is_admin", False))
