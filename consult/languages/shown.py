"""Statements in the reader's language on pages that list them (staff pages, summaries).

A view calls :func:`remember_translations` with the statements it shows (one query); the
``shown_statement`` template filter then gives each one's text in the reader's language, or the
original when no translation exists. Templates never query: a statement the view did not
remember is shown in its original.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import g
from flask_babel import get_locale

from consult.languages.models import StatementTranslation
from consult.languages.services import translations_in


@dataclass(frozen=True)
class ShownStatement:
    """A statement's text as one reader sees it."""

    text: str
    language: str | None  # the language of ``text`` (None: not known)
    original: str
    original_language: str | None
    translation: StatementTranslation | None = None

    @property
    def is_translation(self) -> bool:
        """Tell whether ``text`` is a translation rather than the original."""
        return self.translation is not None

    @property
    def machine(self) -> bool:
        """Tell whether the translation shown was made by machine."""
        return self.translation is not None and self.translation.machine


def reader_language() -> str:
    """The language the current request is answered in."""
    return str(get_locale() or "en")


def _cache() -> dict[int, StatementTranslation]:
    language = reader_language()
    caches: dict[str, dict[int, StatementTranslation]] = g.setdefault("kenes_shown_statements", {})
    return caches.setdefault(language, {})


def remember_translations(statements: Iterable[Any]) -> None:
    """Load the translations into the reader's language of these statements (one query)."""
    language = reader_language()
    cache = _cache()
    wanted = {
        s.id
        for s in statements
        if s is not None and s.language not in (None, language) and s.id not in cache
    }
    cache.update(translations_in(language, wanted))


def shown_statement(statement: Any) -> ShownStatement:
    """A statement's text in the reader's language when remembered, else its original."""
    row = _cache().get(statement.id) if statement.language != reader_language() else None
    if row is None:
        return ShownStatement(
            statement.text, statement.language, statement.text, statement.language
        )
    return ShownStatement(row.text, row.language, statement.text, statement.language, row)
