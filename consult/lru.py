"""A small thread-safe LRU kept per application and process (shared kernel).

Pages, analysis answers and fresh-analysis proofs are each kept in one of these: a bounded
``OrderedDict`` under a lock, with an optional time to live per entry. :func:`per_app` makes
one per Flask application on first use (``app.extensions``), so each test app gets its own.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from flask import Flask

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRU(Generic[K, V]):
    """At most ``size`` entries, the least recently used dropped first; with ``seconds``, an
    entry is also forgotten that long after it was put."""

    def __init__(self, size: int, seconds: float | None = None) -> None:
        self.size = size
        self.seconds = seconds
        self._items: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            if item[0] <= time.monotonic():
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return item[1]

    def put(self, key: K, value: V) -> None:
        until = time.monotonic() + self.seconds if self.seconds is not None else float("inf")
        with self._lock:
            self._items[key] = (until, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def per_app(app: Flask, name: str, make: Callable[[], LRU[Any, Any]]) -> LRU[Any, Any]:
    """The application's LRU called ``name``, made by ``make`` on first use."""
    found: LRU[Any, Any] | None = app.extensions.get(name)
    if found is None:
        found = app.extensions[name] = make()
    return found
