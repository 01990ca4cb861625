"""Reason templates: list, create, change, delete (moderators; every change is audited)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from consult.audit.services import record_audit
from consult.auth.models import User
from consult.errors import NotAllowed, ValidationFailed
from consult.extensions import db
from consult.formatting import lazy_too_long_message
from consult.languages.codes import LANGUAGES, is_language
from consult.moderation.models import ReasonTemplate, ReasonTemplateText
from consult.moderation.permissions import can_manage_reason_templates

#: Actions a reason template may be for.
TEMPLATE_ACTIONS = ("hide", "restore", "approve", "ignore_flags", "block", "merge")
TEXT_MAX_LENGTH = 500

DEFAULT_REASON_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("hide", "Spam or advertising."),
    ("hide", "Insults or personal attacks break the participation rules."),
    ("hide", "Off topic for this consultation."),
    ("hide", "Contains personal data of a third person."),
    ("restore", "Reviewed: the statement respects the participation rules."),
    ("approve", "Respects the participation rules."),
    ("ignore_flags", "Reviewed: disagreement is not a reason to hide a statement."),
    ("block", "Repeated breaches of the participation rules."),
    ("merge", "Duplicate of an earlier statement."),
)

#: The default templates in Kazakh and Russian (the demo ships every reason in three languages).
DEFAULT_REASON_VERSIONS: dict[str, dict[str, str]] = {
    "Spam or advertising.": {"kk": "Спам немесе жарнама.", "ru": "Спам или реклама."},
    "Insults or personal attacks break the participation rules.": {
        "kk": "Балағат пен жеке басқа тиісу қатысу ережелерін бұзады.",
        "ru": "Оскорбления и переход на личности нарушают правила участия.",
    },
    "Off topic for this consultation.": {
        "kk": "Бұл талқылаудың тақырыбына қатысы жоқ.",
        "ru": "Не относится к теме этого обсуждения.",
    },
    "Contains personal data of a third person.": {
        "kk": "Үшінші тұлғаның жеке деректері бар.",
        "ru": "Содержит персональные данные третьего лица.",
    },
    "Reviewed: the statement respects the participation rules.": {
        "kk": "Тексерілді: пікір қатысу ережелерін сақтайды.",
        "ru": "Проверено: высказывание соответствует правилам участия.",
    },
    "Respects the participation rules.": {
        "kk": "Қатысу ережелерін сақтайды.",
        "ru": "Соответствует правилам участия.",
    },
    "Reviewed: disagreement is not a reason to hide a statement.": {
        "kk": "Тексерілді: келіспеушілік пікірді жасыруға себеп емес.",
        "ru": "Проверено: несогласие — не причина скрывать высказывание.",
    },
    "Repeated breaches of the participation rules.": {
        "kk": "Қатысу ережелерін қайта-қайта бұзу.",
        "ru": "Неоднократные нарушения правил участия.",
    },
    "Duplicate of an earlier statement.": {
        "kk": "Бұрынғы пікірдің қайталануы.",
        "ru": "Повторяет более раннее высказывание.",
    },
}


def list_reason_templates(action: str | None = None) -> list[ReasonTemplate]:
    """The reason templates, by action then text."""
    query = select(ReasonTemplate).order_by(ReasonTemplate.action, ReasonTemplate.text)
    if action:
        query = query.where(ReasonTemplate.action == action)
    return list(db.session.scalars(query))


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _check(
    actor: User,
    action: str,
    text: str,
    language: str,
    versions: Mapping[str, str] | None,
) -> tuple[str, str, dict[str, str]]:
    """Validate a template; return its action, text and non-empty versions (by language)."""
    if not can_manage_reason_templates(actor):
        raise NotAllowed(_l("Only moderators edit reason templates."))
    errors: dict[str, list[str]] = {}
    if action not in TEMPLATE_ACTIONS:
        errors["action"] = [_l("Choose one of: %(choices)s.", choices=", ".join(TEMPLATE_ACTIONS))]
    text = _clean(text)
    if not text:
        errors["text"] = [_l("Write the reason.")]
    elif len(text) > TEXT_MAX_LENGTH:
        errors["text"] = [lazy_too_long_message(TEXT_MAX_LENGTH)]
    if not is_language(language):
        errors["language"] = [_l("Choose one of the content languages.")]
    kept: dict[str, str] = {}
    for code, version in (versions or {}).items():
        version = _clean(version)
        if not is_language(code):
            errors["versions"] = [_l("Choose one of the content languages.")]
        elif not version:
            continue
        elif code == language:
            errors[f"text_{code}"] = [_l("The reason itself is already in this language.")]
        elif len(version) > TEXT_MAX_LENGTH:
            errors[f"text_{code}"] = [lazy_too_long_message(TEXT_MAX_LENGTH)]
        else:
            kept[code] = version
    if errors:
        raise ValidationFailed(_l("The reason template is not valid."), fields=errors)
    return action, text, kept


def _state(template: ReasonTemplate) -> dict[str, object]:
    return {
        "action": template.action,
        "text": template.text,
        "language": template.language,
        "versions": {v.language: v.text for v in template.versions},
    }


def _set_versions(template: ReasonTemplate, versions: dict[str, str]) -> None:
    """Keep exactly these versions (an empty one removes the language's version)."""
    current = {v.language: v for v in template.versions}
    for code in LANGUAGES:
        row = current.get(code)
        if code in versions:
            if row is None:
                template.versions.append(ReasonTemplateText(language=code, text=versions[code]))
            else:
                row.text = versions[code]
        elif row is not None:
            template.versions.remove(row)


def create_reason_template(
    actor: User,
    *,
    action: str,
    text: str,
    language: str = "en",
    versions: Mapping[str, str] | None = None,
) -> ReasonTemplate:
    """Add a reason template, in its language and the versions the moderator has."""
    action, text, kept = _check(actor, action, text, language, versions)
    template = ReasonTemplate(action=action, text=text, language=language)
    db.session.add(template)
    _set_versions(template, kept)
    db.session.flush()
    record_audit(
        actor, "reason_template_create", "reason_template", template.id, after=_state(template)
    )
    return template


def update_reason_template(
    template: ReasonTemplate,
    actor: User,
    *,
    action: str,
    text: str,
    language: str | None = None,
    versions: Mapping[str, str] | None = None,
) -> ReasonTemplate:
    """Change a reason template (versions left out of ``versions`` are kept when it is None)."""
    language = language or template.language
    if versions is None:
        versions = {v.language: v.text for v in template.versions if v.language != language}
    action, text, kept = _check(actor, action, text, language, versions)
    before = _state(template)
    template.action, template.text, template.language = action, text, language
    _set_versions(template, kept)
    db.session.flush()
    record_audit(
        actor,
        "reason_template_update",
        "reason_template",
        template.id,
        before=before,
        after=_state(template),
    )
    return template


def delete_reason_template(template: ReasonTemplate, actor: User) -> None:
    """Remove a reason template (decisions that used it keep their reason text)."""
    if not can_manage_reason_templates(actor):
        raise NotAllowed(_l("Only moderators edit reason templates."))
    record_audit(
        actor,
        "reason_template_delete",
        "reason_template",
        template.id,
        before={"action": template.action, "text": template.text},
    )
    db.session.delete(template)
    db.session.flush()


def ensure_default_reason_templates() -> int:
    """Create the default reason templates when there are none; return how many were added."""
    if db.session.scalar(select(func.count(ReasonTemplate.id))):
        # Defaults seeded before they had versions get them (nothing a moderator wrote changes).
        for template in db.session.scalars(
            select(ReasonTemplate).where(ReasonTemplate.text.in_(list(DEFAULT_REASON_VERSIONS)))
        ):
            if template.language == "en" and not template.versions:
                for code, version in DEFAULT_REASON_VERSIONS[template.text].items():
                    template.versions.append(ReasonTemplateText(language=code, text=version))
        db.session.flush()
        return 0
    for action, text in DEFAULT_REASON_TEMPLATES:
        template = ReasonTemplate(action=action, text=text, language="en")
        for code, version in DEFAULT_REASON_VERSIONS.get(text, {}).items():
            template.versions.append(ReasonTemplateText(language=code, text=version))
        db.session.add(template)
    db.session.flush()
    return len(DEFAULT_REASON_TEMPLATES)


@dataclass(frozen=True)
class ShownReason:
    """A moderation reason as one reader sees it."""

    text: str
    #: The reader's language when the reason is a template with no version in it (fallback).
    missing: str | None = None


def shown_reason(reason: str, language: str) -> ShownReason:
    """The reason in ``language`` when it is a reason template's text (in any of its languages).

    A reason written freely is shown as written; a template without a version in ``language``
    falls back to its original text, and says so (``missing``).
    """
    text = _clean(reason)
    if not text:
        return ShownReason(reason)
    template = db.session.scalar(
        select(ReasonTemplate)
        .outerjoin(ReasonTemplateText, ReasonTemplateText.template_id == ReasonTemplate.id)
        .where(or_(ReasonTemplate.text == text, ReasonTemplateText.text == text))
        .order_by(ReasonTemplate.id)
        .limit(1)
    )
    if template is None:
        return ShownReason(reason)
    found = template.text_in(language)
    if found is not None:
        return ShownReason(found)
    return ShownReason(template.text, missing=language)


def reason_in(reason: str, language: str) -> str:
    """The reason as its reader should read it: in their language, or visibly in the original."""
    shown = shown_reason(reason, language)
    if shown.missing is None:
        return shown.text
    return str(_l("%(reason)s (not yet written in your language)", reason=shown.text))
