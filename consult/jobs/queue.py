"""Celery with Redis as broker, in Flask's documented pattern (``celery_init_app``, FlaskTask).

Delivery is *at least once*: tasks are acknowledged after they finish (``task_acks_late``) and
put back when the process running them dies (``task_reject_on_worker_lost``); a whole worker
killed with its messages unacknowledged gets them back from Redis after the visibility timeout
(``JOBS_VISIBILITY_TIMEOUT``). Jobs are idempotent, so running one twice is harmless. Results
are not stored in Celery (the job record is the result), so no result backend is needed.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery import Celery, Task
from celery.schedules import crontab, schedule
from celery.signals import worker_process_init
from flask import Flask

from consult.extensions import db
from consult.jobs.runtime import Dispatch, JobSpec, execute

log = logging.getLogger("kenes.jobs")

QUEUE = "kenes"


def celery_config(app: Flask) -> dict[str, Any]:
    """The Celery settings derived from the app's."""
    url = app.config["REDIS_URL"]
    visibility = int(app.config.get("JOBS_VISIBILITY_TIMEOUT", 3600))
    timeout = float(app.config.get("REDIS_SOCKET_TIMEOUT", 1.0))
    return {
        "broker_url": url,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {
            "visibility_timeout": visibility,
            # Look for the messages of dead workers often (the scan is cheap).
            "unacked_restore_interval": max(1, min(10, visibility // 2)),
            "unacked_restore_throttle": 1,
            "socket_timeout": max(timeout, 5.0),
            "socket_connect_timeout": timeout,
            # Publishing to a dead Redis fails at once (the job then runs in-process) instead
            # of blocking the request through kombu's default retries (about 6 s).
            "max_retries": 1,
            "interval_start": 0,
            "interval_step": 0.2,
            "interval_max": 0.5,
        },
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_acks_on_failure_or_timeout": True,
        "task_default_queue": QUEUE,
        "task_serializer": "json",
        "accept_content": ["json"],
        "worker_prefetch_multiplier": 1,
        "worker_hijack_root_logger": False,
        "worker_max_memory_per_child": int(app.config.get("JOBS_WORKER_MAX_MEMORY_KB", 0)) or None,
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        "timezone": "UTC",
        "enable_utc": True,
        "beat_schedule": {},
    }


def celery_init_app(app: Flask) -> Celery:
    """Create the app's Celery instance; every task runs inside an app context."""

    class FlaskTask(Task):  # type: ignore[misc]
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.import_name, task_cls=FlaskTask)
    celery_app.config_from_object(celery_config(app))
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


def register_task(app: Flask, celery_app: Celery, spec: JobSpec) -> None:
    """Make a registered job a Celery task, and a beat entry if it is periodic."""

    def run(job_id: str | None, args: list[Any], kwargs: dict[str, Any], attempt: int = 0) -> str:
        return execute(app, Dispatch(spec.name, job_id, tuple(args), dict(kwargs), 0, attempt))

    run.__name__ = spec.name.replace(".", "_")
    run.__doc__ = (spec.fn.__doc__ or spec.name).strip().splitlines()[0]
    celery_app.task(name=spec.task_name, acks_late=True, reject_on_worker_lost=True)(run)
    if spec.schedule is not None:
        celery_app.conf.beat_schedule[spec.name] = {
            "task": spec.task_name,
            "schedule": to_schedule(spec.schedule),
            "args": (None, [], {}, 0),
            "options": {"expires": 3600},
        }


def to_schedule(value: float | timedelta | str) -> Any:
    """A Celery schedule from seconds, a timedelta or a crontab "m h dom mon dow"."""
    if isinstance(value, str):
        fields = value.split()
        if len(fields) != 5:
            raise ValueError(f"a crontab needs five fields: {value!r}")
        minute, hour, day_of_month, month_of_year, day_of_week = fields
        return crontab(
            minute=minute,
            hour=hour,
            day_of_month=day_of_month,
            month_of_year=month_of_year,
            day_of_week=day_of_week,
        )
    if isinstance(value, timedelta):
        return schedule(value)
    return schedule(timedelta(seconds=float(value)))


_worker_app: Flask | None = None


def run_worker(app: Flask, argv: list[str]) -> None:
    """Run a Celery worker for this app (``kenes worker``)."""
    global _worker_app
    _worker_app = app
    app.extensions["celery"].worker_main(argv=["worker", *argv])


@worker_process_init.connect  # type: ignore[untyped-decorator]
def _fresh_connections_after_fork(**_: Any) -> None:
    """A forked worker child must not share the parent's database connections."""
    if _worker_app is None:
        return
    with _worker_app.app_context():
        db.engine.dispose(close=False)
