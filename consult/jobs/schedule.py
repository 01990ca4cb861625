"""Scheduled jobs without Celery beat: a timer thread in the web process (``make run``).

With ``REDIS_URL`` the schedule is Celery beat's (``kenes beat``, one per deployment). Without
it, the first request starts this thread, which hands every periodic job to the in-process
runner when it is due. Several processes each run it; the jobs are idempotent and keyed, so a
duplicate run finds nothing left to do.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from flask import Flask

from consult.jobs.queue import to_schedule
from consult.jobs.runtime import Dispatch, dispatch, state
from consult.types import utcnow

log = logging.getLogger("kenes.jobs")


class InProcessScheduler:
    """Hand periodic jobs to the runner when due (checked every ``tick`` seconds)."""

    def __init__(self, app: Flask, tick: float = 5.0) -> None:
        self.app = app
        self.tick = tick
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_run: dict[str, datetime] = {}

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._thread = threading.Thread(target=self._loop, name="kenes-schedule", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def due(self, now: datetime | None = None) -> list[str]:
        """The periodic jobs due now (and remember that they ran)."""
        now = now or utcnow()
        names = []
        for spec in state(self.app).specs.values():
            if spec.schedule is None:
                continue
            last = self._last_run.get(spec.name)
            if last is None:
                self._last_run[spec.name] = now  # first period starts now
                continue
            sched: Any = to_schedule(spec.schedule)
            sched.nowfun = lambda: now  # noqa: B023 - evaluated right here
            is_due, _next = sched.is_due(last)
            if is_due:
                self._last_run[spec.name] = now
                names.append(spec.name)
        return names

    def _loop(self) -> None:
        while not self._stop.wait(self.tick):
            try:
                for name in self.due():
                    dispatch(self.app, Dispatch(name, None, (), {}))
            except Exception:  # the schedule must survive a bad tick
                log.exception("in-process schedule failed")


def start_in_process_schedule(app: Flask) -> None:
    """Start the schedule thread of this process once (the first request calls it)."""
    jobs = state(app)
    if jobs.scheduler is None:
        jobs.scheduler = InProcessScheduler(app, float(app.config.get("JOBS_SCHEDULE_TICK", 5)))
    jobs.scheduler.start()
