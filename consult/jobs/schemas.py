"""Marshmallow schema of a job record (the API's output, and the job page's data)."""

from __future__ import annotations

from flask import url_for
from marshmallow import Schema, fields, validate

from consult.jobs.models import Job, JobStatus


def download_url(job: Job) -> str | None:
    """Where to download a finished job's result: its URL, or the job's download link."""
    if job.status is not JobStatus.done:
        return None
    if job.result_url:
        return job.result_url
    if job.result_path:
        return url_for("jobs.download", job_id=job.id)
    return None


class JobSchema(Schema):
    """A background job: status, progress (0-100 and a message), and once done its download."""

    id = fields.String()
    name = fields.String()
    status = fields.Enum(JobStatus, by_value=True)
    progress = fields.Integer(validate=validate.Range(0, 100))
    message = fields.String()
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    expires_at = fields.DateTime(allow_none=True)
    error = fields.Function(
        lambda job: "The job failed." if job.status is JobStatus.failed else None,
        allow_none=True,
        metadata={"description": "Set when the job failed (the details are logged)."},
    )
    download_url = fields.Function(
        download_url,
        allow_none=True,
        metadata={"description": "The result, once the job is done and until it expires."},
    )


def job_data(job: Job) -> dict[str, object]:
    """The JSON form of a job (the API and the job page)."""
    data: dict[str, object] = JobSchema().dump(job)
    return data
