"""Moderation pages: the queue, reviews, merges, blocks, audit log, reason templates, brigades.

Also the participants' flag form, and the thread page integration (a statement partial with
the Flag button and moderators' markers, registered through consult/statements/hooks.py).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import func, select

from consult.auth.models import User
from consult.consultations.models import Consultation
from consult.consultations.permissions import can_moderate_consultation
from consult.errors import Conflict, ConsultError, NotAllowed, NotFound, ValidationFailed
from consult.extensions import db
from consult.moderation import services
from consult.moderation.duplicates import DEFAULT_MIN_SCORE
from consult.moderation.forms import (
    FLAG_REASON_CHOICES,
    BlockForm,
    BulkForm,
    DecisionForm,
    FlagForm,
    MergeForm,
    ReasonTemplateForm,
    UnblockForm,
    template_choices,
)
from consult.moderation.models import Flag, FlagReason, ReasonTemplate
from consult.moderation.permissions import (
    can_block_user,
    can_flag_statement,
    can_manage_reason_templates,
    can_moderate_statement,
    can_use_moderation,
    can_view_user_record,
    moderated_consultation_ids,
    moderated_consultations,
)
from consult.ratelimits import flag_limit
from consult.signals import statement_created
from consult.statements.hooks import register_statement_partial, register_thread_context
from consult.statements.models import Statement, StatementStatus
from consult.statements.permissions import can_view_statement, is_blocked
from consult.types import utcnow
from consult.votes.models import VoteValue

bp = Blueprint("moderation", __name__)

QUEUE_PER_PAGE = 25
AUDIT_PER_PAGE = 50
STATE_LABELS = {
    "flagged": "Flagged",
    "auto_hidden": "Hidden by flags",
    "pending": "Awaiting approval",
    "hidden": "Hidden",
    "visible": "Visible",
}


# --- helpers ---------------------------------------------------------------------------------


def _require_moderator() -> None:
    if not can_use_moderation(current_user):
        abort(403)


def _safe_next(target: str | None, default: str) -> str:
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def _page() -> int:
    try:
        page = int(request.args.get("page", 1))
    except ValueError:
        return 1
    return min(max(page, 1), 1_000_000)


def _page_of(query: Any, page: int, per_page: int) -> tuple[list[Any], int, int]:
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    total = int(total or 0)
    pages = max(1, math.ceil(total / per_page))
    rows = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return rows, total, pages


def _arg_int(name: str) -> int | None:
    raw = request.args.get(name, "").strip()
    return int(raw) if raw.isdigit() and int(raw) <= 2_147_483_647 else None


def _templates() -> tuple[list[ReasonTemplate], dict[int, str]]:
    templates = services.list_reason_templates()
    return templates, {t.id: t.text for t in templates}


def _moderatable_statement(statement_id: int) -> Statement:
    statement = db.session.get(Statement, statement_id)
    if statement is None or not can_view_statement(current_user, statement):
        abort(404)
    if not can_moderate_consultation(current_user, statement.consultation):
        abort(403)
    return statement


def _apply_errors(form: Any, exc: ConsultError, default: str = "reason") -> None:
    for name, messages in (exc.fields or {}).items():
        field = getattr(form, name, None) or getattr(form, default)
        field.errors = [*list(field.errors or []), *messages]
    if not exc.fields:
        field = getattr(form, default)
        field.errors = [*list(field.errors or []), exc.message]


# --- thread page integration -----------------------------------------------------------------


@register_thread_context
def moderation_thread_context(
    consultation: Consultation, viewer: Any, statement_ids: list[int]
) -> dict[str, Any]:
    """What the statement partial needs: flag state for readers, flag counts for moderators."""
    signed_in = bool(viewer is not None and getattr(viewer, "is_authenticated", False))
    moderator = signed_in and can_moderate_consultation(viewer, consultation)
    flagged: set[int] = set()
    if signed_in and statement_ids:
        flagged = set(
            db.session.scalars(
                select(Flag.statement_id).where(
                    Flag.user_id == viewer.id, Flag.statement_id.in_(statement_ids)
                )
            )
        )
    return {
        "moderation": {
            "signed_in": signed_in,
            "can_flag": signed_in and not is_blocked(viewer),
            "is_moderator": moderator,
            "flagged_by_me": flagged,
            "open_flags": services.open_flag_counts(statement_ids) if moderator else {},
            "reasons": FLAG_REASON_CHOICES,
        }
    }


register_statement_partial("moderation/_statement_tools.html")


@statement_created.connect
def suggest_duplicates(sender: Any, statement: Statement, **_kwargs: Any) -> None:
    """After a participant posts on the page, point out statements that say the same."""
    if not has_request_context() or request.blueprint != "statements":
        return
    try:
        found = services.similar_statements(
            statement.consultation,
            statement.text,
            limit=1,
            exclude=[statement.id],
            min_score=DEFAULT_MIN_SCORE,
        )
    except Exception:  # noqa: BLE001 - a suggestion must never break posting
        current_app.logger.exception("duplicate suggestion failed")
        return
    if not found:
        return
    similar, _score = found[0]
    flash(
        _(
            "A similar statement already exists (#%(id)s): “%(text)s”. If it says what you "
            "meant, vote on it too; the moderators may merge duplicates.",
            id=similar.id,
            text=services._excerpt(similar.text, 120),
        ),
        "info",
    )


# --- flagging (participants) -----------------------------------------------------------------


@bp.route("/statements/<int:statement_id>/flag", methods=["GET", "POST"])
@login_required
@flag_limit()
def flag(statement_id: int) -> Any:
    """Report a statement to the moderators."""
    statement = db.session.get(Statement, statement_id)
    if (
        statement is None
        or statement.status is StatementStatus.merged
        or not can_view_statement(current_user, statement)
    ):
        abort(404)
    back = url_for("statements.show", statement_id=statement.id)
    form = FlagForm()
    status = 200
    notice = None
    if statement.author_id == current_user.id:
        notice = _("This is your own statement: you cannot flag it.")
        status = 403
    elif is_blocked(current_user):
        notice = _("Your account cannot flag statements at the moment.")
        status = 403
    elif statement.status is not StatementStatus.visible:
        notice = _("This statement is already being reviewed by the moderators.")
        status = 409 if request.method == "POST" else 200
    elif db.session.scalar(
        select(Flag.id).where(Flag.statement_id == statement.id, Flag.user_id == current_user.id)
    ):
        notice = _("You have already flagged this statement. Thank you: it is queued for review.")
        status = 409 if request.method == "POST" else 200
    if request.method == "POST" and notice is None:
        if form.validate_on_submit():
            try:
                services.flag_statement(
                    statement,
                    current_user,
                    reason=FlagReason(form.reason.data),
                    note=form.note.data or "",
                )
            except Conflict as exc:
                db.session.rollback()
                notice = exc.message
                status = 409
            except ValidationFailed as exc:
                db.session.rollback()
                _apply_errors(form, exc, "note")
                status = 422
            else:
                db.session.commit()
                flash(
                    _("Thank you. The moderators will review this statement."),
                    "success",
                )
                return redirect(back, 303)
        else:
            status = 422
    return render_template(
        "moderation/flag.html",
        statement=statement,
        form=form,
        notice=notice,
        can_flag=notice is None and can_flag_statement(current_user, statement),
        back=back,
    ), status


# --- the queue -------------------------------------------------------------------------------


def _queue_filters() -> dict[str, Any]:
    consultation_id = _arg_int("consultation")
    reason = request.args.get("reason", "")
    state = request.args.get("state", "")
    return {
        "consultation": consultation_id,
        "reason": reason if reason in {r.value for r in FlagReason} else "",
        "state": state if state in services.QUEUE_STATES else "",
    }


@bp.route("/moderation")
@login_required
def queue() -> Any:
    """Pending and flagged statements of the viewer's consultations, oldest first."""
    _require_moderator()
    if services.expire_suspensions():
        db.session.commit()
    consultations = moderated_consultations(current_user)
    filters = _queue_filters()
    allowed = {c.id for c in consultations}
    if filters["consultation"] is not None and filters["consultation"] not in allowed:
        abort(403)
    query = services.queue_query(
        current_user,
        consultation_id=filters["consultation"],
        reason=filters["reason"] or None,
        state=filters["state"] or None,
    )
    page = _page()
    rows, total, pages = _page_of(query, page, QUEUE_PER_PAGE)
    items = services.queue_items(rows)
    summary = services.queue_summary(current_user, consultation_id=filters["consultation"])
    templates, _by_id = _templates()
    form = BulkForm(formdata=None)
    form.template.choices = template_choices(
        templates, ("hide", "restore", "approve", "ignore_flags")
    )
    form.next.data = request.full_path.rstrip("?")
    args = {k: v for k, v in filters.items() if v}
    return render_template(
        "moderation/queue.html",
        items=items,
        total=total,
        page=page,
        pages=pages,
        summary=summary,
        consultations=consultations,
        filters=filters,
        filter_args=args,
        form=form,
        reasons=FLAG_REASON_CHOICES,
        state_labels=STATE_LABELS,
        active_tab="queue",
    )


