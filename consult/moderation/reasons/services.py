"""Reason templates: list, create, change, delete (moderators; every change is audited)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from consult.audit.services import record_audit
from consult.auth.models import User
from consult.errors import NotAllowed, ValidationFailed
from consult.extensions import db
from consult.formatting import lazy_too_long_message
from consult.moderation.models import ReasonTemplate
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


def list_reason_templates(action: str | None = None) -> list[ReasonTemplate]:
    """The reason templates, by action then text."""
    query = select(ReasonTemplate).order_by(ReasonTemplate.action, ReasonTemplate.text)
    if action:
        query = query.where(ReasonTemplate.action == action)
    return list(db.session.scalars(query))


def _check(actor: User, action: str, text: str) -> tuple[str, str]:
    if not can_manage_reason_templates(actor):
        raise NotAllowed(_l("Only moderators edit reason templates."))
    errors: dict[str, list[str]] = {}
    if action not in TEMPLATE_ACTIONS:
        errors["action"] = [_l("Choose one of: %(choices)s.", choices=", ".join(TEMPLATE_ACTIONS))]
    text = " ".join((text or "").split())
    if not text:
        errors["text"] = [_l("Write the reason.")]
    elif len(text) > TEXT_MAX_LENGTH:
        errors["text"] = [lazy_too_long_message(TEXT_MAX_LENGTH)]
    if errors:
        raise ValidationFailed(_l("The reason template is not valid."), fields=errors)
    return action, text


def create_reason_template(actor: User, *, action: str, text: str) -> ReasonTemplate:
    """Add a reason template."""
    action, text = _check(actor, action, text)
    template = ReasonTemplate(action=action, text=text)
    db.session.add(template)
    db.session.flush()
    record_audit(
        actor,
        "reason_template_create",
        "reason_template",
        template.id,
        after={"action": action, "text": text},
    )
    return template


def update_reason_template(
    template: ReasonTemplate, actor: User, *, action: str, text: str
) -> ReasonTemplate:
    """Change a reason template."""
    action, text = _check(actor, action, text)
    before = {"action": template.action, "text": template.text}
    template.action, template.text = action, text
    db.session.flush()
    record_audit(
        actor,
        "reason_template_update",
        "reason_template",
        template.id,
        before=before,
        after={"action": action, "text": text},
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
        return 0
    for action, text in DEFAULT_REASON_TEMPLATES:
        db.session.add(ReasonTemplate(action=action, text=text))
    db.session.flush()
    return len(DEFAULT_REASON_TEMPLATES)
