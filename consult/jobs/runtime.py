"""Registered jobs, enqueueing (transactional, de-duplicated, debounced) and running one job.

A job is a plain function ``fn(ctx, *args, **kwargs)`` that a domain registers in its
``init_app`` with :func:`register_job`. Arguments are JSON values (ids, not objects). The runner
calls it in an app context and commits its work once, together with the job record's "done";
on an error it rolls back and records the failure. Job functions never commit.

Jobs are designed to be idempotent: a queue with late acknowledgement may deliver one again
(a worker killed mid-job, a visibility timeout), and :func:`execute` then simply runs it again;
a tracked job that is already done is skipped.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import event, select, update
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from consult.extensions import db
from consult.jobs.locks import KeyLocks
from consult.jobs.models import Job, JobStatus
from consult.observability.metrics import observe_job
from consult.types import utcnow

log = logging.getLogger("kenes.jobs")

EXTENSION = "kenes_jobs"
_SESSION_KEY = "kenes_jobs_pending"

#: errors meaning "the database is unreachable": the job is retried later, not failed
DATABASE_DOWN = (OperationalError, InterfaceError)


@dataclass(frozen=True)
class JobSpec:
    """A registered job and how it runs."""

    name: str
    fn: Callable[..., Any]
    #: keep a :class:`Job` record (status, progress, result file) for a page to show
    tracked: bool = False
    #: the de-duplication key of a call, from its arguments (e.g. ``"analysis:12"``)
    key: Callable[..., str] | None = None
    #: one run per key at a time (a run lock, extended while the job reports progress)
    exclusive: bool = False
    #: seconds to wait and absorb further calls with the same key before running
    debounce: float = 0.0
    #: seconds a run lock lives without being extended (a killed worker's lock expires)
    lock_ttl: float = 600.0
    #: seconds a result file is kept (``None``: the ``JOBS_RESULT_TTL`` setting)
    result_ttl: float | None = None
    #: run periodically: seconds, a timedelta, or a crontab "m h dom mon dow"
    schedule: float | timedelta | str | None = None
    #: attempts when the database is unreachable, with exponential back-off
    max_retries: int = 5

    @property
    def task_name(self) -> str:
        return f"kenes.{self.name}"


@dataclass
class JobsState:
    """Per-app state: the registry and the runner."""

    backend: str
    specs: dict[str, JobSpec] = field(default_factory=dict)
    runner: Any = None
    celery: Any = None
    scheduler: Any = None
    #: called with each job registered (the Celery backend makes it a task there)
    on_register: Callable[[JobSpec], None] | None = None


def state(app: Flask | None = None) -> JobsState:
    """The jobs state of an app (the current one by default)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return app.extensions[EXTENSION]  # type: ignore[no-any-return]


def register_job(app: Flask, name: str, fn: Callable[..., Any], **options: Any) -> JobSpec:
    """Register ``fn`` as the job ``name`` (options: the fields of :class:`JobSpec`)."""
    jobs = state(app)
    if name in jobs.specs:
        raise ValueError(f"job {name!r} is already registered")
    spec = JobSpec(name=name, fn=fn, **options)
    jobs.specs[name] = spec
    if jobs.on_register is not None:
        jobs.on_register(spec)
    return spec


def spec_of(name: str, app: Flask | None = None) -> JobSpec:
    """The registered job ``name``; KeyError if there is none."""
    return state(app).specs[name]


# --- enqueue --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dispatch:
    """A message to hand to the runner: run ``spec`` with these arguments."""

    name: str
    job_id: str | None
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    countdown: float = 0.0
    attempt: int = 0


def enqueue(
    name: str,
    *args: Any,
    key: str | None = None,
    owner_id: int | None = None,
    subject: str | None = None,
    after_commit: bool = True,
    **kwargs: Any,
) -> Job | None:
    """Ask for a run of the job ``name``; return its record (tracked jobs) or None.

    The run is handed to the runner when the caller's transaction commits (and dropped if it
    rolls back), so the job sees what the caller wrote; pass ``after_commit=False`` to hand an
    untracked job over at once (a tracked job's record must be committed first). A keyed job
    with ``debounce`` is absorbed (None) while a run is already pending for its key; a tracked
    job returns the queued record of the same key if there is one.
    """
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    spec = spec_of(name, app)
    if spec.tracked and not after_commit:
        raise ValueError(f"{name} is tracked: it is handed over after the caller's commit")
    if key is None and spec.key is not None:
        key = spec.key(*args, **kwargs)
    countdown = 0.0
    if key and spec.debounce:
        # The mark outlives the window by a margin, so a busy queue does not double the run.
        if not KeyLocks(app).mark_pending(key, spec.debounce + 60):
            return None
        countdown = spec.debounce
    job: Job | None = None
    if spec.tracked:
        job, created = _insert_job(spec, key, owner_id, subject, args, kwargs)
        if not created:
            return job
    message = Dispatch(name, job.id if job else None, tuple(args), dict(kwargs), countdown)
    if after_commit:
        session = db.session()
        if not session.in_transaction():
            session.begin()  # so that a rollback before any query still drops the job
        pending = session.info.setdefault(_SESSION_KEY, [])
        pending.append((app, message, key if spec.debounce else None))
    else:
        dispatch(app, message)
    return job


