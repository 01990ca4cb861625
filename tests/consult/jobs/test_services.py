"""Jobs' own services: lost jobs are handed over again, the in-process schedule, locks, CLI."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from flask import Flask

from consult.extensions import db
from consult.jobs.locks import LocalLocks
from consult.jobs.models import Job, JobStatus
from consult.jobs.runtime import JobContext, enqueue, register_job, state
from consult.jobs.schedule import InProcessScheduler
from consult.jobs.services import lost_jobs, requeue_lost
from consult.types import utcnow


def _job(job_id: str, status: JobStatus, *, age: float, heartbeat: float | None = None) -> Job:
    now = utcnow()
    return Job(
        id=job_id,
        name="test.requeued",
        args={"args": [4], "kwargs": {}},
        status=status,
        progress=0,
        message="",
        attempts=0,
        created_at=now - timedelta(seconds=age),
        heartbeat_at=None if heartbeat is None else now - timedelta(seconds=heartbeat),
    )


def test_lost_jobs_are_old_queued_and_silent_running_ones(app: Flask) -> None:
    db.session.add_all(
        [
            _job("1" * 32, JobStatus.queued, age=3600),
            _job("2" * 32, JobStatus.queued, age=5),
            _job("3" * 32, JobStatus.running, age=7200, heartbeat=7200),
            _job("4" * 32, JobStatus.running, age=7200, heartbeat=10),
            _job("5" * 32, JobStatus.done, age=7200),
        ]
    )
    db.session.flush()
    assert sorted(j.id[0] for j in lost_jobs()) == ["1", "3"]


def test_requeued_job_runs_again_after_commit(app: Flask) -> None:
    seen: list[int] = []
    register_job(app, "test.requeued", lambda ctx, n: seen.append(n), tracked=True)
    db.session.add(_job("6" * 32, JobStatus.queued, age=3600))
    db.session.commit()
    assert requeue_lost() == 1
    assert seen == []
    db.session.commit()
    assert seen == [4]
    assert db.session.get(Job, "6" * 32).status is JobStatus.done


def test_in_process_schedule_runs_periodic_jobs_when_due(app: Flask) -> None:
    register_job(app, "test.tick", lambda ctx: None, schedule=60)
    scheduler = InProcessScheduler(app)
    now = utcnow()
    assert scheduler.due(now) == []  # the first period starts now
    assert "test.tick" not in scheduler.due(now + timedelta(seconds=30))
    assert "test.tick" in scheduler.due(now + timedelta(seconds=61))
    assert "test.tick" not in scheduler.due(now + timedelta(seconds=62))


def test_periodic_jobs_are_registered_with_their_schedule(app: Flask) -> None:
    specs = state(app).specs
    assert specs["moderation.expire_suspensions"].schedule == 60
    assert specs["jobs.expire"].schedule == 600


def test_local_locks_expire_and_only_the_holder_releases() -> None:
    locks = LocalLocks()
    assert locks.set_nx("k", "a", 0.2)
    assert not locks.set_nx("k", "b", 10)
    locks.delete_if("k", "b")
    assert locks.exists("k")
    time.sleep(0.25)
    assert locks.set_nx("k", "b", 10)


def test_probe_job_reports_progress_and_writes_its_file(app: Flask, tmp_path: Any) -> None:
    app.config["JOBS_RESULT_DIR"] = str(tmp_path)
    job = enqueue("jobs.probe", seconds=0.01, steps=2)
    db.session.commit()
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.status is JobStatus.done and job.result_name == "probe.txt"
    assert (tmp_path / job.result_path).read_text().startswith(f"probe {job.id}")


def test_worker_command_without_redis_is_a_one_line_error(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["worker"])
    assert result.exit_code == 2
    assert "KENES_REDIS_URL is not set" in result.output


def test_jobs_commands_list_registered_and_run(app: Flask) -> None:
    runner = app.test_cli_runner()
    registered = runner.invoke(args=["jobs", "registered"])
    assert (
        "moderation.expire_suspensions" in registered.output
        and "backend: eager" in registered.output
    )
    ran = runner.invoke(args=["jobs", "run", "moderation.expire_suspensions"])
    assert ran.exit_code == 0 and "done" in ran.output
    unknown = runner.invoke(args=["jobs", "run", "nothing.here"])
    assert unknown.exit_code == 2 and "no job named" in unknown.output
    seen: list[str] = []
    register_job(app, "test.listed", lambda ctx: seen.append("x"), tracked=True)
    runner.invoke(args=["jobs", "enqueue", "test.listed"])
    assert seen == ["x"]
    listed = runner.invoke(args=["jobs", "list"])
    assert "test.listed" in listed.output and "done" in listed.output


def test_exclusive_periodic_job_context_has_its_key(app: Flask) -> None:
    keys: list[str | None] = []

    def record(ctx: JobContext) -> None:
        keys.append(ctx.key)

    register_job(app, "test.keyed", record, key=lambda: "keyed", exclusive=True)
    runner = app.test_cli_runner()
    assert "done" in runner.invoke(args=["jobs", "run", "test.keyed"]).output
    assert keys == ["keyed"]
