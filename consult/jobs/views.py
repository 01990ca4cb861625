"""A job's page (progress, then the file), for the job's owner and admins."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, send_file
from flask_login import current_user

from consult.jobs.models import Job
from consult.jobs.permissions import can_view_job
from consult.jobs.schemas import job_data
from consult.jobs.services import get_job, result_file

bp = Blueprint("jobs", __name__)


def _load(job_id: str) -> Job:
    job = get_job(job_id)
    if job is None or not can_view_job(current_user, job):
        abort(404)  # not 403: a job id is not something to probe for
    return job


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
