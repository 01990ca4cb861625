"""The jobs' own services: read records, expire result files, hand lost jobs over again."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, or_, select

from consult.extensions import db
from consult.jobs.models import Job, JobStatus
from consult.jobs.runtime import Dispatch, JobContext, dispatch
from consult.types import utcnow

log = logging.getLogger("kenes.jobs")


def get_job(job_id: str) -> Job | None:
    """The job record with this id, if any."""
    if not (isinstance(job_id, str) and 0 < len(job_id) <= 32 and job_id.isalnum()):
        return None
    return db.session.get(Job, job_id)


def active_job(name: str, subject: str) -> Job | None:
    """The newest queued or running job ``name`` about ``subject``, if any."""
    return db.session.scalar(
        select(Job)
        .where(
            Job.name == name,
            Job.subject == subject,
            Job.status.in_([JobStatus.queued, JobStatus.running]),
        )
        .order_by(Job.created_at.desc())
        .limit(1)
    )


def result_file(job: Job) -> Path | None:
    """The result file of a finished job, if it still exists (never outside the result folder)."""
    if job.status is not JobStatus.done or not job.result_path:
        return None
    folder = result_folder().resolve()
    path = (folder / job.result_path).resolve()
    if folder not in path.parents or not path.is_file():
        return None
    return path


def result_folder() -> Path:
    """``JOBS_RESULT_DIR`` (default: ``instance/jobs``)."""
    app = current_app
    return Path(app.config.get("JOBS_RESULT_DIR") or Path(app.instance_path) / "jobs")


def expire_results(now: Any = None) -> int:
    """Delete the result files whose time is up and mark their jobs expired; return how many."""
    now = now or utcnow()
    jobs = list(
        db.session.scalars(
            select(Job).where(
                Job.status.in_([JobStatus.done, JobStatus.failed]),
                Job.expires_at.is_not(None),
                Job.expires_at <= now,
            )
        )
    )
    for job in jobs:
        path = result_file(job)
        if path is not None:
            path.unlink(missing_ok=True)
        job.status = JobStatus.expired if job.status is JobStatus.done else job.status
        job.expires_at = None
    db.session.flush()
    _delete_orphan_files(now)
    return len(jobs)


def _delete_orphan_files(now: Any) -> None:
    """Delete result files no record names any more (their job was deleted with its owner)."""
    folder = result_folder()
    if not folder.is_dir():
        return
    keep_for = float(current_app.config["JOBS_RESULT_TTL"]) + 86400
    cutoff = now.timestamp() - keep_for
    named = set(
        db.session.scalars(
            select(Job.result_path).where(
                Job.result_path.is_not(None), Job.status == JobStatus.done
            )
        )
    )
    for path in folder.iterdir():
        try:
            if path.is_file() and path.name not in named and path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            log.warning("could not delete the orphan result file %s", path)


def lost_jobs(now: Any = None) -> list[Job]:
    """Queued jobs nobody started, and running jobs whose heartbeat stopped, past their time."""
    now = now or utcnow()
    config = current_app.config
    queued_before = now - timedelta(seconds=float(config["JOBS_REQUEUE_AFTER"]))
    silent_before = now - timedelta(seconds=float(config["JOBS_STALE_AFTER"]))
    return list(
        db.session.scalars(
            select(Job).where(
                or_(
                    (Job.status == JobStatus.queued)
                    & (func.coalesce(Job.heartbeat_at, Job.created_at) <= queued_before),
                    (Job.status == JobStatus.running) & (Job.heartbeat_at <= silent_before),
                )
            )
        )
    )


def requeue_lost(now: Any = None) -> int:
    """Hand lost jobs over again (they are idempotent); return how many."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    jobs = lost_jobs(now)
    for job in jobs:
        job.heartbeat_at = utcnow()  # restarts the clock: not handed over twice in a row
        args = job.args or {}
        message = Dispatch(job.name, job.id, tuple(args.get("args", [])), args.get("kwargs", {}))
        db.session.info.setdefault("kenes_jobs_pending", []).append((app, message, None))
        log.warning("job %s (%s) was lost; handed over again", job.name, job.id)
    db.session.flush()
    return len(jobs)


# --- the jobs' own scheduled jobs -----------------------------------------------------------


def expire_results_job(ctx: JobContext) -> None:
    """Delete expired result files."""
    count = expire_results()
    if count:
        log.info("%d job result(s) expired", count)


def requeue_lost_job(ctx: JobContext) -> None:
    """Hand over again the jobs that were lost with a process or a Redis outage."""
    requeue_lost()


def probe_job(ctx: JobContext, seconds: float = 5.0, steps: int = 10) -> None:
    """A diagnostic job: takes ``seconds`` in ``steps`` with progress, then writes a file.

    Proves the whole path (queue, worker, progress, result files) end to end:
    ``kenes jobs enqueue jobs.probe``; bench/faults.py kills a worker in the middle of one.
    """
    seconds = max(0.0, min(float(seconds), 3600.0))
    steps = max(1, min(int(steps), 1000))
    for step in range(steps):
        time.sleep(seconds / steps)
        ctx.progress(100 * (step + 1) / steps, f"step {step + 1} of {steps}", force=True)
    if ctx.job_id is not None:
        path = ctx.result_dir() / f"probe-{ctx.job_id}.txt"
        path.write_text(f"probe {ctx.job_id}: {steps} steps in {seconds} s\n")
        ctx.set_result(path=path, name="probe.txt", media_type="text/plain")


__all__ = [
    "active_job",
    "dispatch",
    "expire_results",
    "get_job",
    "requeue_lost",
    "result_file",
]