@bp.route("/moderation/bulk", methods=["POST"])
@login_required
def bulk() -> Any:
    """Apply one decision to the selected statements."""
    _require_moderator()
    form = BulkForm()
    templates, by_id = _templates()
    form.template.choices = template_choices(
        templates, ("hide", "restore", "approve", "ignore_flags")
    )
    back = _safe_next(form.next.data, url_for("moderation.queue"))
    ids = [int(v) for v in request.form.getlist("statements") if v.isdigit()][:200]
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(back, 303)
    if not ids:
        flash(_("Select at least one statement."), "error")
        return redirect(back, 303)
    reason = form.reason_text(by_id)
    try:
        statements = services.load_statements_for_moderation(ids, current_user)
        result = services.bulk_moderate(
            statements, current_user, form.action.data or "", reason=reason
        )
    except ValidationFailed as exc:
        db.session.rollback()
        flash(
            _("Give a reason: pick a template or write one.")
            if "reason" in exc.fields
            else exc.message,
            "error",
        )
        return redirect(back, 303)
    except NotAllowed:
        db.session.rollback()
        abort(403)
    except NotFound:
        db.session.rollback()
        abort(404)
    db.session.commit()
    if result.done:
        flash(
            ngettext("%(num)s statement updated.", "%(num)s statements updated.", len(result.done)),
            "success",
        )
    if result.skipped:
        flash(
            ngettext(
                "%(num)s statement skipped: %(why)s",
                "%(num)s statements skipped, e.g. %(why)s",
                len(result.skipped),
                why=result.skipped[0][1],
            ),
            "warning",
        )
    return redirect(back, 303)


