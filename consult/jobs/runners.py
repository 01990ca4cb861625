"""Where jobs run: Celery workers, a thread pool in this process, or at once.

``JOBS_BACKEND``:

- ``celery`` (the default with ``REDIS_URL``): messages go to Redis and ``kenes worker``
  processes run them. If Redis cannot take a message (it is down), the job runs in this
  process's thread pool instead, with a logged warning, so nothing is lost or waits for Redis.
- ``thread`` (the default without ``REDIS_URL``, i.e. ``make run``): a small pool of threads in
  each web process (``JOBS_THREADS``). A page request never waits for a job (a PDF report takes
  seconds), pages show progress exactly as with Celery, and nothing else has to run. The price:
  a job in flight dies with its process; its record stays ``queued``/``running`` and the
  ``jobs.requeue`` scheduled job hands it over again.
- ``eager``: run during :func:`~consult.jobs.runtime.dispatch`, in the caller's thread (the
  tests, and commands that want the result before they exit).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from typing import Any

from flask import Flask

from consult.jobs.queue import celery_init_app
from consult.jobs.redisconn import redis_gate
from consult.jobs.runtime import Dispatch, execute, spec_of, state

log = logging.getLogger("kenes.jobs")


class EagerRunner:
    """Run each message at once, in the caller's thread (countdowns are ignored).

    A message handed over while a job runs (a job enqueueing another, or deferring itself
    behind a lock) waits until that job has finished, then runs: never nested. Nothing can wait
    here, so a message handed over again and again (a lock held elsewhere) is dropped after
    ``MAX_RUNS`` runs in one go, with a warning.
    """

    MAX_RUNS = 3

    name = "eager"

    def __init__(self) -> None:
        self._local = threading.local()

    def submit(self, app: Flask, message: Dispatch) -> None:
        backlog = getattr(self._local, "backlog", None)
        if backlog is not None:
            backlog.append((app, message))
            return
        self._local.backlog = backlog = [(app, message)]
        runs: dict[str, int] = {}
        try:
            while backlog:
                app, message = backlog.pop(0)
                same = repr((message.name, message.job_id, message.args, message.kwargs))
                runs[same] = runs.get(same, 0) + 1
                if runs[same] > self.MAX_RUNS:
                    log.warning("eager job %s handed over again and again: dropped", message.name)
                    continue
                execute(app, message)
        finally:
            self._local.backlog = None


class ThreadRunner:
    """A small thread pool per process; countdowns wait on timer threads."""

    name = "thread"

    def __init__(self, threads: int = 2) -> None:
        self.threads = max(1, threads)
        self._pid = 0
        self._pool: ThreadPoolExecutor | None = None
        self._futures: set[Future[Any]] = set()
        self._timers: set[threading.Timer] = set()
        self._guard = threading.Lock()

    def _executor(self) -> ThreadPoolExecutor:
        # A pool created before a fork (gunicorn --preload) has no threads in the child.
        if self._pool is None or self._pid != os.getpid():
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="kenes-job")
            self._pid = os.getpid()
            self._futures = set()
            self._timers = set()
        return self._pool

    def submit(self, app: Flask, message: Dispatch) -> None:
        with self._guard:
            if message.countdown > 0:
                timer = threading.Timer(message.countdown, self._start, (app, message))
                timer.daemon = True
                self._executor()
                self._timers.add(timer)
                timer.start()
                return
        self._start(app, message)

    def _start(self, app: Flask, message: Dispatch) -> None:
        with self._guard:
            self._timers = {t for t in self._timers if t.is_alive()}
            future = self._executor().submit(execute, app, message)
            self._futures.add(future)
            future.add_done_callback(self._forget)

    def _forget(self, future: Future[Any]) -> None:
        with self._guard:
            self._futures.discard(future)
        exc = future.exception()
        if exc is not None:
            log.error("job thread failed: %r", exc)

    def wait(self, timeout: float | None = None) -> None:
        """Block until every job submitted so far (timers included) has finished."""
        deadline = None if timeout is None else _now() + timeout
        while True:
            with self._guard:
                timers = [t for t in self._timers if t.is_alive()]
                futures = list(self._futures)
            if not timers and not futures:
                return
            remaining = None if deadline is None else max(0.0, deadline - _now())
            for timer in timers:
                timer.join(remaining)
            wait_futures(futures, timeout=remaining)
            if deadline is not None and _now() >= deadline:
                return


def _now() -> float:
    return time.monotonic()


class CeleryRunner:
    """Publish to Redis for ``kenes worker``; run in-process when Redis cannot take it."""

    name = "celery"

    def __init__(self, celery_app: Any, fallback: ThreadRunner) -> None:
        self.celery = celery_app
        self.fallback = fallback

    def submit(self, app: Flask, message: Dispatch) -> None:
        gate = redis_gate(app)
        if gate.should_try():
            task = self.celery.tasks[spec_of(message.name, app).task_name]
            try:
                task.apply_async(
                    args=[message.job_id, list(message.args), message.kwargs, message.attempt],
                    countdown=message.countdown or None,
                    retry=False,
                )
            except Exception as exc:  # kombu/redis errors: the broker is unreachable
                gate.failed(exc, f"queue {message.name}")
            else:
                gate.succeeded()
                return
        log.warning("job %s runs in this process: the queue is unreachable", message.name)
        self.fallback.submit(app, message)


def backend_for(app: Flask) -> str:
    """The effective ``JOBS_BACKEND``: ``auto`` is celery with ``REDIS_URL``, thread without."""
    backend = str(app.config.get("JOBS_BACKEND") or "auto")
    if backend == "auto":
        return "celery" if app.config.get("REDIS_URL") else "thread"
    return backend


def make_runner(app: Flask, backend: str) -> Any:
    """The runner of ``backend`` (see the module docstring)."""
    threads = int(app.config.get("JOBS_THREADS", 2))
    if backend == "eager":
        return EagerRunner()
    if backend == "thread":
        return ThreadRunner(threads)
    if backend == "celery":
        return CeleryRunner(celery_init_app(app), ThreadRunner(threads))
    raise ValueError(f"JOBS_BACKEND must be celery, thread or eager, not {backend!r}")


def wait_for_jobs(app: Flask, timeout: float | None = None) -> None:
    """Block until this process's in-process jobs have finished (commands and tests)."""
    runner = state(app).runner
    wait = getattr(runner, "wait", None) or getattr(getattr(runner, "fallback", None), "wait", None)
    if wait is not None:
        wait(timeout)
