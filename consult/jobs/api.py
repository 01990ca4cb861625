"""GET /api/v1/jobs/{id}: a job's status, progress and download link."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_login import current_user

from consult.api import ApiError, api, login_required_json
from consult.jobs.services import get_job
from consult.jobs.views import can_view_job, job_data


@api.route("/jobs/<job_id>")
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
        200:
          description: The job.
          content:
            application/json:
              schema:
                type: object
                properties:
                  id: {type: string}
                  name: {type: string}
                  status: {type: string, enum: [queued, running, done, failed, expired]}
                  progress: {type: integer, minimum: 0, maximum: 100}
                  message: {type: string}
                  created_at: {type: string, format: date-time}
                  started_at: {type: string, format: date-time, nullable: true}
                  finished_at: {type: string, format: date-time, nullable: true}
                  expires_at: {type: string, format: date-time, nullable: true}
                  error: {type: string, nullable: true}
                  download_url: {type: string, nullable: true}
        401: {description: Not authenticated., content: {application/json: {schema: Error}}}
        404:
          description: No such job, or not yours.
          content: {application/json: {schema: Error}}
    """
    job = get_job(job_id)
    if job is None or not can_view_job(current_user, job):
        raise ApiError(404, "not_found", "Job not found.")
    return jsonify(job_data(job))
