"""Background refresh of analyses: the ``analysis.refresh`` job of ``consult/jobs``.

A page request never waits on a long recomputation: it asks for one here and serves the last
result. The job is keyed by the consultation (``analysis:<id>``): *exclusive* (one run per
consultation at a time, across every process with ``REDIS_URL``), *debounced* (votes arriving
within ``ANALYSIS_DEBOUNCE_SECONDS`` wait for one run, and what arrives during a run schedules
exactly one more) and *tracked* (a job record with its progress, which the Insights page
shows). It is idempotent: a worker killed mid-run leaves nothing half-written (the result is
stored in the job's one transaction), and the queue's late acknowledgement runs it again.

With ``REDIS_URL`` Celery workers run it (``kenes worker``), without it a thread of the web
process; what a refresh does is given by the analysis domain's ``init_app``
(:func:`use_refresh`), so that this module needs nothing from the services that schedule it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

from consult.jobs.models import Job
from consult.jobs.runners import wait_for_jobs
from consult.jobs.runtime import JobContext, enqueue, register_job
from consult.jobs.services import active_job

JOB = "analysis.refresh"
_REFRESH_KEY = "kenes.analysis.refresh"
#: Recomputes and stores one consultation's analysis (flushes; the job commits). It may call
#: ``progress(percent, message)``.
Refresh = Callable[..., None]


def job_key(consultation_id: int) -> str:
    """The de-duplication and lock key of a consultation's refresh."""
    return f"analysis:{int(consultation_id)}"


def subject(consultation_id: int) -> str:
    """What a refresh job record is about (the Insights page finds it by this)."""
    return f"consultation:{int(consultation_id)}"


def refresh_job(ctx: JobContext, consultation_id: int) -> None:
    """Recompute and store one consultation's analysis, reporting progress.

    A heartbeat thread repeats the last progress every ``lock_ttl / 6`` seconds while the
    analysis core runs (it reports nothing for minutes at national scale): the run lock stays
    alive while the job does, and expires soon after a killed worker's, so that the queue's
    redelivery can take it over.
    """
    refresh: Refresh = ctx.app.extensions[_REFRESH_KEY]
    last: dict[str, Any] = {"percent": 5.0, "message": "Loading the votes"}

    def report(percent: float, message: str = "", **_: Any) -> None:
        last.update(percent=percent, message=message)
        ctx.progress(percent, message, force=True)

    stop = threading.Event()

    def heartbeat() -> None:
        with ctx.app.app_context():
            while not stop.wait(max(1.0, ctx.spec.lock_ttl / 6)):
                ctx.progress(last["percent"], last["message"], force=True)

    beat = threading.Thread(target=heartbeat, name="kenes-analysis-heartbeat", daemon=True)
    beat.start()
    try:
        report(5, "Loading the votes")
        refresh(int(consultation_id), progress=report)
    finally:
        stop.set()
        beat.join(timeout=5)


def use_refresh(app: Flask, refresh: Refresh) -> None:
    """Register the refresh job; ``refresh`` is what it runs (the analysis domain's service)."""
    app.extensions[_REFRESH_KEY] = refresh
    register_job(
        app,
        JOB,
        refresh_job,
        tracked=True,
        key=job_key,
        exclusive=True,
        debounce=float(app.config.get("ANALYSIS_DEBOUNCE_SECONDS", 2.0)),
        lock_ttl=float(app.config.get("ANALYSIS_LOCK_SECONDS", 60)),
        result_ttl=3600.0,
    )


def schedule_refresh(consultation_id: int) -> bool:
    """Ask for a recomputation after the caller's commit; False if one is already waiting."""
    job = enqueue(JOB, int(consultation_id), subject=subject(consultation_id))
    return job is not None


def refresh_job_of(consultation_id: int) -> Job | None:
    """The queued or running refresh of a consultation, if any (its progress)."""
    return active_job(JOB, subject(consultation_id))


def is_refreshing(consultation_id: int) -> bool:
    """Tell whether a refresh of the consultation is queued or running."""
    return refresh_job_of(consultation_id) is not None


def wait_for_refreshes(timeout: float | None = None) -> None:
    """Block until this process's in-process jobs have finished (commands and tests)."""
    app: Any = current_app._get_current_object()  # type: ignore[attr-defined]
    wait_for_jobs(app, timeout)
