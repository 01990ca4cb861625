"""Reading and writing the language versions of consultations and statements."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consult.errors import ValidationFailed
from consult.extensions import db
from consult.formatting import lazy_too_long_message
from consult.languages.codes import LANGUAGES, fallback_order, is_language
from consult.languages.models import ConsultationText, StatementTranslation

QUESTION_MAX = 200
SUMMARY_MAX = 500
BODY_MAX = 20000
TRANSLATION_MAX = 4000


@dataclass(frozen=True)
class ShownText:
    """A consultation's texts as one reader sees them."""

    question: str
    summary: str
    body: str
    #: The language of the texts shown.
    language: str
    #: The language the reader asked for, when no version in it exists yet.
    missing: str | None


def shown_consultation_text(
    *,
    original_language: str,
    question: str,
    summary: str,
    body: str,
    versions: Iterable[ConsultationText],
    wanted: str,
) -> ShownText:
    """Pick the version for a reader of ``wanted``; fall back to the original, visibly."""
    by_language = {v.language: v for v in versions if v.language != original_language}
    available = [original_language, *by_language]
    best = fallback_order(wanted, available, original_language)[0]
    missing = None if best == wanted else wanted
    if best == original_language:
        return ShownText(question, summary, body, original_language, missing)
    version = by_language[best]
    return ShownText(version.question, version.summary, version.body, best, missing)


def set_consultation_versions(
    consultation_id: int,
    original_language: str,
    versions: Mapping[str, tuple[str, str, str]],
    existing: Iterable[ConsultationText],
) -> list[ConsultationText]:
    """Store the (question, summary, body) of each other language; an empty question removes it.

    Returns the versions kept. Raises ``ValidationFailed`` for an unknown language, a version in
    the original language or a text over its limit, before anything is written.
    """
    for language, (question, summary, body) in versions.items():
        if not is_language(language) or language == original_language:
            raise ValidationFailed(_l("Choose one of the other content languages."))
        if len(question) > QUESTION_MAX or len(summary) > SUMMARY_MAX or len(body) > BODY_MAX:
            raise ValidationFailed(_l("A version is longer than the original's limits allow."))
    current = {v.language: v for v in existing}
    kept = []
    for language in LANGUAGES:
        if language not in versions:
            if language in current and language != original_language:
                kept.append(current[language])
            continue
        question, summary, body = (part.strip() for part in versions[language])
        row = current.get(language)
        if not question:
            if row is not None:
                db.session.delete(row)
            continue
        if row is None:
            row = ConsultationText(consultation_id=consultation_id, language=language)
            db.session.add(row)
        row.question, row.summary, row.body = question, summary, body
        kept.append(row)
    # A version in the (new) original language is the original itself now.
    stale = current.get(original_language)
    if stale is not None and stale not in kept:
        db.session.delete(stale)
    db.session.flush()
    return kept


def translations_in(language: str, statement_ids: Iterable[int]) -> dict[int, StatementTranslation]:
    """The translations into ``language`` of these statements, by statement id (one query)."""
    ids = list(statement_ids)
    if not ids or not is_language(language):
        return {}
    rows = db.session.scalars(
        select(StatementTranslation).where(
            StatementTranslation.language == language,
            StatementTranslation.statement_id.in_(ids),
        )
    )
    return {row.statement_id: row for row in rows}


def translations_of(statement_id: int) -> list[StatementTranslation]:
    """Every translation of one statement, in ``LANGUAGES`` order."""
    rows = db.session.scalars(
        select(StatementTranslation).where(StatementTranslation.statement_id == statement_id)
    )
    return sorted(rows, key=lambda row: LANGUAGES.index(row.language))


def translated_ids(statement_ids: Iterable[int]) -> dict[int, set[str]]:
    """The languages each statement has a translation into (one query)."""
    ids = list(statement_ids)
    found: dict[int, set[str]] = {i: set() for i in ids}
    if not ids:
        return found
    rows = db.session.execute(
        select(StatementTranslation.statement_id, StatementTranslation.language).where(
            StatementTranslation.statement_id.in_(ids)
        )
    )
    for statement_id, language in rows:
        found[statement_id].add(language)
    return found


def save_translation(
    statement_id: int,
    original_language: str | None,
    language: str,
    text: str,
    *,
    translator_id: int | None,
    machine: bool = False,
    max_length: int = TRANSLATION_MAX,
) -> StatementTranslation:
    """Create or replace the translation of a statement into ``language``.

    A person's translation replaces a machine one; a machine translation never replaces a
    person's (it returns the existing one unchanged). Raises ``ValidationFailed`` first.
    """
    text = text.strip()
    if not is_language(language):
        raise ValidationFailed(_l("Choose one of the content languages."))
    if language == original_language:
        raise ValidationFailed(_l("The statement is already written in this language."))
    if not text:
        raise ValidationFailed(_l("Write the translation."))
    if len(text) > max_length:
        raise ValidationFailed(lazy_too_long_message(max_length, len(text)))
    row: StatementTranslation | None = db.session.scalar(
        select(StatementTranslation)
        .where(
            StatementTranslation.statement_id == statement_id,
            StatementTranslation.language == language,
        )
        .with_for_update()
    )
    if row is not None and machine and not row.machine:
        return row
    if row is None:
        row = StatementTranslation(statement_id=statement_id, language=language, text=text)
        db.session.add(row)
    row.text = text
    row.translator_id = translator_id
    row.machine = machine
    db.session.flush()
    return row
