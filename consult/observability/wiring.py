"""How observability plugs into the app: its ``init_app``, called first by ``create_app``."""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask, Response, g, request

from consult.observability import health, logs, metrics

log = logging.getLogger("kenes.request")

#: endpoints neither logged nor counted per request (probes and scrapes)
QUIET_ENDPOINTS = {"health.healthz", "health.readyz", "metrics", "static"}


def init_app(app: Flask) -> None:
    """Configure logging, the request hooks, /healthz, /readyz and /metrics, and ProxyFix."""
    logs.configure_logging(app)
    _proxy_fix(app)
    app.register_blueprint(health.bp)
    app.add_url_rule("/metrics", "metrics", metrics.metrics_view)

    @app.before_request
    def _start_request() -> None:
        g.request_started = time.perf_counter()
        g.request_id = logs.new_request_id(request.headers.get(logs.REQUEST_ID_HEADER))

    @app.after_request
    def _finish_request(response: Response) -> Response:
        request_id = g.get("request_id")
        if request_id:
            response.headers[logs.REQUEST_ID_HEADER] = request_id
        _hsts(app, response)
        started = g.get("request_started")
        endpoint = request.endpoint or "none"
        if started is None or endpoint in QUIET_ENDPOINTS:
            return response
        seconds = time.perf_counter() - started
        metrics.observe_request(endpoint, request.method, response.status_code, seconds)
        if app.config.get("LOG_REQUESTS", True):
            log.info(
                "%s %s %s %.1f ms",
                request.method,
                request.path,
                response.status_code,
                1000 * seconds,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round(1000 * seconds, 1),
                    "endpoint": endpoint,
                    "remote_addr": request.remote_addr,
                },
            )
        return response


def _proxy_fix(app: Flask) -> None:
    """Trust ``TRUSTED_PROXIES`` proxies' X-Forwarded-For/-Proto/-Host/-Port/-Prefix headers."""
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops <= 0:
        return
    from werkzeug.middleware.proxy_fix import ProxyFix

    app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
        app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops
    )


def _hsts(app: Flask, response: Response) -> Any:
    """Strict-Transport-Security on HTTPS answers when ``HSTS_SECONDS`` is set."""
    seconds = int(app.config.get("HSTS_SECONDS") or 0)
    if seconds > 0 and request.is_secure:
        value = f"max-age={seconds}"
        if app.config.get("HSTS_INCLUDE_SUBDOMAINS", True):
            value += "; includeSubDomains"
        response.headers.setdefault("Strict-Transport-Security", value)
    return response
