"""The job page, its download and its JSON twin: for the owner and admins only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from consult.auth.models import Role
from consult.extensions import db
from consult.jobs.models import Job, JobStatus
from consult.jobs.runtime import JobContext, enqueue, register_job
from consult.jobs.services import expire_results
from consult.types import utcnow


@pytest.fixture
def report_job(app: Flask, tmp_path: Any) -> Any:
    """Register a job writing a small CSV file; return a function enqueueing it for a user."""
    app.config["JOBS_RESULT_DIR"] = str(tmp_path)

    def export(ctx: JobContext, rows: int) -> None:
        path = ctx.result_dir() / f"export-{ctx.job_id}.csv"
        path.write_text("id\n" + "".join(f"{i}\n" for i in range(rows)))
        ctx.set_result(path=path, name="export.csv", media_type="text/csv")

    register_job(app, "test.export", export, tracked=True)

    def run(owner: Any, rows: int = 3) -> Job:
        job = enqueue("test.export", rows, owner_id=owner.id)
        db.session.commit()
        return job

    return run


def _add_job(job_id: str, owner: Any, **fields: Any) -> Job:
    """A job row written as a worker would leave it (done unless ``status=`` says otherwise)."""
    values = {"name": "test.job", "args": {}, "status": JobStatus.done, "attempts": 1}
    job = Job(id=job_id, owner_id=owner.id, **{**values, "message": "reading votes", **fields})
    db.session.add(job)
    db.session.commit()
    return job


def test_owner_sees_ready_job_and_downloads_its_file(
    client: FlaskClient, auth: Any, dummy_user: Any, report_job: Any
) -> None:
    job = report_job(dummy_user)
    auth.login(dummy_user)
    page = client.get(f"/jobs/{job.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Ready" in html and f"/jobs/{job.id}/download" in html
    assert 'http-equiv="refresh"' not in html
    download = client.get(f"/jobs/{job.id}/download")
    assert download.status_code == 200
    assert download.get_data(as_text=True) == "id\n0\n1\n2\n"
    assert "export.csv" in download.headers["Content-Disposition"]
    assert download.headers["Cache-Control"] == "private, no-store"
    download.close()


def test_running_job_page_refreshes_itself_and_shows_progress(
    client: FlaskClient, auth: Any, dummy_user: Any
) -> None:
    job = _add_job("a" * 32, dummy_user, status=JobStatus.running, progress=42)
    auth.login(dummy_user)
    html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' in html
    assert 'value="42"' in html and "reading votes" in html
    api = client.get(f"/api/v1/jobs/{job.id}").get_json()
    assert api["status"] == "running" and api["progress"] == 42 and api["download_url"] is None


def test_other_users_get_404_and_admins_see_the_job(
    client: FlaskClient, auth: Any, dummy_user: Any, create_user: Any, report_job: Any
) -> None:
    job = report_job(dummy_user)
    other = create_user()
    admin = create_user(role=Role.admin)
    db.session.commit()
    assert client.get(f"/jobs/{job.id}").status_code == 404
    assert client.get(f"/api/v1/jobs/{job.id}").status_code == 401
    auth.login(other)
    assert client.get(f"/jobs/{job.id}").status_code == 404
    assert client.get(f"/jobs/{job.id}/download").status_code == 404
    assert client.get(f"/api/v1/jobs/{job.id}").status_code == 404
    auth.login(admin)
    assert client.get(f"/jobs/{job.id}").status_code == 200
    assert client.get(f"/api/v1/jobs/{job.id}").get_json()["download_url"].endswith("/download")


def test_unknown_or_malformed_job_id_is_404(
    client: FlaskClient, auth: Any, dummy_user: Any
) -> None:
    auth.login(dummy_user)
    assert client.get("/jobs/nope").status_code == 404
    assert client.get("/jobs/" + "x" * 40).status_code == 404
    assert client.get("/api/v1/jobs/..%2F..%2Fetc").status_code == 404


def test_expired_file_is_deleted_and_no_longer_offered(
    client: FlaskClient, auth: Any, dummy_user: Any, report_job: Any, tmp_path: Any
) -> None:
    job = report_job(dummy_user)
    path = tmp_path / f"export-{job.id}.csv"
    assert path.exists()
    assert expire_results(utcnow() + timedelta(days=2)) == 1
    db.session.commit()
    assert not path.exists()
    db.session.expire_all()
    assert db.session.get(Job, job.id).status is JobStatus.expired
    auth.login(dummy_user)
    assert "This file has expired" in client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert client.get(f"/jobs/{job.id}/download").status_code == 404


def test_result_path_outside_the_result_folder_is_never_served(
    client: FlaskClient, auth: Any, dummy_user: Any, app: Flask, tmp_path: Any
) -> None:
    app.config["JOBS_RESULT_DIR"] = str(tmp_path / "results")
    (tmp_path / "secret.txt").write_text("secret")
    job = _add_job("b" * 32, dummy_user, progress=100, message="", result_path="../secret.txt")
    auth.login(dummy_user)
    assert client.get(f"/jobs/{job.id}/download").status_code == 404


def test_orphan_result_files_are_deleted_once_old(
    app: Flask, dummy_user: Any, report_job: Any, tmp_path: Any
) -> None:
    import os

    job = report_job(dummy_user)
    kept = tmp_path / job.result_path
    orphan = tmp_path / "orphan.csv"
    orphan.write_text("x")
    fresh = tmp_path / "fresh.csv"
    fresh.write_text("y")
    old = utcnow().timestamp() - 3 * 86400
    os.utime(orphan, (old, old))
    os.utime(kept, (old, old))
    expire_results(utcnow())
    assert not orphan.exists()
    assert fresh.exists()  # too young: a job may be writing it
    assert kept.exists()  # its record still names it
