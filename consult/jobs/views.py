"""A job's page (progress, then the file) and its JSON twin, for the job's owner and admins."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, render_template, send_file, url_for
from flask_login import current_user

from consult.jobs.models import Job, JobStatus
from consult.jobs.services import get_job, result_file

bp = Blueprint("jobs", __name__)


def can_view_job(user: Any, job: Job) -> bool:
    """The owner of a job and administrators may follow it and download its result."""
    if not getattr(user, "is_authenticated", False) or job.owner_id is None:
        return False
    return bool(job.owner_id == user.id or getattr(user, "is_admin", False))


def _load(job_id: str) -> Job:
    job = get_job(job_id)
    if job is None or not can_view_job(current_user, job):
        abort(404)  # not 403: a job id is not something to probe for
    return job


def job_data(job: Job) -> dict[str, Any]:
    """The JSON form of a job (the API and the page's refresh)."""
    data: dict[str, Any] = {
        "id": job.id,
        "name": job.name,
        "status": job.status.value,
        "progress": job.progress,
        "message": job.message,
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "expires_at": job.expires_at.isoformat() if job.expires_at else None,
        "error": "The job failed." if job.status is JobStatus.failed else None,
        "download_url": None,
    }
    if job.status is JobStatus.done:
        if job.result_url:
            data["download_url"] = job.result_url
        elif job.result_path:
            data["download_url"] = url_for("jobs.download", job_id=job.id)
    return data


@bp.route("/jobs/<job_id>")
def show(job_id: str) -> Any:
    """Follow a job: progress while it runs (the page refreshes itself), then its file."""
    job = _load(job_id)
    return render_template("jobs/show.html", job=job, data=job_data(job))


@bp.route("/jobs/<job_id>/download")
def download(job_id: str) -> Any:
    """The job's result file, while it has not expired."""
    job = _load(job_id)
    path = result_file(job)
    if path is None:
        abort(404)
    response = send_file(
        path,
        mimetype=job.result_type or "application/octet-stream",
        as_attachment=True,
        download_name=job.result_name or path.name,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def init_app(app: Flask) -> None:
    """Register the job page and the API route."""
    from consult.jobs import api  # noqa: F401  (routes on the shared API blueprint)

    app.register_blueprint(bp)
