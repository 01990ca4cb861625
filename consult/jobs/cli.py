"""``kenes worker``, ``kenes beat`` and ``kenes jobs ...``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from consult.extensions import db
from consult.jobs.models import Job, JobStatus
from consult.jobs.queue import QUEUE, run_worker
from consult.jobs.runners import wait_for_jobs
from consult.jobs.runtime import Dispatch, enqueue, execute, state
from consult.observability.metrics import serve_metrics


def _celery_or_fail() -> object:
    app = current_app
    celery_app = app.extensions.get("celery")
    if celery_app is None:
        backend = app.extensions["kenes_jobs"].backend
        click.echo(
            "error: KENES_REDIS_URL is not set: jobs run inside the web process "
            f"(JOBS_BACKEND={backend}); a worker needs Redis as its broker",
            err=True,
        )
        raise SystemExit(2)
    return celery_app


@click.command(
    "worker", context_settings={"ignore_unknown_options": True, "allow_extra_args": True}
)
@click.option("--concurrency", "-c", type=click.IntRange(1, 256), default=None)
@click.option("--loglevel", "-l", default="INFO", show_default=True)
@click.option(
    "--metrics-port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Serve this worker's Prometheus metrics on 127.0.0.1:PORT.",
)
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
@with_appcontext
def worker_command(
    concurrency: int | None, loglevel: str, metrics_port: int | None, celery_args: tuple[str, ...]
) -> None:
    """Run a Celery worker for the background jobs (further options go to celery worker)."""
    _celery_or_fail()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    argv = ["--loglevel", loglevel, "-Q", QUEUE, "--without-gossip", "--without-mingle"]
    if concurrency:
        argv += ["--concurrency", str(concurrency)]
    if metrics_port:
        serve_metrics(metrics_port)
    run_worker(app, [*argv, *celery_args])


@click.command("beat", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("--loglevel", "-l", default="INFO", show_default=True)
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
@with_appcontext
def beat_command(loglevel: str, celery_args: tuple[str, ...]) -> None:
    """Run Celery beat: hands the periodic jobs to the workers (run exactly one)."""
    celery_app = _celery_or_fail()
    schedule = Path(current_app.instance_path) / "celerybeat-schedule"
    schedule.parent.mkdir(parents=True, exist_ok=True)
    celery_app.start(  # type: ignore[attr-defined]
        argv=["beat", "--loglevel", loglevel, "--schedule", str(schedule), *celery_args]
    )


@click.group("jobs")
def jobs_group() -> None:
    """Inspect and run background jobs."""


@jobs_group.command("list")
@click.option("--status", type=click.Choice(["queued", "running", "done", "failed", "expired"]))
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@with_appcontext
def list_command(status: str | None, limit: int) -> None:
    """Show the newest job records."""
    query = select(Job).order_by(Job.created_at.desc()).limit(limit)
    if status:
        query = query.where(Job.status == JobStatus(status))
    for job in db.session.scalars(query):
        click.echo(
            f"{job.id}  {job.name:<24} {job.status.value:<8} {job.progress:>3}%  "
            f"{job.created_at:%Y-%m-%d %H:%M:%S}  {job.message}"
        )


@jobs_group.command("registered")
@with_appcontext
def registered_command() -> None:
    """List the registered jobs and their schedules."""
    jobs = state()
    click.echo(f"backend: {jobs.backend}")
    for spec in sorted(jobs.specs.values(), key=lambda s: s.name):
        schedule = f"every {spec.schedule}" if spec.schedule is not None else ""
        click.echo(f"{spec.name:<28} {'tracked' if spec.tracked else '':<8} {schedule}")


@jobs_group.command("run")
@click.argument("name")
@with_appcontext
def run_command(name: str) -> None:
    """Run a registered job without arguments now, in this process (e.g. a scheduled one)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if name not in state(app).specs:
        click.echo(f"error: no job named {name!r} (see: kenes jobs registered)", err=True)
        raise SystemExit(2)
    outcome = execute(app, Dispatch(name, None, (), {}))
    click.echo(f"{name}: {outcome}")
    if outcome == "failed":
        raise SystemExit(1)


@jobs_group.command("enqueue")
@click.argument("name")
@with_appcontext
def enqueue_command(name: str) -> None:
    """Hand a registered job without arguments to the workers (or the in-process runner)."""
    if name not in state().specs:
        click.echo(f"error: no job named {name!r} (see: kenes jobs registered)", err=True)
        raise SystemExit(2)
    job = enqueue(name)
    db.session.commit()
    wait_for_jobs(current_app._get_current_object())  # type: ignore[attr-defined]
    click.echo(job.id if job is not None else f"{name}: queued")


#: the commands the jobs package adds to ``kenes``
commands = [worker_command, beat_command, jobs_group]
