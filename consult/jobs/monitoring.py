"""What the jobs package reports to operations: readiness checks and scrape-time metrics.

:mod:`consult.observability` sits below every domain and knows nothing of jobs; the jobs'
``init_app`` hands it these (``use_check``, ``use_collector``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from flask import Flask
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from consult.extensions import db
from consult.jobs.models import ACTIVE_STATUSES, Job
from consult.jobs.queue import QUEUE
from consult.jobs.redisconn import redis_client
from consult.jobs.runners import backend_for

log = logging.getLogger("kenes.metrics")


def redis_check(app: Flask) -> dict[str, Any] | None:
    """Readiness: Redis answers a PING (raises when it does not)."""
    client = redis_client(app)
    if client is None:
        return None
    client.ping()
    return {}


def queue_check(app: Flask) -> dict[str, Any]:
    """Readiness: the job backend, and with Celery the messages waiting in the queue."""
    backend = backend_for(app)
    if backend != "celery":
        return {"backend": backend}
    client = redis_client(app)
    assert client is not None
    return {"backend": backend, "depth": int(client.llen(QUEUE))}


class QueueCollector:
    """Measured at scrape time: messages waiting in the Redis queue, job records by status."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily(
            "kenes_queue_depth", "Messages waiting in the job queue.", labels=["queue"]
        )
        client = redis_client(self.app) if self.app.extensions.get("celery") else None
        if client is not None:
            try:
                depth.add_metric([QUEUE], float(client.llen(QUEUE)))
            except Exception as exc:  # noqa: BLE001 - a scrape must not fail with Redis
                log.debug("queue depth unavailable: %s", exc)
        yield depth
        active = GaugeMetricFamily(
            "kenes_jobs_active", "Job records queued or running.", labels=["status"]
        )
        try:
            with self.app.app_context():
                rows = db.session.execute(
                    select(Job.status, func.count())
                    .where(Job.status.in_(ACTIVE_STATUSES))
                    .group_by(Job.status)
                ).all()
                db.session.remove()
            counts = {status.value: n for status, n in rows}
            for status in ACTIVE_STATUSES:
                active.add_metric([status.value], float(counts.get(status.value, 0)))
        except Exception as exc:  # noqa: BLE001 - nor with the database
            log.debug("job counts unavailable: %s", exc)
        yield active
