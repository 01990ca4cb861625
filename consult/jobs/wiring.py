"""How the jobs package plugs into the app: its ``init_app``, called by ``create_app``."""

from __future__ import annotations

import functools

from flask import Flask

from consult.jobs import api as _api  # noqa: F401  (adds the endpoint to the API blueprint)
from consult.jobs import cli, monitoring, services, views
from consult.jobs.queue import register_task
from consult.jobs.runners import backend_for, make_runner
from consult.jobs.runtime import EXTENSION, JobsState, listen_for_commits, register_job
from consult.jobs.schedule import start_in_process_schedule
from consult.observability.health import use_check
from consult.observability.metrics import use_collector


def init_app(app: Flask) -> None:
    """Set up the runner, the jobs' own scheduled work, the job pages, commands and reports.

    Called before the domains' ``init_app``, which register their jobs with ``register_job``.
    """
    backend = backend_for(app)
    jobs = JobsState(backend=backend)
    app.extensions[EXTENSION] = jobs
    jobs.runner = make_runner(app, backend)
    if backend == "celery":
        jobs.celery = app.extensions["celery"]
        jobs.on_register = functools.partial(register_task, app, jobs.celery)
    listen_for_commits()

    periodic = (
        ("jobs.expire", services.expire_results_job, "JOBS_EXPIRE_EVERY"),
        ("jobs.requeue", services.requeue_lost_job, "JOBS_REQUEUE_EVERY"),
    )
    for name, job, every in periodic:
        # One run at a time across the workers: the job's name is its lock key.
        key = functools.partial(str, name)
        register_job(app, name, job, key=key, exclusive=True, schedule=float(app.config[every]))
    register_job(app, "jobs.probe", services.probe_job, tracked=True)

    app.register_blueprint(views.bp)
    for command in cli.commands:
        app.cli.add_command(command)
    if app.config.get("REDIS_URL"):
        use_check(app, "redis", functools.partial(monitoring.redis_check, app))
    use_check(app, "queue", functools.partial(monitoring.queue_check, app))
    use_collector(app, monitoring.QueueCollector(app))

    if backend == "thread" and app.config.get("JOBS_SCHEDULE_IN_PROCESS") and not app.testing:
        started = False

        @app.before_request
        def _start_schedule() -> None:
            nonlocal started
            if not started:
                started = True
                start_in_process_schedule(app)
