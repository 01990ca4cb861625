"""/api/v1 statement translations: list them, write or correct one, remove one."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from consult.api import ID_RULE, api, load_body, login_required_json, not_found
from consult.extensions import db
from consult.languages.services import translations_of
from consult.ratelimits import rate_limited
from consult.statements.models import Statement, StatementStatus
from consult.statements.permissions import can_view_statement
from consult.statements.schemas import (
    StatementTranslationInputSchema,
    StatementTranslationListSchema,
    StatementTranslationSchema,
)
from consult.statements.translations import (
    delete_statement_translation,
    translate_statement,
    translator_names,
)

_one = StatementTranslationSchema()
_list = StatementTranslationListSchema()


def _load(statement_id: int, viewer: Any) -> Statement:
    """The statement if the caller may read it (as on its languages page), else 404."""
    statement = db.session.get(Statement, statement_id)
    if (
        statement is None
        or statement.status is StatementStatus.merged
        or not can_view_statement(viewer, statement)
    ):
        raise not_found(_l("Statement not found."))
    return statement


def _dump(rows: list[Any]) -> list[dict[str, Any]]:
    names = translator_names(rows)
    return [
        {
            "language": row.language,
            "text": row.text,
            "machine": row.machine,
            "translator": names.get(row.translator_id) if row.translator_id else None,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
        }
        for row in rows
    ]


@api.get(f"/statements/<{ID_RULE}:statement_id>/translations")
def statement_translations(statement_id: int) -> Any:
    """A statement's translations.
    ---
    get:
      tags: [statements]
      summary: Every translation of a statement the caller may read, and who made each.
      security: [{}, {bearer: []}, {session: []}]
      parameters:
        - {in: path, name: statement_id, required: true, schema: {type: integer}}
      x-errors:
        401: The bearer token is unknown or revoked.
        404: No such statement, or one the caller may not read.
      responses:
        200:
          description: The translations, in kk, ru, en order.
          content:
            application/json:
              schema: StatementTranslationListSchema
    """
    statement = _load(statement_id, current_user._get_current_object())
    body = {
        "statement": statement.id,
        "language": statement.language,
        "items": _dump(translations_of(statement.id)),
    }
    return jsonify(_list.dump(body))


@api.route(
    f"/statements/<{ID_RULE}:statement_id>/translations/<language>", methods=["PUT", "DELETE"]
)
@login_required_json
@rate_limited("translate")
def put_statement_translation(statement_id: int, language: str) -> Any:
    """Write, correct or remove a statement's translation into one language.
    ---
    put:
      tags: [statements]
      summary: Create or replace the translation into kk, ru or en (author, moderator, translator).
      description: >-
        Allowed for the statement's author, the consultation's moderators and its translators,
        on a visible statement. A person's translation replaces a machine translation.
      parameters:
        - {in: path, name: statement_id, required: true, schema: {type: integer}}
        - {in: path, name: language, required: true, schema: {type: string, enum: [kk, ru, en]}}
      requestBody:
        required: true
        content:
          application/json:
            schema: StatementTranslationInputSchema
      x-errors:
        400: The body is not JSON.
        401: Not authenticated.
        403: Not the author, a moderator or a translator of this consultation.
        404: No such statement, or one the caller may not read.
        415: The body is not JSON.
        422: Unknown language, the statement's own language, or an empty or too long text.
        429: Too many translations; retry after Retry-After seconds.
      responses:
        200:
          description: The translation as stored.
          content:
            application/json:
              schema: StatementTranslationSchema
    delete:
      tags: [statements]
      summary: Remove the translation into kk, ru or en (same rules as writing one).
      parameters:
        - {in: path, name: statement_id, required: true, schema: {type: integer}}
        - {in: path, name: language, required: true, schema: {type: string, enum: [kk, ru, en]}}
      x-errors:
        401: Not authenticated.
        403: Not the author, a moderator or a translator of this consultation.
        404: No such statement, or no translation into that language.
        422: Unknown language.
        429: Too many translations; retry after Retry-After seconds.
      responses:
        204:
          description: Removed.
    """
    actor = current_user._get_current_object()
    statement = _load(statement_id, actor)
    if request.method == "DELETE":
        delete_statement_translation(statement, actor, language=language)
        db.session.commit()
        return "", 204
    data = load_body(StatementTranslationInputSchema())
    row = translate_statement(statement, actor, language=language, text=data["text"])
    db.session.commit()
    return jsonify(_one.dump(_dump([row])[0]))
