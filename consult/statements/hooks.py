"""Extension points of the consultation (thread) page for other domains.

A domain registers a *context provider* — ``provider(consultation, viewer, statement_ids) ->
dict`` — whose result is merged into the thread page's template context, and a *statement
partial* — a template rendered inside every statement card with ``statement`` (the model),
``view`` (its StatementView), ``consultation`` and the merged context. Registration happens at
import time of the domain's ``views`` module, so the thread page never imports other domains.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

ContextProvider = Callable[[Any, Any, list[int]], dict[str, Any]]

_providers: list[ContextProvider] = []
_partials: list[str] = []


def register_thread_context(provider: ContextProvider) -> ContextProvider:
    """Register a provider of extra template context for the thread page (decorator)."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def register_statement_partial(template: str) -> None:
    """Render this template inside every statement card of the thread page."""
    if template not in _partials:
        _partials.append(template)


def thread_context(consultation: Any, viewer: Any, statement_ids: Iterable[int]) -> dict[str, Any]:
    """Collect every registered provider's context, plus the list of statement partials."""
    ids = list(statement_ids)
    context: dict[str, Any] = {"statement_partials": list(_partials)}
    for provider in _providers:
        context.update(provider(consultation, viewer, ids))
    return context
