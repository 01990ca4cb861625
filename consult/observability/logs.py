"""Logs as JSON lines (one object per line) carrying the request id, or as plain text.

``LOG_FORMAT``: ``json``, ``text`` or ``auto`` (text on a terminal or in debug mode, JSON
otherwise: under gunicorn, honcho, systemd). Every record logged while a request is handled
carries its ``request_id``: the ``X-Request-ID`` header the proxy sent (if it is a sane token)
or a new one, which is also sent back in the response.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g, has_request_context

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")
#: record attributes copied into the JSON object when present
EXTRA_FIELDS = (
    "method",
    "path",
    "status",
    "duration_ms",
    "remote_addr",
    "endpoint",
    "job",
    "job_id",
    "outcome",
)

_configured = False


def new_request_id(incoming: str | None) -> str:
    """The id of a request: the proxy's if sane, else a new random one."""
    if incoming and _SANE_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    """The id of the request being handled, if any."""
    if has_request_context():
        value = g.get("request_id")
        return str(value) if value else None
    return None


class RequestIdFilter(logging.Filter):
    """Add ``request_id`` to every record (None outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and extras."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            data["request_id"] = request_id
        for name in EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                data[name] = value
        if record.exc_info:
            data["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return json.dumps(data, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The plain format, with the request id when there is one."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(rid)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None) or current_request_id()
        record.rid = f" [{request_id}]" if request_id else ""
        return super().format(record)


def log_format(app: Flask) -> str:
    """The effective LOG_FORMAT (``auto`` resolved)."""
    value = str(app.config.get("LOG_FORMAT") or "auto").lower()
    if value == "auto":
        return "text" if app.debug or sys.stderr.isatty() else "json"
    return value


def configure_logging(app: Flask) -> None:
    """Send the root logger's records to stderr in the chosen format (once per process)."""
    global _configured
    if _configured or app.testing:
        return
    _configured = True
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format(app) == "json" else TextFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(str(app.config.get("LOG_LEVEL") or "INFO").upper())
