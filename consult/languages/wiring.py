"""How the languages package plugs into the app: template helpers for the content languages."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import get_locale

from consult.languages.codes import LANGUAGES, NATIVE_NAMES
from consult.languages.services import ShownText, shown_consultation_text
from consult.languages.shown import shown_statement


def shown_text(consultation: Any, language: str | None = None) -> ShownText:
    """A consultation's question, summary and body in the reader's language (or a fallback)."""
    return shown_consultation_text(
        original_language=consultation.language or "en",
        question=consultation.title,
        summary=consultation.summary,
        body=consultation.body,
        versions=consultation.texts,
        wanted=language or str(get_locale() or "en"),
    )


def init_app(app: Flask) -> None:
    """Register the ``shown_text`` and ``shown_statement`` filters and the languages. names."""
    app.add_template_filter(shown_text, "shown_text")
    app.add_template_filter(shown_statement, "shown_statement")
    # Globals too, for macros imported without the template's context.
    app.jinja_env.globals["CONTENT_LANGUAGE_NAMES"] = NATIVE_NAMES

    @app.context_processor
    def inject_content_languages() -> dict[str, object]:
        return {"CONTENT_LANGUAGES": LANGUAGES, "CONTENT_LANGUAGE_NAMES": NATIVE_NAMES}
