"""A statement's languages: its translations, who made them, and the forms to add or correct."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.errors import NotAllowed, NotFound, ValidationFailed
from consult.extensions import db
from consult.languages.codes import NATIVE_NAMES
from consult.languages.services import translations_of
from consult.ratelimits import rate_limited
from consult.statements.forms import LanguageForm, TranslationForm
from consult.statements.models import Statement, StatementStatus
from consult.statements.permissions import can_translate_statement, can_view_statement
from consult.statements.services import set_statement_language
from consult.statements.translations import (
    delete_statement_translation,
    reader_language,
    translate_statement,
    translator_names,
)
from consult.statements.views import bp
from consult.web import EmptyForm, login_required, show_errors


def _load(statement_id: int) -> Statement:
    statement = db.session.get(Statement, statement_id)
    if (
        statement is None
        or statement.status is StatementStatus.merged
        or not can_view_statement(current_user, statement)
    ):
        abort(404)
    return statement


def _saved(statement: Statement, message: str, category: str) -> Any:
    """Commit, say what was done and go back to the statement's translations (303)."""
    db.session.commit()
    flash(message, category)
    return redirect(url_for("statements.translations", statement_id=statement.id), 303)


def _render(
    statement: Statement,
    *,
    form: TranslationForm | None = None,
    language_form: LanguageForm | None = None,
    status: int = 200,
) -> Any:
    rows = translations_of(statement.id)
    if form is None:
        wanted = reader_language()
        if wanted == statement.language:
            wanted = next((c for c in NATIVE_NAMES if c != statement.language), "en")
        form = TranslationForm(formdata=None, data={"language": wanted})
    if language_form is None:
        language_form = LanguageForm(formdata=None, data={"language": statement.language})
    return render_template(
        "statements/translations.html",
        statement=statement,
        consultation=statement.consultation,
        rows=rows,
        translators=translator_names(rows),
        form=form,
        language_form=language_form,
        can_translate=can_translate_statement(current_user, statement),
        is_author=bool(current_user.is_authenticated and statement.author_id == current_user.id),
        language_names=NATIVE_NAMES,
        delete_form=EmptyForm(formdata=None),
    ), status


@bp.route("/statements/<id:statement_id>/translations", methods=["GET", "POST"])
@rate_limited("translate")
def translations(statement_id: int) -> Any:
    """Read a statement's versions; its author, moderators and translators add or correct one."""
    statement = _load(statement_id)
    form = TranslationForm()
    if not form.is_submitted():
        return _render(statement)
    if not current_user.is_authenticated:
        abort(401)
    if not can_translate_statement(current_user, statement):
        abort(403)
    if not form.validate_on_submit():
        return _render(statement, form=form, status=422)
    try:
        translate_statement(
            statement, current_user, language=form.language.data or "", text=form.text.data or ""
        )
    except NotAllowed:
        abort(403)
    except ValidationFailed as exc:
        show_errors(form, exc, "text")
        return _render(statement, form=form, status=422)
    return _saved(statement, _("Translation saved."), "success")


@bp.route("/statements/<id:statement_id>/language", methods=["POST"])
@login_required
@rate_limited("post")
def set_language(statement_id: int) -> Any:
    """The author corrects the language their statement is written in."""
    statement = _load(statement_id)
    if statement.author_id != current_user.id:
        abort(403)
    form = LanguageForm()
    if not form.validate_on_submit():
        return _render(statement, language_form=form, status=422)
    set_statement_language(statement, current_user, form.language.data or "")
    return _saved(statement, _("Language saved."), "success")


@bp.route("/statements/<id:statement_id>/translations/<language>/delete", methods=["POST"])
@login_required
@rate_limited("translate")
def delete_translation(statement_id: int, language: str) -> Any:
    """Remove one translation (its author, moderators and translators, as for writing one)."""
    statement = _load(statement_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        delete_statement_translation(statement, current_user, language=language)
    except NotAllowed:
        abort(403)
    except (NotFound, ValidationFailed):
        abort(404)
    return _saved(statement, _("Translation removed."), "info")
