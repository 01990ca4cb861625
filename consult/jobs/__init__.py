"""Background jobs: a kernel package every domain may use (never the reverse).

A domain registers plain functions in its ``init_app``::

    jobs.register_job(app, "analysis.refresh", refresh_job, tracked=True, exclusive=True,
                      key=lambda consultation_id: f"analysis:{consultation_id}", debounce=5)

and asks for runs with :func:`enqueue` (after its transaction commits). With ``REDIS_URL`` the
runs go to Celery workers (``kenes worker``; ``kenes beat`` for the periodic ones); without it
they run in a thread pool of the web process, so ``make run`` needs nothing else. See
``runners.py`` for the choice, ``runtime.py`` for the guarantees and docs/deploy.md for
operations.
"""

from __future__ import annotations

from flask import Flask

from consult.jobs.models import Job, JobStatus
from consult.jobs.runtime import (
    EXTENSION,
    JobContext,
    JobSpec,
    JobsState,
    enqueue,
    listen_for_commits,
    register_job,
    state,
)

__all__ = [
    "Job",
    "JobContext",
    "JobSpec",
    "JobStatus",
    "enqueue",
    "init_app",
    "register_job",
    "wait_for_jobs",
]


def backend_for(app: Flask) -> str:
    """The effective ``JOBS_BACKEND``: ``auto`` is celery with ``REDIS_URL``, thread without."""
    backend = str(app.config.get("JOBS_BACKEND") or "auto")
    if backend == "auto":
        return "celery" if app.config.get("REDIS_URL") else "thread"
    return backend


def init_app(app: Flask) -> None:
    """Set up the runner, the jobs' own scheduled work, the job pages and the commands."""
    from consult.jobs import cli, services, views
    from consult.jobs.runners import make_runner

    backend = backend_for(app)
    jobs = JobsState(backend=backend)
    app.extensions[EXTENSION] = jobs
    jobs.runner = make_runner(app, backend)
    jobs.celery = app.extensions.get("celery") if backend == "celery" else None
    listen_for_commits()

    register_job(
        app,
        "jobs.expire",
        services.expire_results_job,
        key=lambda: "jobs.expire",
        exclusive=True,
        schedule=float(app.config["JOBS_EXPIRE_EVERY"]),
    )
    register_job(
        app,
        "jobs.requeue",
        services.requeue_lost_job,
        key=lambda: "jobs.requeue",
        exclusive=True,
        schedule=float(app.config["JOBS_REQUEUE_EVERY"]),
    )
    register_job(app, "jobs.probe", services.probe_job, tracked=True)
    views.init_app(app)
    cli.init_app(app)

    if backend == "thread" and app.config.get("JOBS_SCHEDULE_IN_PROCESS") and not app.testing:
        from consult.jobs.schedule import start_in_process_schedule

        started = False

        @app.before_request
        def _start_schedule() -> None:
            nonlocal started
            if not started:
                started = True
                start_in_process_schedule(app)


def wait_for_jobs(app: Flask, timeout: float | None = None) -> None:
    """Block until this process's in-process jobs have finished (commands and tests)."""
    runner = state(app).runner
    wait = getattr(runner, "wait", None) or getattr(getattr(runner, "fallback", None), "wait", None)
    if wait is not None:
        wait(timeout)