def _insert_job(
    spec: JobSpec,
    key: str | None,
    owner_id: int | None,
    subject: str | None,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> tuple[Job, bool]:
    """Insert a queued record, or return the queued one of the same key (unique index)."""
    job = Job(
        id=secrets.token_hex(16),
        name=spec.name,
        key=key,
        subject=subject,
        owner_id=owner_id,
        args={"args": list(args), "kwargs": kwargs},
        status=JobStatus.queued,
        progress=0,
        message="",
        attempts=0,
        created_at=utcnow(),
    )
    if key is None:
        db.session.add(job)
        db.session.flush()
        return job, True
    try:
        with db.session.begin_nested():
            db.session.add(job)
            db.session.flush()
    except IntegrityError:
        existing = db.session.scalar(
            select(Job).where(Job.key == key, Job.status == JobStatus.queued)
        )
        if existing is not None:
            return existing, False
        raise
    return job, True


def dispatch(app: Flask, message: Dispatch) -> None:
    """Hand a message to the app's runner (Celery, a thread pool, or at once)."""
    state(app).runner.submit(app, message)


def _after_commit(session: Session) -> None:
    pending = session.info.pop(_SESSION_KEY, None)
    for app, message, _key in pending or ():
        try:
            dispatch(app, message)
        except Exception:  # a failed hand-over must not break the caller's committed request
            log.exception("could not dispatch job %s", message.name)


def _after_rollback(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.nested:
        return  # a savepoint: the enclosing transaction may still commit
    pending = session.info.pop(_SESSION_KEY, None)
    for app, _message, key in pending or ():
        if key:
            KeyLocks(app).clear_pending(key)


def listen_for_commits() -> None:
    """Dispatch jobs when the enqueueing transaction commits.

    Bound to ``db.session`` (the sessions its factory makes), never to every SQLAlchemy session
    of the process; installing it twice is a no-op.
    """
    if not event.contains(db.session, "after_commit", _after_commit):
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_soft_rollback", _after_rollback)


# --- running --------------------------------------------------------------------------------


class JobContext:
    """What a running job can do: report progress, name its result file, read its record."""

    def __init__(self, app: Flask, spec: JobSpec, message: Dispatch, key: str | None) -> None:
        self.app = app
        self.spec = spec
        self.job_id = message.job_id
        self.key = key
        self.lock_token: str | None = None
        self.result: dict[str, Any] = {}
        self._last_write = 0.0

    def progress(self, percent: float, message: str = "", *, force: bool = False) -> None:
        """Record progress (0–100) and a short message; keeps the run lock alive.

        Written at most twice a second, in its own short transaction so that pages see it while
        the job's own work is still uncommitted (best effort: a busy SQLite file skips it).
        """
        now = time.monotonic()
        if not force and now - self._last_write < 0.5:
            return
        self._last_write = now
        if self.lock_token and self.key:
            KeyLocks(self.app).extend(self.key, self.lock_token, self.spec.lock_ttl)
        if self.job_id is None:
            return
        pct = max(0, min(100, int(percent)))
        try:
            with db.engine.connect() as conn:
                if conn.dialect.name == "sqlite":
                    conn.exec_driver_sql("PRAGMA busy_timeout = 50")
                conn.execute(
                    update(Job)
                    .where(Job.id == self.job_id, Job.status == JobStatus.running)
                    .values(progress=pct, message=message[:200], heartbeat_at=utcnow())
                )
                conn.commit()
                if conn.dialect.name == "sqlite":
                    conn.exec_driver_sql("PRAGMA busy_timeout = 5000")
        except DATABASE_DOWN as exc:
            log.debug("progress of job %s not recorded: %s", self.job_id, exc)

    def result_dir(self) -> Path:
        """The folder for result files (``JOBS_RESULT_DIR``), created if needed."""
        folder = Path(
            self.app.config.get("JOBS_RESULT_DIR") or Path(self.app.instance_path) / "jobs"
        )
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def set_result(
        self,
        *,
        path: Path | str | None = None,
        url: str | None = None,
        name: str | None = None,
        media_type: str | None = None,
    ) -> None:
        """Name the job's result: a file under :meth:`result_dir`, or a URL."""
        if path is not None:
            path = Path(path)
            self.result["result_path"] = str(path.relative_to(self.result_dir()))
        if url is not None:
            self.result["result_url"] = url
        if name is not None:
            self.result["result_name"] = name
        if media_type is not None:
            self.result["result_type"] = media_type


def execute(app: Flask, message: Dispatch) -> str:
    """Run one message in a fresh app context; return the outcome.

    Outcomes: ``done``, ``failed``, ``skipped`` (a tracked job already finished), ``deferred``
    (another run of the key holds the lock: handed over again later), ``retry`` (the database
    is unreachable: handed over again with back-off).
    """
    spec = spec_of(message.name, app)
    started = time.perf_counter()
    with app.app_context():
        try:
            outcome = _execute(app, spec, message)
        finally:
            db.session.remove()
    observe_job(spec.name, outcome, time.perf_counter() - started)
    return outcome


def _execute(app: Flask, spec: JobSpec, message: Dispatch) -> str:
    key = None
    if spec.key is not None:
        key = spec.key(*message.args, **message.kwargs)
    elif message.job_id is not None:
        key = db.session.scalar(select(Job.key).where(Job.id == message.job_id))
    locks = KeyLocks(app)
    token = None
    if key and spec.exclusive:
        token = locks.acquire(key, spec.lock_ttl)
        if token is None:
            later = max(spec.debounce, 1.0)
            log.info("job %s: %s is running, handed over again in %.0f s", spec.name, key, later)
            _redispatch(app, message, later, attempt=message.attempt)
            return "deferred"
    ctx = JobContext(app, spec, message, key)
    ctx.lock_token = token
    try:
        if key and spec.debounce:
            locks.clear_pending(key)  # what arrives from now on needs a run of its own
        if message.job_id is not None and not _mark_running(message.job_id):
            return "skipped"
        try:
            spec.fn(ctx, *message.args, **message.kwargs)
            if message.job_id is not None:
                _mark_done(app, spec, message.job_id, ctx.result)
            db.session.commit()
            return "done"
        except DATABASE_DOWN as exc:
            db.session.rollback()
            return _retry_or_fail(app, spec, message, exc)
        except Exception as exc:  # recorded on the job; the worker goes on
            db.session.rollback()
            log.exception("job %s (%s) failed", spec.name, message.job_id or "untracked")
            _mark_failed(message.job_id, exc)
            return "failed"
    except DATABASE_DOWN as exc:
        db.session.rollback()
        return _retry_or_fail(app, spec, message, exc)
    finally:
        if token is not None and key:
            locks.release(key, token)


def _retry_or_fail(app: Flask, spec: JobSpec, message: Dispatch, exc: BaseException) -> str:
    if message.attempt >= spec.max_retries:
        log.error("job %s gave up after %d attempts: %s", spec.name, message.attempt + 1, exc)
        try:
            _mark_failed(message.job_id, exc)
        except DATABASE_DOWN:
            db.session.rollback()
        return "failed"
    delay = min(2.0**message.attempt, 60.0)
    log.warning("job %s: database unreachable, retried in %.0f s (%s)", spec.name, delay, exc)
    _redispatch(app, message, delay, attempt=message.attempt + 1)
    return "retry"


def _redispatch(app: Flask, message: Dispatch, countdown: float, *, attempt: int) -> None:
    dispatch(
        app,
        Dispatch(message.name, message.job_id, message.args, message.kwargs, countdown, attempt),
    )


def _mark_running(job_id: str) -> bool:
    """Move a job to running; False if it is done, expired or gone (nothing to do)."""
    now = utcnow()
    result = db.session.execute(
        update(Job)
        .where(
            Job.id == job_id,
            Job.status.in_([JobStatus.queued, JobStatus.running, JobStatus.failed]),
        )
        .values(
            status=JobStatus.running,
            started_at=now,
            heartbeat_at=now,
            attempts=Job.attempts + 1,
            progress=0,
            error=None,
        )
    )
    db.session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _mark_done(app: Flask, spec: JobSpec, job_id: str, result: dict[str, Any]) -> None:
    now = utcnow()
    ttl = spec.result_ttl if spec.result_ttl is not None else app.config["JOBS_RESULT_TTL"]
    values: dict[str, Any] = {
        "status": JobStatus.done,
        "progress": 100,
        "finished_at": now,
        "heartbeat_at": now,
        "expires_at": now + timedelta(seconds=float(ttl)),
        **result,
    }
    db.session.execute(update(Job).where(Job.id == job_id).values(**values))


def _mark_failed(job_id: str | None, exc: BaseException) -> None:
    if job_id is None:
        return
    now = utcnow()
    text = f"{type(exc).__name__}: {exc}"[:2000]
    db.session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(status=JobStatus.failed, error=text, finished_at=now, heartbeat_at=now)
    )
    db.session.commit()
