"""Prometheus metrics: requests per endpoint, job durations and failures, queue depth.

Served at ``/metrics`` to the callers the settings allow and answered 404 to everyone else
(not public by default): ``METRICS_TOKEN`` (``Authorization: Bearer <token>``) and/or
``METRICS_ALLOW`` (addresses or networks, e.g. ``127.0.0.1,10.0.0.0/8``). With several
processes (gunicorn workers, Celery worker children) set ``PROMETHEUS_MULTIPROC_DIR`` to an
empty folder shared by the processes of the machine, and ``/metrics`` adds them all up.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from typing import Any

from flask import Flask, Response, abort, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.registry import Collector

log = logging.getLogger("kenes.metrics")

_SCRAPE_KEY = "kenes_metrics_scrape"

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0)
JOB_BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0)

REQUESTS = Counter(
    "kenes_http_requests_total",
    "HTTP requests answered, per endpoint, method and status.",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "kenes_http_request_duration_seconds",
    "Time to answer an HTTP request, per endpoint and method.",
    ["endpoint", "method"],
    buckets=LATENCY_BUCKETS,
)
JOB_DURATION = Histogram(
    "kenes_job_duration_seconds",
    "Time a background job ran, per job and outcome (done, failed, retry, deferred, skipped).",
    ["job", "outcome"],
    buckets=JOB_BUCKETS,
)
JOB_FAILURES = Counter("kenes_job_failures_total", "Background jobs that failed, per job.", ["job"])


def observe_request(endpoint: str, method: str, status: int, seconds: float) -> None:
    """Count a request and its latency."""
    REQUESTS.labels(endpoint, method, str(status)).inc()
    LATENCY.labels(endpoint, method).observe(seconds)


def observe_job(name: str, outcome: str, seconds: float) -> None:
    """Count a job run and its duration."""
    JOB_DURATION.labels(name, outcome).observe(seconds)
    if outcome == "failed":
        JOB_FAILURES.labels(name).inc()


def use_collector(app: Flask, collector: Collector) -> None:
    """Add a collector measured at each scrape of this app's ``/metrics`` (higher layers do).

    The jobs package adds the queue depth and the job records by status this way, so that this
    module needs nothing from the packages it measures.
    """
    registry = app.extensions.get(_SCRAPE_KEY)
    if registry is None:
        registry = app.extensions[_SCRAPE_KEY] = CollectorRegistry(auto_describe=False)
    registry.register(collector)


def registry_for_scrape() -> CollectorRegistry:
    """The registry to expose: every process of the machine in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return REGISTRY


def _allowed() -> bool:
    config = current_app.config
    token = config.get("METRICS_TOKEN")
    if token:
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(value.strip(), str(token)):
            return True
    allow = config.get("METRICS_ALLOW") or ()
    if isinstance(allow, str):
        allow = [part.strip() for part in allow.split(",") if part.strip()]
    if allow and request.remote_addr:
        try:
            address = ipaddress.ip_address(request.remote_addr)
        except ValueError:
            return False
        for network in allow:
            try:
                if address in ipaddress.ip_network(network, strict=False):
                    return True
            except ValueError:
                log.warning("METRICS_ALLOW entry %r is not an address or network", network)
    return False


def metrics_view() -> Any:
    """The Prometheus exposition, for allowed callers only (404 otherwise)."""
    if not _allowed():
        abort(404)
    body = generate_latest(registry_for_scrape())
    scraped = current_app.extensions.get(_SCRAPE_KEY)
    if scraped is not None:
        body += generate_latest(scraped)
    response = Response(body, mimetype=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response


def serve_metrics(port: int, address: str = "127.0.0.1") -> None:
    """Serve this process's (or, in multiprocess mode, the machine's) metrics on a port."""
    from prometheus_client import start_http_server

    start_http_server(port, addr=address, registry=registry_for_scrape())


def mark_process_dead(pid: int) -> None:
    """Let multiprocess mode forget a dead process's live gauges (gunicorn's child_exit)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