# --- one statement ---------------------------------------------------------------------------


def _render_review(
    statement: Statement,
    *,
    decision: DecisionForm | None = None,
    merge: MergeForm | None = None,
    status: int = 200,
) -> Any:
    templates, _by_id = _templates()
    item = services.queue_items([statement])[0]
    decision = decision or DecisionForm(formdata=None)
    decision.template.choices = template_choices(
        templates, ("hide", "restore", "approve", "ignore_flags")
    )
    merge = merge or MergeForm(formdata=None)
    merge.template.choices = template_choices(templates, ("merge",))
    next_url = _safe_next(
        request.values.get("next") or decision.next.data, url_for("moderation.queue")
    )
    decision.next.data = next_url
    merge.next.data = next_url
    actions = _possible_actions(statement, len(item.flags))
    return render_template(
        "moderation/review.html",
        statement=statement,
        item=item,
        decision=decision,
        merge=merge,
        actions=actions,
        all_flags=services.flags_of(statement),
        history=services.entries_for("statement", statement.id, current_user),
        own=statement.author_id == current_user.id,
        can_act=can_moderate_statement(current_user, statement),
        can_block=statement.author is not None and can_block_user(current_user, statement.author),
        next_url=next_url,
        state_labels=STATE_LABELS,
        active_tab="queue",
    ), status


