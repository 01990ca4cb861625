"""gunicorn settings of the web tier (``make serve``, the systemd unit, bench/web.py).

Worker class and count were measured on the 2-core development machine with bench/web.py
(docs/benchmarks.md, "Web tier"): see there before changing them. Each setting can be
overridden from the environment without editing this file.

- ``WEB_CONCURRENCY``: worker processes (default: 2 per core, at least 2);
- ``KENES_WEB_WORKER_CLASS``: ``gthread`` (default), ``sync``;
- ``KENES_WEB_THREADS``: threads per worker for gthread (default 4);
- ``KENES_BIND`` or ``HOST``/``PORT``: the listening address (default 127.0.0.1:8000).
"""

from __future__ import annotations

import os

_cores = os.cpu_count() or 1
try:  # the CPUs this process may use (a container or a cgroup may allow fewer)
    _cores = len(os.sched_getaffinity(0))
except AttributeError:
    pass

bind = os.environ.get("KENES_BIND") or (
    f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
)
workers = int(os.environ.get("WEB_CONCURRENCY", max(2, 2 * _cores)))
worker_class = os.environ.get("KENES_WEB_WORKER_CLASS", "gthread")
threads = int(os.environ.get("KENES_WEB_THREADS", 4))
# Slow clients and idle keep-alive connections wait in gthread's event loop, not in a worker.
keepalive = 5
timeout = 30  # a worker silent this long is killed and replaced
graceful_timeout = 20
max_requests = 5000  # recycle workers now and then (bounded memory growth)
max_requests_jitter = 500
# The app logs one JSON line per request itself (with the request id): no access log here.
accesslog = None
errorlog = "-"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "consult.observability.logs.JsonFormatter"}},
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    },
    "root": {"handlers": ["stderr"], "level": "INFO"},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
    },
}
# Forwarded headers are handled by the app (TRUSTED_PROXIES -> ProxyFix); gunicorn's own
# check would only trust 127.0.0.1.
forwarded_allow_ips = "127.0.0.1,::1"


def child_exit(server: object, worker: object) -> None:
    """Let Prometheus's multiprocess mode forget a dead worker's live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]
