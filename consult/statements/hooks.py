"""Extension points of the consultation (thread) page for other domains, per app.

A domain registers, from its ``init_app``, a *context provider* — ``provider(consultation,
viewer, statement_ids) -> dict`` — whose result is merged into the thread page's template
context, and a *statement partial* — a template rendered inside every statement card with
``statement`` (the model), ``view`` (its StatementView), ``consultation`` and the merged context.
The registrations belong to the app (``app.extensions``), so the thread page never imports the
other domains and two apps in one process never share them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app

ContextProvider = Callable[[Any, Any, list[int]], dict[str, Any]]

_KEY = "kenes.thread_hooks"


@dataclass
class ThreadHooks:
    """What the domains added to the thread page of one app."""

    providers: list[ContextProvider] = field(default_factory=list)
    #: the providers whose context depends on who is reading (their votes, flags, marks)
    per_viewer: list[ContextProvider] = field(default_factory=list)
    partials: list[str] = field(default_factory=list)


def hooks_of(app: Flask) -> ThreadHooks:
    """The thread page hooks of an app (created empty on first use)."""
    hooks: ThreadHooks = app.extensions.setdefault(_KEY, ThreadHooks())
    return hooks


def register_thread_context(
    app: Flask, provider: ContextProvider, *, per_viewer: bool = False
) -> None:
    """Merge this provider's context into the app's thread page.

    ``per_viewer``: its context depends on who reads, not only on the statements shown; such
    providers still run when the cards come from a shared render (``consultations.fragments``),
    the others (what the statements are: translations, responses) only when they are rendered.
    """
    hooks = hooks_of(app)
    if provider not in hooks.providers:
        hooks.providers.append(provider)
    if per_viewer and provider not in hooks.per_viewer:
        hooks.per_viewer.append(provider)


def register_statement_partial(app: Flask, template: str) -> None:
    """Render this template inside every statement card of the app's thread page."""
    hooks = hooks_of(app)
    if template not in hooks.partials:
        hooks.partials.append(template)


def thread_context(
    consultation: Any, viewer: Any, statement_ids: Iterable[int], *, per_viewer_only: bool = False
) -> dict[str, Any]:
    """Collect every registered provider's context (or only the per-viewer ones), plus the
    list of statement partials."""
    hooks = hooks_of(current_app)
    ids = list(statement_ids)
    context: dict[str, Any] = {"statement_partials": list(hooks.partials)}
    for provider in hooks.per_viewer if per_viewer_only else hooks.providers:
        context.update(provider(consultation, viewer, ids))
    return context