def _possible_actions(statement: Statement, open_flags: int) -> list[str]:
    status = statement.status
    if status is StatementStatus.merged:
        return []
    if status is StatementStatus.hidden:
        return ["restore"]
    actions = []
    if status is StatementStatus.pending:
        actions = ["approve", "hide"] if not statement.auto_hidden else ["hide", "restore"]
    else:
        actions = ["hide"] + (["ignore_flags", "approve"] if open_flags else [])
    if open_flags and "ignore_flags" not in actions and statement.auto_hidden:
        actions.append("ignore_flags")
    return actions


@bp.route("/moderation/statements/<int:statement_id>", methods=["GET", "POST"])
@login_required
def review(statement_id: int) -> Any:
    """One statement: its flags, thread context, duplicates, author; decide with a reason."""
    _require_moderator()
    statement = _moderatable_statement(statement_id)
    if request.method == "GET":
        return _render_review(statement)
    form = DecisionForm()
    templates, by_id = _templates()
    form.template.choices = template_choices(
        templates, ("hide", "restore", "approve", "ignore_flags")
    )
    if not form.validate_on_submit():
        return _render_review(statement, decision=form, status=422)
    try:
        services.moderate_statement(
            statement, current_user, form.action.data or "", reason=form.reason_text(by_id)
        )
    except ValidationFailed as exc:
        db.session.rollback()
        _apply_errors(form, exc)
        return _render_review(statement, decision=form, status=422)
    except Conflict as exc:
        db.session.rollback()
        form.action.errors = [exc.message]
        return _render_review(statement, decision=form, status=409)
    db.session.commit()
    labels = {
        "hide": _("Statement #%(id)s hidden.", id=statement.id),
        "restore": _("Statement #%(id)s restored.", id=statement.id),
        "approve": _("Statement #%(id)s approved.", id=statement.id),
        "ignore_flags": _("Flags on statement #%(id)s dismissed.", id=statement.id),
    }
    flash(labels[form.action.data or "hide"], "success")
    return redirect(_safe_next(form.next.data, url_for("moderation.queue")), 303)


@bp.route("/moderation/statements/<int:statement_id>/merge", methods=["POST"])
@login_required
def merge(statement_id: int) -> Any:
    """Merge this statement (a duplicate) into another one."""
    _require_moderator()
    source = _moderatable_statement(statement_id)
    form = MergeForm()
    templates, by_id = _templates()
    form.template.choices = template_choices(templates, ("merge",))
    if not form.validate_on_submit():
        return _render_review(source, merge=form, status=422)
    target = db.session.get(Statement, form.into.data)
    if target is None or not can_view_statement(current_user, target):
        form.into.errors = [_("There is no statement with this number.")]
        return _render_review(source, merge=form, status=422)
    try:
        result = services.merge_statements(
            source, target, current_user, reason=form.reason_text(by_id)
        )
    except ValidationFailed as exc:
        db.session.rollback()
        _apply_errors(form, exc, "into")
        return _render_review(source, merge=form, status=422)
    except Conflict as exc:
        db.session.rollback()
        _apply_errors(form, exc, "into")
        return _render_review(source, merge=form, status=409)
    db.session.commit()
    flash(
        _(
            "Statement #%(source)s merged into #%(target)s: %(votes)s votes and %(links)s links "
            "moved, %(dropped)s duplicate votes dropped.",
            source=result.source.id,
            target=result.target.id,
            votes=result.moved_votes,
            links=result.moved_links,
            dropped=result.dropped_votes,
        ),
        "success",
    )
    return redirect(_safe_next(form.next.data, url_for("moderation.queue")), 303)


