"""Locale selection (English source strings; Russian and Kazakh catalogs)."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from consult import formatting
from consult.config import ROOT
from consult.extensions import babel

LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "kk": "Қазақша"}


def select_locale() -> str | None:
    """Pick the user's language: explicit choice, account setting, then the browser's.

    An API request may name it with ``?lang=kk|ru|en``, which comes first.

    Outside a request (a CLI command, a job, a test of a service) there is nobody to ask: the
    default language, English, is used.
    """
    if not has_request_context():
        return None
    languages = list(current_app.config["LANGUAGES"])
    if request.path.startswith("/api/"):
        # An API client names its language per request (docs/api.md); pages keep theirs in the
        # session, so that a cached page never depends on a query parameter.
        asked = request.args.get("lang", "").strip().lower()
        if asked in languages:
            return asked
    chosen = session.get("locale")
    if chosen in languages:
        return str(chosen)
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if getattr(current_user, "is_authenticated", False) and user_locale in languages:
        return str(user_locale)
    return request.accept_languages.best_match(languages) or "en"


def init_app(app: Flask) -> None:
    """Initialise Flask-Babel and expose language helpers to templates."""
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(ROOT / "consult" / "translations"),
    )
    formatting.init_app(app)

    @app.context_processor
    def inject_languages() -> dict[str, object]:
        return {"LANGUAGE_NAMES": LANGUAGE_NAMES, "current_locale": str(get_locale() or "en")}
