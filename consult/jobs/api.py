"""GET /api/v1/jobs/{id}: a job's status, progress and download link."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from consult.api import ApiError, api, login_required_json
from consult.jobs.permissions import can_view_job
from consult.jobs.schemas import JobSchema, job_data  # noqa: F401  (named in the docstring)
from consult.jobs.services import get_job


@api.get("/jobs/<job_id>")
@login_required_json
def show_job(job_id: str) -> Any:
    """A background job of yours.
    ---
    get:
      tags: [jobs]
      summary: Status, progress (0-100 and a message) and, once done, the download link.
      parameters:
        - {in: path, name: job_id, required: true, schema: {type: string}}
      responses:
        200: {content: {application/json: {schema: JobSchema}}}
      x-errors:
        401: Not authenticated.
        404: No such job, or not yours.
    """
    job = get_job(job_id)
    if job is None or not can_view_job(current_user, job):
        raise ApiError(404, "not_found", _l("Job not found."))
    return jsonify(job_data(job))