# --- people ----------------------------------------------------------------------------------


def _render_user(
    person: User,
    *,
    block_form: BlockForm | None = None,
    unblock_form: UnblockForm | None = None,
    status: int = 200,
) -> Any:
    templates, _by_id = _templates()
    block_form = block_form or BlockForm(formdata=None)
    block_form.template.choices = template_choices(templates, ("block",))
    unblock_form = unblock_form or UnblockForm(formdata=None)
    unblock_form.template.choices = template_choices(templates, ("restore", "block"))
    scope = moderated_consultation_ids(current_user)
    query = (
        select(Statement)
        .where(Statement.author_id == person.id)
        .order_by(Statement.created_at.desc(), Statement.id.desc())
    )
    if scope is not None:
        query = query.where(Statement.consultation_id.in_(scope or [-1]))
    statements = list(db.session.scalars(query.limit(100)))
    history = services.author_history([person.id])[person.id]
    flags_raised = db.session.scalar(
        select(func.count()).select_from(
            select(Flag.id).where(Flag.user_id == person.id).subquery()
        )
    )
    return render_template(
        "moderation/user.html",
        person=person,
        statements=statements,
        history=history,
        flags_raised=flags_raised or 0,
        blocks=services.blocks_of(person),
        active=services.active_block(person),
        can_block=can_block_user(current_user, person),
        block_form=block_form,
        unblock_form=unblock_form,
        audit=services.entries_for("user", person.id, current_user),
        state_labels=STATE_LABELS,
        now=utcnow(),
        active_tab="queue",
    ), status


def _load_person(user_id: int) -> User:
    _require_moderator()
    person = db.session.get(User, user_id)
    if person is None:
        abort(404)
    if not can_view_user_record(current_user, person):
        abort(403)
    return person


@bp.route("/moderation/users/<int:user_id>")
@login_required
def user(user_id: int) -> Any:
    """A participant's moderation record: statements, flags, blocks; suspend or block."""
    person = _load_person(user_id)
    if services.expire_suspensions():
        db.session.commit()
    return _render_user(person)


@bp.route("/moderation/users/<int:user_id>/block", methods=["POST"])
@login_required
def block(user_id: int) -> Any:
    """Suspend or block an account."""
    person = _load_person(user_id)
    if not can_block_user(current_user, person):
        abort(403)
    form = BlockForm()
    templates, by_id = _templates()
    form.template.choices = template_choices(templates, ("block",))
    if not form.validate_on_submit():
        return _render_user(person, block_form=form, status=422)
    ends_at = None
    if form.kind.data == "suspend":
        try:
            days = int(form.days.data or 7)
        except ValueError:
            days = 7
        ends_at = datetime.now(UTC) + timedelta(days=min(max(days, 1), 365))
    try:
        services.block_user(
            person,
            current_user,
            kind=form.kind.data or "suspend",
            reason=form.reason_text(by_id),
            ends_at=ends_at,
        )
    except ValidationFailed as exc:
        db.session.rollback()
        _apply_errors(form, exc)
        return _render_user(person, block_form=form, status=422)
    except Conflict as exc:
        db.session.rollback()
        _apply_errors(form, exc)
        return _render_user(person, block_form=form, status=409)
    db.session.commit()
    if ends_at is not None:
        flash(_("%(name)s is suspended.", name=person.display_name), "success")
    else:
        flash(_("%(name)s is blocked.", name=person.display_name), "success")
    return redirect(url_for("moderation.user", user_id=person.id), 303)


