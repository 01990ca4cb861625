"""Who reads which part of the log: asked of the provider the factory gave to ``init_app``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

from consult.audit.services import AuditScope

_SCOPE_KEY = "kenes.audit.scope"

#: ``scope(user)``: the part of the log the user may read, or None if they may not read it.
ScopeProvider = Callable[[Any], AuditScope | None]


def use_scope(app: Flask, provider: ScopeProvider) -> None:
    """Tell the audit pages and API who may read what (the moderation domain knows)."""
    app.extensions[_SCOPE_KEY] = provider


def readable_scope(user: Any) -> AuditScope | None:
    """The part of the log the user may read (None: not the log at all)."""
    provider: ScopeProvider = current_app.extensions[_SCOPE_KEY]
    if not (user is not None and getattr(user, "is_authenticated", False)):
        return None
    return provider(user)
