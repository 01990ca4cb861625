"""Locale selection (English source strings; Russian and Kazakh catalogs)."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import get_locale, get_translations
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
    # Flask-Babel's template callables look the catalog up afresh at every call (a page calls
    # them hundreds of times); these look it up once per request and language.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _catalog().ugettext(s),
        ngettext=lambda s, p, n: _catalog().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _catalog().upgettext(c, s),
        npgettext=lambda c, s, p, n: _catalog().unpgettext(c, s, p, n),
    )

    @app.context_processor
    def inject_languages() -> dict[str, object]:
        return {"LANGUAGE_NAMES": LANGUAGE_NAMES, "current_locale": str(get_locale() or "en")}


def _catalog() -> Any:
    """The request's translations, kept with the locale they belong to.

    Kept in Flask-Babel's own per-request namespace and checked against its locale object, so
    that ``flask_babel.refresh()`` (a language change within a request) is followed.
    """
    if not g:
        return get_translations()
    space = getattr(g, "_flask_babel", None)
    if space is not None:
        kept = getattr(space, "kenes_catalog", None)
        locale = getattr(space, "babel_locale", None)
        if kept is not None and locale is not None and kept[0] is locale:
            return kept[1]
    catalog = get_translations()
    space = getattr(g, "_flask_babel", None)
    if space is not None:
        space.kenes_catalog = (getattr(space, "babel_locale", None), catalog)
    return catalog
