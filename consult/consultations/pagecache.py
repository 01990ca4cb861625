"""The anonymous thread page, cached until the consultation's content version changes.

Everyone who is not signed in sees the same page, so it is rendered once per content version
(``versions.py``: bumped in the same transaction as every vote, post, moderation decision,
response or edit) and language, and stored in Redis (``REDIS_URL``, shared by every process)
and in a small in-process LRU in front of it (``THREAD_CACHE_SIZE`` pages; a page under one key
never changes, so the LRU needs no invalidation; without Redis or while it is down the LRU alone
serves). The only per-visitor part of the page, the CSRF token of its forms, is rendered as a
marker and filled in on the way out.

A hit touches no database: each process remembers, per slug, the consultation's id and content
version for ``THREAD_VERSION_MAX_AGE`` seconds (default 1; 0 switches this off and every request
reads the version). The process that commits a change forgets its consultations at once
(``versions.py``, after the commit), so its own next request is exact; **another process may
serve the page of the previous version for at most ``THREAD_VERSION_MAX_AGE`` seconds after the
commit** (a vote, a post, a moderation decision such as hiding a statement). Only consultations
anonymous readers may see are remembered (never a draft, and a consultation never goes back to
draft), and only after a real load through ``find_visible_consultation``.

Not cached: signed-in people, visitors with flashed messages waiting, query strings other than
``sort`` and ``page``, and anything but a 200.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response, current_app, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from consult.consultations.models import Consultation, ConsultationStatus
from consult.jobs.redisconn import redis_client, redis_gate
from consult.lru import LRU, per_app

#: Stands for the visitor's CSRF token in a cached page.
CSRF_MARKER = "__kenes_csrf_token__"
#: The query arguments a shared page may have (any other: rendered for the request alone).
SHARED_ARGS = frozenset({"sort", "page"})
_LOCAL = "kenes_thread_cache"
_VERSIONS = "kenes_thread_versions"
_PREFIX = "kenes:thread:"


def _local(app: Flask) -> LRU[str, str]:
    """Rendered pages of this process, each kept as long as Redis keeps it (relative dates on
    the page age)."""
    return per_app(
        app,
        _LOCAL,
        lambda: LRU(
            int(app.config.get("THREAD_CACHE_SIZE", 256)),
            float(app.config.get("THREAD_CACHE_SECONDS", 300)),
        ),
    )


class _Known:
    """What a page hit needs of a consultation: slug -> (until, id, content version)."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[float, int, int]] = {}
        self._lock = threading.Lock()

    def get(self, slug: str) -> tuple[int, int] | None:
        item = self._items.get(slug)
        if item is None or item[0] <= time.monotonic():
            return None
        return item[1], item[2]

    def put(self, slug: str, consultation_id: int, version: int, max_age: float) -> None:
        with self._lock:
            if len(self._items) > 4096:  # slugs only grow with consultations; stay bounded
                self._items.clear()
            self._items[slug] = (time.monotonic() + max_age, consultation_id, version)

    def forget(self, consultation_ids: Iterable[int]) -> None:
        ids = set(consultation_ids)
        with self._lock:
            for slug in [s for s, item in self._items.items() if item[1] in ids]:
                del self._items[slug]


def _known(app: Flask) -> _Known:
    known: _Known | None = app.extensions.get(_VERSIONS)
    if known is None:
        known = app.extensions[_VERSIONS] = _Known()
    return known


def _max_age(app: Flask) -> float:
    return float(app.config.get("THREAD_VERSION_MAX_AGE", 1.0))


def remember(consultation: Consultation) -> None:
    """Remember a consultation just loaded for an anonymous reader (never a draft)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    max_age = _max_age(app)
    if max_age <= 0 or consultation.status is ConsultationStatus.draft:
        return
    _known(app).put(
        consultation.slug, consultation.id, int(consultation.content_version or 0), max_age
    )


def forget(app: Flask, consultation_ids: Iterable[int]) -> None:
    """Drop what this process remembers of these consultations (called after a commit)."""
    known: _Known | None = app.extensions.get(_VERSIONS)
    if known is not None:
        known.forget(consultation_ids)


def is_cacheable() -> bool:
    """Tell whether this request may get the shared anonymous page."""
    return (
        bool(current_app.config.get("THREAD_CACHE", True))
        and request.method == "GET"
        and not current_user.is_authenticated
        and not session.get("_flashes")
        and set(request.args) <= SHARED_ARGS
    )


def page_key(consultation_id: int, version: int, prefix: str = _PREFIX) -> str:
    """The cache key: consultation, content version, language and the exact path."""
    path = hashlib.sha1(request.full_path.encode(), usedforsecurity=False).hexdigest()[:16]
    return f"{prefix}{consultation_id}:{version}:{get_locale()}:{path}"


def fetch(app: Flask, key: str) -> str | None:
    """A stored page (or fragment): this process's LRU first, then Redis."""
    local = _local(app)
    html = local.get(key)
    if html is not None:
        return html
    client = redis_client(app)
    gate = redis_gate(app)
    if client is not None and gate.should_try():
        try:
            value = client.get(key)
        except Exception as exc:  # noqa: BLE001 - Redis down: the local cache serves
            gate.failed(exc, "thread page cache")
        else:
            gate.succeeded()
            if value is not None:
                html = value.decode()
                local.put(key, html)
    return html


def store(app: Flask, key: str, html: str) -> None:
    """Keep a page (or fragment) in this process's LRU and in Redis."""
    _local(app).put(key, html)
    client = redis_client(app)
    gate = redis_gate(app)
    if client is not None and gate.should_try():
        try:
            client.set(key, html.encode(), ex=int(app.config.get("THREAD_CACHE_SECONDS", 300)))
        except Exception as exc:  # noqa: BLE001
            gate.failed(exc, "thread page cache")
        else:
            gate.succeeded()


def _respond(html: str, state: str) -> Response:
    response = Response(html.replace(CSRF_MARKER, generate_csrf()), mimetype="text/html")
    response.headers["X-Kenes-Cache"] = state
    return response


def serve_known(slug: str) -> Response | None:
    """The cached page of a consultation this process remembers, without touching the
    database; None when it does not remember it or has no page for its version."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    known = _known(app).get(slug)
    if known is None:
        return None
    html = fetch(app, page_key(*known))
    return _respond(html, "hit") if html is not None else None


def serve_cached(consultation: Consultation, render: Callable[[], tuple[str, int]]) -> Any:
    """Answer with the cached anonymous page, rendering (and storing) it on a miss."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    remember(consultation)
    key = page_key(consultation.id, int(consultation.content_version or 0))
    html = fetch(app, key)
    state = "hit"
    if html is None:
        state = "miss"
        html, status = render()
        if status != 200:
            return Response(html.replace(CSRF_MARKER, generate_csrf()), status=status)
        store(app, key, html)
    return _respond(html, state)