@bp.route("/moderation/users/<int:user_id>/unblock", methods=["POST"])
@login_required
def unblock(user_id: int) -> Any:
    """Lift an account's block or suspension."""
    person = _load_person(user_id)
    if not can_block_user(current_user, person):
        abort(403)
    form = UnblockForm()
    templates, by_id = _templates()
    form.template.choices = template_choices(templates, ("restore", "block"))
    if not form.validate_on_submit():
        return _render_user(person, unblock_form=form, status=422)
    try:
        services.lift_block(person, current_user, reason=form.reason_text(by_id))
    except ValidationFailed as exc:
        db.session.rollback()
        _apply_errors(form, exc)
        return _render_user(person, unblock_form=form, status=422)
    except NotFound:
        db.session.rollback()
        flash(_("%(name)s is not blocked.", name=person.display_name), "info")
        return redirect(url_for("moderation.user", user_id=person.id), 303)
    db.session.commit()
    flash(_("%(name)s can take part again.", name=person.display_name), "success")
    return redirect(url_for("moderation.user", user_id=person.id), 303)


# --- audit log -------------------------------------------------------------------------------


def _audit_filters() -> tuple[dict[str, Any], dict[str, str]]:
    """Filters from the query string, and their raw values (for the form and the links)."""
    raw = {
        key: request.args.get(key, "").strip()
        for key in ("consultation", "action", "actor", "target_type", "target_id", "since", "until")
    }

    def day(value: str, *, end: bool = False) -> datetime | None:
        try:
            parsed = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            return None
        return parsed + timedelta(days=1) if end else parsed

    filters = {
        "consultation_id": int(raw["consultation"]) if raw["consultation"].isdigit() else None,
        "action": raw["action"][:40] or None,
        "actor_id": int(raw["actor"]) if raw["actor"].isdigit() else None,
        "target_type": raw["target_type"][:40] or None,
        "target_id": int(raw["target_id"]) if raw["target_id"].isdigit() else None,
        "since": day(raw["since"]),
        "until": day(raw["until"], end=True),
    }
    for key in ("consultation_id", "actor_id", "target_id"):
        if filters[key] is not None and filters[key] > 2_147_483_647:
            filters[key] = None
    return filters, {k: v for k, v in raw.items() if v}


@bp.route("/moderation/audit")
@login_required
def audit() -> Any:
    """The audit log of the viewer's consultations (everything for admins); CSV export."""
    _require_moderator()
    filters, raw = _audit_filters()
    consultations = moderated_consultations(current_user)
    if filters["consultation_id"] is not None and filters["consultation_id"] not in {
        c.id for c in consultations
    }:
        abort(403)
    query = services.audit_query(current_user, **filters)
    if request.args.get("format") == "csv":
        rows = db.session.scalars(query.limit(int(current_app.config.get("AUDIT_CSV_MAX", 100000))))
        stamp = utcnow().strftime("%Y%m%d-%H%M")
        return Response(
            services.audit_csv(rows),
            mimetype="text/csv",
            headers={"Content-Disposition": f"attachment; filename=kenes-audit-{stamp}.csv"},
        )
    page = _page()
    entries, total, pages = _page_of(query, page, AUDIT_PER_PAGE)
    return render_template(
        "moderation/audit.html",
        entries=entries,
        total=total,
        page=page,
        pages=pages,
        raw=raw,
        consultations=consultations,
        consultation_titles={c.id: c.title for c in consultations},
        actions=services.audit_actions(current_user),
        active_tab="audit",
    )


# --- reason templates ------------------------------------------------------------------------


def _render_reasons(form: ReasonTemplateForm | None = None, status: int = 200) -> Any:
    templates = services.list_reason_templates()
    forms = {}
    for template in templates:
        edit = ReasonTemplateForm(formdata=None, prefix=f"t{template.id}")
        edit.action.data = template.action
        edit.text.data = template.text
        forms[template.id] = edit
    return render_template(
        "moderation/reasons.html",
        templates=templates,
        forms=forms,
        form=form or ReasonTemplateForm(formdata=None),
        active_tab="reasons",
    ), status


