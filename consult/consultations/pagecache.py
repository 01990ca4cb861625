"""The anonymous thread page, cached until the consultation's content version changes.

Everyone who is not signed in sees the same page, so it is rendered once per content version
(``versions.py``: bumped in the same transaction as every vote, post, moderation decision,
response or edit) and language, and served from Redis (``REDIS_URL``) or, without Redis or
while it is down, from a small in-process LRU. The only per-visitor part of the page, the CSRF
token of its forms, is rendered as a marker and filled in on the way out.

Not cached: signed-in people, visitors with flashed messages waiting, query strings other than
``sort`` and ``page``, and anything but a 200.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from consult.consultations.models import Consultation
from consult.jobs.redisconn import redis_client, redis_gate

#: Stands for the visitor's CSRF token in a cached page.
CSRF_MARKER = "__kenes_csrf_token__"
_ARGS = frozenset({"sort", "page"})
_LOCAL = "kenes_thread_cache"
_PREFIX = "kenes:thread:"


class _LocalCache:
    """A small thread-safe LRU of rendered pages (one per process)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def set(self, key: str, value: str) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def _local(app: Flask) -> _LocalCache:
    cache: _LocalCache | None = app.extensions.get(_LOCAL)
    if cache is None:
        cache = app.extensions[_LOCAL] = _LocalCache(int(app.config.get("THREAD_CACHE_SIZE", 256)))
    return cache


def is_cacheable() -> bool:
    """Tell whether this request may get the shared anonymous page."""
    return (
        bool(current_app.config.get("THREAD_CACHE", True))
        and request.method == "GET"
        and not current_user.is_authenticated
        and not session.get("_flashes")
        and set(request.args) <= _ARGS
    )


def page_key(consultation: Consultation) -> str:
    """The cache key: consultation, content version, language and the exact path."""
    path = hashlib.sha1(request.full_path.encode(), usedforsecurity=False).hexdigest()[:16]
    version = consultation.content_version or 0
    return f"{_PREFIX}{consultation.id}:{version}:{get_locale()}:{path}"


def _get(app: Flask, key: str) -> str | None:
    client = redis_client(app)
    gate = redis_gate(app)
    if client is not None and gate.should_try():
        try:
            value = client.get(key)
        except Exception as exc:  # noqa: BLE001 - Redis down: the local cache serves
            gate.failed(exc, "thread page cache")
        else:
            gate.succeeded()
            return value.decode() if value is not None else None
    return _local(app).get(key)


def _set(app: Flask, key: str, html: str) -> None:
    client = redis_client(app)
    gate = redis_gate(app)
    if client is not None and gate.should_try():
        try:
            client.set(key, html.encode(), ex=int(app.config.get("THREAD_CACHE_SECONDS", 300)))
        except Exception as exc:  # noqa: BLE001
            gate.failed(exc, "thread page cache")
        else:
            gate.succeeded()
            return
    _local(app).set(key, html)


def serve_cached(consultation: Consultation, render: Callable[[], tuple[str, int]]) -> Any:
    """Answer with the cached anonymous page, rendering (and storing) it on a miss."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    key = page_key(consultation)
    html = _get(app, key)
    state = "hit"
    if html is None:
        state = "miss"
        html, status = render()
        if status != 200:
            return Response(html.replace(CSRF_MARKER, generate_csrf()), status=status)
        _set(app, key, html)
    response = Response(html.replace(CSRF_MARKER, generate_csrf()), mimetype="text/html")
    response.headers["X-Kenes-Cache"] = state
    return response
