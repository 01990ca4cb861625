"""Statements in the reader's language: translations, who made them, and the thread page's view.

Translations are for display only: votes, analysis and responses belong to the statement, so
every version of it is one statement.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consult.auth.models import User, UserName
from consult.consultations.versions import mark_changed
from consult.errors import NotAllowed, NotFound, ValidationFailed
from consult.extensions import db
from consult.jobs.runtime import enqueue
from consult.languages.codes import LANGUAGES, is_language
from consult.languages.machine import translate_text
from consult.languages.models import StatementTranslation
from consult.languages.services import save_translation, translations_in, translations_of
from consult.statements.models import Statement
from consult.statements.permissions import can_translate_statement


def reader_language() -> str:
    """The language the current request is answered in."""
    return str(get_locale() or "en")


def translate_statement(
    statement: Statement, actor: User, *, language: str, text: str
) -> StatementTranslation:
    """Write or correct a statement's translation (author, moderators, translators)."""
    if not can_translate_statement(actor, statement):
        raise NotAllowed(_l("You cannot translate this statement."))
    row = save_translation(
        statement.id,
        statement.language,
        language,
        text,
        translator_id=actor.id,
        max_length=int(current_app.config["STATEMENT_MAX_LENGTH"]) * 2,
    )
    mark_changed(statement.consultation_id)
    return row


def delete_statement_translation(statement: Statement, actor: User, *, language: str) -> None:
    """Remove a statement's translation into ``language`` (author, moderators, translators)."""
    if not can_translate_statement(actor, statement):
        raise NotAllowed(_l("You cannot translate this statement."))
    if not is_language(language):
        raise ValidationFailed(_l("Choose one of the content languages."))
    row = db.session.scalar(
        select(StatementTranslation).where(
            StatementTranslation.statement_id == statement.id,
            StatementTranslation.language == language,
        )
    )
    if row is None:
        raise NotFound(_l("This statement has no translation into that language."))
    db.session.delete(row)
    db.session.flush()
    mark_changed(statement.consultation_id)


def translator_names(rows: list[StatementTranslation]) -> dict[int, str]:
    """The names of the people who made these translations, in the reader's language.

    Two queries, whatever the number of translators: their accounts, and the names that staff
    accounts gave in the reader's language.
    """
    ids = {row.translator_id for row in rows if row.translator_id is not None}
    if not ids:
        return {}
    found = {
        user_id: name
        for user_id, name in db.session.execute(
            select(User.id, User.display_name).where(User.id.in_(ids), User.deleted_at.is_(None))
        )
    }
    if found:
        versions = db.session.execute(
            select(UserName.user_id, UserName.name).where(
                UserName.user_id.in_(list(found)), UserName.language == reader_language()
            )
        )
        found.update({user_id: name for user_id, name in versions})
    return found


def translation_context(consultation: Any, viewer: Any, statement_ids: list[int]) -> dict[str, Any]:
    """The thread page's translations into the reader's language, and who made them."""
    language = reader_language()
    found = translations_in(language, statement_ids)
    return {
        "reader_language": language,
        "translations": found,
        "translators": translator_names(list(found.values())),
    }


MACHINE_JOB = "statements.machine_translate"


def machine_translate_job(ctx: Any, statement_id: int) -> None:
    """Translate a visible statement by machine into each language it has no version in yet."""
    url = str(current_app.config.get("MT_URL") or "")
    statement = db.session.get(Statement, statement_id)
    if not url or statement is None or statement.language is None or not statement.is_visible:
        return
    have = {row.language for row in translations_of(statement.id)}
    for language in LANGUAGES:
        if language == statement.language or language in have:
            continue
        text = translate_text(
            url,
            statement.text,
            statement.language,
            language,
            api_key=str(current_app.config.get("MT_API_KEY") or ""),
        )
        save_translation(
            statement.id, statement.language, language, text, translator_id=None, machine=True
        )
    mark_changed(statement.consultation_id)


def request_machine_translation(sender: Any, statement: Statement, **_extra: Any) -> None:
    """After a statement is posted, ask for its machine translations (when a provider is set)."""
    if current_app.config.get("MT_URL"):
        enqueue(MACHINE_JOB, statement.id)