@bp.route("/moderation/reasons", methods=["GET", "POST"])
@login_required
def reasons() -> Any:
    """The reusable reasons moderators pick from; add one."""
    if not can_manage_reason_templates(current_user):
        abort(403)
    if request.method == "GET":
        return _render_reasons()
    form = ReasonTemplateForm()
    if not form.validate_on_submit():
        return _render_reasons(form, 422)
    try:
        services.create_reason_template(
            current_user, action=form.action.data or "", text=form.text.data or ""
        )
    except ValidationFailed as exc:
        db.session.rollback()
        _apply_errors(form, exc, "text")
        return _render_reasons(form, 422)
    db.session.commit()
    flash(_("Reason template added."), "success")
    return redirect(url_for("moderation.reasons"), 303)


@bp.route("/moderation/reasons/<int:template_id>", methods=["POST"])
@login_required
def update_reason(template_id: int) -> Any:
    """Change a reason template."""
    if not can_manage_reason_templates(current_user):
        abort(403)
    template = db.get_or_404(ReasonTemplate, template_id)
    form = ReasonTemplateForm(prefix=f"t{template.id}")
    if not form.validate_on_submit():
        flash(_("Write the reason (at most 500 characters)."), "error")
        return redirect(url_for("moderation.reasons"), 303)
    try:
        services.update_reason_template(
            template, current_user, action=form.action.data or "", text=form.text.data or ""
        )
    except ValidationFailed as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("moderation.reasons"), 303)
    db.session.commit()
    flash(_("Reason template saved."), "success")
    return redirect(url_for("moderation.reasons"), 303)


@bp.route("/moderation/reasons/<int:template_id>/delete", methods=["POST"])
@login_required
def delete_reason(template_id: int) -> Any:
    """Remove a reason template."""
    if not can_manage_reason_templates(current_user):
        abort(403)
    template = db.get_or_404(ReasonTemplate, template_id)
    from consult.auth.forms import EmptyForm

    if not EmptyForm().validate_on_submit():
        abort(400)
    services.delete_reason_template(template, current_user)
    db.session.commit()
    flash(_("Reason template removed."), "info")
    return redirect(url_for("moderation.reasons"), 303)


# --- coordinated voting ----------------------------------------------------------------------


@bp.route("/moderation/brigades")
@login_required
def brigades() -> Any:
    """Suspected brigades in one consultation: evidence for a moderator, nothing automatic."""
    _require_moderator()
    consultations = moderated_consultations(current_user)
    consultation_id = _arg_int("consultation")
    if consultation_id is None and consultations:
        consultation_id = consultations[0].id
    consultation = None
    reports: list[services.BrigadeReport] = []
    if consultation_id is not None:
        consultation = db.session.get(Consultation, consultation_id)
        if consultation is None:
            abort(404)
        if not can_moderate_consultation(current_user, consultation):
            abort(403)
        reports = services.detect_brigades(consultation)
    blocked = services.active_blocks([u.id for r in reports for u in r.members])
    config = current_app.config
    return render_template(
        "moderation/brigades.html",
        consultations=consultations,
        consultation=consultation,
        reports=reports,
        blocked=blocked,
        vote_label=lambda v: VoteValue(v).label,
        window=config.get("BRIGADE_WINDOW", timedelta(hours=1)),
        min_similarity=float(config.get("BRIGADE_MIN_SIMILARITY", 0.95)),
        min_shared=int(config.get("BRIGADE_MIN_SHARED", 10)),
        active_tab="brigades",
    )


@bp.app_template_filter("mod_duration")
def duration_filter(value: timedelta | float) -> str:
    """A short human duration: "12 min", "3 h", "2 days"."""
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if seconds < 90:
        return _("%(n)s s", n=int(seconds))
    if seconds < 90 * 60:
        return _("%(n)s min", n=round(seconds / 60))
    if seconds < 36 * 3600:
        return _("%(n)s h", n=round(seconds / 3600))
    return _("%(n)s days", n=round(seconds / 86400))


@bp.app_template_filter("mod_age")
def age_filter(value: datetime | None) -> str:
    """How long ago: "5 min", "3 days"."""
    if value is None:
        return ""
    return duration_filter(utcnow() - value)
