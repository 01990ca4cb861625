"""A participant's moderation record, and suspending, blocking and lifting from it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.audit.services import entries_for
from consult.auth.models import User
from consult.auth.standing import active_block, blocks_of, expire_suspensions
from consult.errors import Conflict, NotFound, ValidationFailed
from consult.extensions import db
from consult.languages.shown import remember_translations
from consult.moderation.blocks.services import block_user, lift_block, user_record
from consult.moderation.forms import BlockForm, UnblockForm
from consult.moderation.pages import STATE_LABELS, bp, reason_templates, require_moderator
from consult.moderation.permissions import audit_scope, can_block_user, can_view_user_record
from consult.types import utcnow
from consult.web import login_required, parse_int, show_errors


def _render(
    person: User,
    *,
    block_form: BlockForm | None = None,
    unblock_form: UnblockForm | None = None,
    status: int = 200,
) -> Any:
    block_form = block_form or BlockForm(formdata=None)
    reason_templates(block_form, ("block",))
    unblock_form = unblock_form or UnblockForm(formdata=None)
    reason_templates(unblock_form, ("restore", "block"))
    scope = audit_scope(current_user)
    record = user_record(person, current_user)
    remember_translations(record["statements"])
    return render_template(
        "moderation/user.html",
        person=person,
        **record,
        blocks=blocks_of(person),
        active=active_block(person),
        can_block=can_block_user(current_user, person),
        block_form=block_form,
        unblock_form=unblock_form,
        audit=entries_for("user", person.id, scope) if scope else [],
        state_labels=STATE_LABELS,
        now=utcnow(),
        active_tab="queue",
    ), status


def _load_person(user_id: int, *, acting: bool = False) -> User:
    require_moderator()
    person = db.session.get(User, user_id)
    if person is None:
        abort(404)
    if not can_view_user_record(current_user, person):
        abort(403)
    if acting and not can_block_user(current_user, person):
        abort(403)
    return person


@bp.route("/moderation/users/<id:user_id>")
@login_required
def user(user_id: int) -> Any:
    """A participant's moderation record: statements, flags, blocks; suspend or block."""
    person = _load_person(user_id)
    if expire_suspensions():
        db.session.commit()
    return _render(person)


@bp.route("/moderation/users/<id:user_id>/block", methods=["POST"])
@login_required
def block(user_id: int) -> Any:
    """Suspend or block an account."""
    person = _load_person(user_id, acting=True)
    form = BlockForm()
    templates = reason_templates(form, ("block",))
    if not form.validate_on_submit():
        return _render(person, block_form=form, status=422)
    ends_at = None
    if form.kind.data == "suspend":
        days = parse_int((form.days.data or "").strip(), minimum=1, maximum=365) or 7
        ends_at = datetime.now(UTC) + timedelta(days=days)
    try:
        block_user(
            person,
            current_user,
            kind=form.kind.data or "suspend",
            reason=form.reason_text(templates),
            ends_at=ends_at,
        )
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        show_errors(form, exc, "reason")
        return _render(person, block_form=form, status=exc.status)
    db.session.commit()
    if ends_at is not None:
        flash(_("%(name)s is suspended.", name=person.display_name), "success")
    else:
        flash(_("%(name)s is blocked.", name=person.display_name), "success")
    return redirect(url_for("moderation.user", user_id=person.id), 303)


@bp.route("/moderation/users/<id:user_id>/unblock", methods=["POST"])
@login_required
def unblock(user_id: int) -> Any:
    """Lift an account's block or suspension."""
    person = _load_person(user_id, acting=True)
    form = UnblockForm()
    templates = reason_templates(form, ("restore", "block"))
    if not form.validate_on_submit():
        return _render(person, unblock_form=form, status=422)
    try:
        lift_block(person, current_user, reason=form.reason_text(templates))
    except ValidationFailed as exc:
        db.session.rollback()
        show_errors(form, exc, "reason")
        return _render(person, unblock_form=form, status=422)
    except NotFound:
        db.session.rollback()
        flash(_("%(name)s is not blocked.", name=person.display_name), "info")
        return redirect(url_for("moderation.user", user_id=person.id), 303)
    db.session.commit()
    flash(_("%(name)s can take part again.", name=person.display_name), "success")
    return redirect(url_for("moderation.user", user_id=person.id), 303)
