"""Consultation pages: the list, the discussion (thread) page, create, edit, status, people."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from consult.auth.models import User
from consult.auth.services import find_user_by_email
from consult.auth.standing import is_blocked
from consult.consultations import fragments, pagecache
from consult.consultations.forms import ConsultationForm, MemberForm, StatusForm
from consult.consultations.models import (
    Consultation,
    ConsultationMember,
    ConsultationStatus,
    MemberRole,
)
from consult.consultations.permissions import (
    can_create_consultation,
    can_edit_consultation,
    can_moderate_consultation,
)
from consult.consultations.services import (
    TRANSITIONS,
    add_member,
    change_status,
    consultation_counts,
    create_consultation,
    current_counts,
    find_visible_consultation,
    list_visible_consultations,
    set_consultation_texts,
    slugify,
    update_consultation,
)
from consult.errors import ValidationFailed
from consult.extensions import db
from consult.statements.forms import ArgumentForm, PositionForm
from consult.statements.hooks import thread_context
from consult.statements.permissions import can_post_statement
from consult.statements.services import StatementView
from consult.statements.thread import SORTS, thread_page
from consult.web import login_required, page_number, show_errors

bp = Blueprint("consultations", __name__)

# Paths under /consultations/ that are pages, not slugs.
RESERVED_SLUGS = frozenset({"new"})


def load_consultation(slug: str) -> Consultation:
    """Return the consultation, or 404 if it does not exist or the viewer may not see it (the
    API's query: ``find_visible_consultation``)."""
    consultation = find_visible_consultation(current_user, slug=slug)
    if consultation is None:
        abort(404)
    return consultation


def viewer_can_edit(consultation: Consultation) -> bool:
    """Tell whether the current user may edit this consultation."""
    return can_edit_consultation(current_user, consultation)


@bp.app_context_processor
def consultation_helpers() -> dict[str, Any]:
    """Expose the edit permission to every template (the consultation tabs use it)."""
    return {"viewer_can_edit": viewer_can_edit}


def end_of_day(day: date | None) -> datetime | None:
    """The last minute of a day in the site's time zone, as an aware datetime."""
    if day is None:
        return None
    return datetime.combine(day, time(23, 59), tzinfo=get_timezone())


def local_date(value: datetime | None) -> date | None:
    """The day a stored timestamp falls on in the site's time zone."""
    if value is None:
        return None
    return value.astimezone(get_timezone()).date()


# --- the list ------------------------------------------------------------------------------


@bp.route("/")
def index() -> Any:
    """List the consultations the visitor may see: open first, then closed; drafts to owners."""
    consultations = list_visible_consultations(current_user)
    counts = consultation_counts([c.id for c in consultations])
    far = datetime.max.replace(tzinfo=get_timezone())
    drafts = [c for c in consultations if c.status is ConsultationStatus.draft]
    open_ = sorted(
        (c for c in consultations if c.status is ConsultationStatus.open),
        key=lambda c: (c.closes_at or far, -c.id),
    )
    past = sorted(
        (
            c
            for c in consultations
            if c.status in (ConsultationStatus.closed, ConsultationStatus.reported)
        ),
        key=lambda c: c.reported_at or c.closed_at or c.created_at,
        reverse=True,
    )
    return render_template(
        "consultations/index.html",
        drafts=drafts,
        open_consultations=open_,
        past_consultations=past,
        counts=counts,
        can_create=can_create_consultation(current_user),
    )


# --- the discussion page -------------------------------------------------------------------


def sort_order() -> str:
    """The order of positions the request asks for (``oldest`` unless it names another)."""
    order = request.args.get("sort", "oldest")
    return order if order in SORTS else "oldest"


def statements_context(consultation: Consultation, order: str) -> dict[str, Any]:
    """The context of the cards region: one page of positions with their strongest replies
    (``consult.statements.thread``) and their authors (kept while rendering)."""
    screen = thread_page(consultation, current_user, order=order, page=page_number())
    views = screen.views
    return {
        "threads": screen.cards,
        "screen": screen,
        "views": views,
        "n_positions": screen.n_positions,
        "n_arguments": screen.n_arguments,
        "authors": load_authors(views),
    }


def page_context(
    consultation: Consultation,
    extra: dict[str, Any],
    order: str,
    *,
    views: dict[int, StatementView] | None = None,
    position_form: PositionForm | None = None,
    argument_form: ArgumentForm | None = None,
    errors: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """The context of the page around the cards region (header, forms, notices), merged into
    the context providers' ``extra``."""
    can_post = can_post_statement(current_user, consultation)
    reply_target = None
    if argument_form is not None and views is not None and argument_form.target.data in views:
        reply_target = argument_form.target.data
    if errors is None:
        errors = []
        for form, prefix in ((position_form, "position"), (argument_form, "reply")):
            if form is None:
                continue
            for name, messages in form.errors.items():
                anchor = _field_anchor(prefix, name, reply_target)
                errors.extend((str(message), anchor) for message in messages)
    context = dict(extra)
    context.update(
        consultation=consultation,
        counts=current_counts(consultation),
        order=order,
        sorts=SORTS,
        can_post=can_post,
        can_vote=can_post,
        blocked=is_blocked(current_user),
        can_edit=viewer_can_edit(consultation),
        can_moderate=can_moderate_consultation(current_user, consultation),
        position_form=position_form or PositionForm(formdata=None),
        argument_form=argument_form,
        reply_target=reply_target,
        errors=errors,
        status_form=StatusForm(formdata=None),
        next_statuses=_next_statuses(consultation),
        active_tab="discussion",
        max_length=current_app.config["STATEMENT_MAX_LENGTH"],
    )
    return context


def render_consultation_page(
    consultation: Consultation,
    *,
    position_form: PositionForm | None = None,
    argument_form: ArgumentForm | None = None,
    errors: list[tuple[str, str]] | None = None,
    status: int = 200,
    shared: bool = False,
) -> Any:
    """Render the discussion page; the statement and vote views re-render it on bad input.

    The page is a bounded first screen (``consult.statements.thread``): one page of positions
    with their strongest replies; the rest is one link away. ``errors`` is the error summary:
    (message, id of the field to fix) pairs. A ``shared`` page (the cached anonymous one)
    carries a marker where each visitor's CSRF token goes (``pagecache.py``).
    """
    order = sort_order()
    region = statements_context(consultation, order)
    views = region["views"]
    extra = thread_context(consultation, current_user, list(views))
    context = page_context(
        consultation,
        extra,
        order,
        views=views,
        position_form=position_form,
        argument_form=argument_form,
        errors=errors,
    )
    context.update(region)
    if shared:
        context["csrf_token"] = lambda: pagecache.CSRF_MARKER
    return render_template("consultations/show.html", **context), status


def load_authors(views: dict[int, StatementView]) -> list[User]:
    """Load every author of the views in one query (kept by the caller while rendering)."""
    return _load_authors(views)


def _load_authors(views: dict[int, StatementView]) -> list[User]:
    """Load every author in one query (the cards read ``statement.author``).

    The caller keeps the list while rendering: the session's identity map holds objects weakly.
    """
    ids = {v.statement.author_id for v in views.values() if v.statement.author_id is not None}
    if not ids:
        return []
    return list(db.session.scalars(select(User).where(User.id.in_(ids))))


def _field_anchor(prefix: str, name: str, reply_target: int | None) -> str:
    if prefix == "position":
        return "position-text"
    if reply_target is None:
        return "statements"
    if name == "relation":
        return f"reply-{reply_target}-support"
    return f"reply-{reply_target}-text"


@bp.route("/consultations/<slug>")
def show(slug: str) -> Any:
    """A consultation: its positions, their argument trees, votes and the forms to take part."""
    cacheable = pagecache.is_cacheable()
    if cacheable:
        hit = pagecache.serve_known(slug)  # no database: see pagecache.py for the bound
        if hit is not None:
            return hit
    consultation = load_consultation(slug)
    if cacheable:
        return pagecache.serve_cached(
            consultation, lambda: render_consultation_page(consultation, shared=True)
        )
    if fragments.is_shareable(consultation):  # a participant: the cards from a shared render
        order = sort_order()
        return fragments.serve(
            consultation,
            region=lambda: statements_context(consultation, order),
            page=lambda extra: page_context(consultation, extra, order),
        )
    return render_consultation_page(consultation)


# --- create and edit ------------------------------------------------------------------------


def _form_changes(form: ConsultationForm) -> dict[str, Any]:
    return {
        "title": form.title.data or "",
        "summary": form.summary.data or "",
        "body": form.body.data or "",
        "closes_at": end_of_day(form.closes_at.data),
        "moderation": form.moderation.data,
        "language": form.language.data or "en",
    }


@bp.route("/consultations/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    """Create a draft consultation (policymakers and administrators)."""
    if not can_create_consultation(current_user):
        abort(403)
    form = ConsultationForm()
    if form.validate_on_submit():
        changes = _form_changes(form)
        slug = slugify(changes["title"])
        try:
            consultation = create_consultation(
                current_user,
                slug=f"{slug}-consultation" if slug in RESERVED_SLUGS else None,
                **changes,
            )
            set_consultation_texts(consultation, current_user, form.versions())
        except ValidationFailed as exc:  # raised before anything was written
            db.session.rollback()
            show_errors(form, exc, "title")
        else:
            db.session.commit()
            flash(_("Draft saved. Only you can see it until you open it to the public."), "success")
            return redirect(url_for("consultations.show", slug=consultation.slug), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("consultations/new.html", form=form), status


def _next_statuses(consultation: Consultation) -> list[str]:
    """Status changes offered as buttons (publishing the report belongs to the report page)."""
    allowed = TRANSITIONS[consultation.status] - {ConsultationStatus.reported}
    return [s.value for s in sorted(allowed, key=lambda s: s.value != "open")]


def _members(consultation: Consultation) -> list[ConsultationMember]:
    return sorted(
        consultation.members,
        key=lambda m: (m.role is not MemberRole.owner, m.user.display_name.lower()),
    )


def render_edit_page(
    consultation: Consultation,
    *,
    form: ConsultationForm | None = None,
    member_form: MemberForm | None = None,
    status: int = 200,
) -> Any:
    """Render the edit page (details, status, people)."""
    if form is None:
        form = ConsultationForm(formdata=None, data=_initial(consultation))
    return render_template(
        "consultations/edit.html",
        consultation=consultation,
        form=form,
        member_form=member_form or MemberForm(formdata=None),
        status_form=StatusForm(formdata=None),
        members=_members(consultation),
        next_statuses=_next_statuses(consultation),
    ), status


def _initial(consultation: Consultation) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "title": consultation.title,
        "summary": consultation.summary,
        "body": consultation.body,
        "closes_at": local_date(consultation.closes_at),
        "moderation": consultation.moderation.value,
        "language": consultation.language,
    }
    for version in consultation.texts:
        initial[f"question_{version.language}"] = version.question
        initial[f"summary_{version.language}"] = version.summary
        initial[f"body_{version.language}"] = version.body
    return initial


def _load_for_edit(slug: str) -> Consultation:
    consultation = load_consultation(slug)
    if not viewer_can_edit(consultation):
        abort(403)
    return consultation


@bp.route("/consultations/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str) -> Any:
    """Edit a consultation's details (its policymakers and administrators)."""
    consultation = _load_for_edit(slug)
    form = ConsultationForm(data=_initial(consultation))
    if form.validate_on_submit():
        changes = _form_changes(form)
        # Keep the stored closing time when the day did not change.
        if form.closes_at.data == local_date(consultation.closes_at):
            changes["closes_at"] = consultation.closes_at
        try:
            update_consultation(consultation, current_user, **changes)
            set_consultation_texts(consultation, current_user, form.versions())
        except ValidationFailed as exc:  # raised before anything was written; other errors
            show_errors(form, exc, "title")  # end the request on the error page, uncommitted
        else:
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for("consultations.edit", slug=consultation.slug), 303)
    status = 422 if form.is_submitted() else 200
    return render_edit_page(consultation, form=form, status=status)


@bp.route("/consultations/<slug>/status", methods=["POST"])
@login_required
def set_status(slug: str) -> Any:
    """Open, close or reopen a consultation."""
    consultation = _load_for_edit(slug)
    form = StatusForm()
    if not form.validate_on_submit():
        flash(_("Choose a valid status."), "error")
        return render_edit_page(consultation, status=422)
    target = ConsultationStatus(form.status.data)
    before = consultation.status
    change_status(consultation, target, current_user)  # a refusal raises: error page, no commit
    db.session.commit()
    if target is ConsultationStatus.open and before is ConsultationStatus.draft:
        flash(_("The consultation is open: everyone can now read it, post and vote."), "success")
    elif target is ConsultationStatus.open:
        flash(_("The consultation is open again."), "success")
    else:
        flash(_("The consultation is closed: it is now read-only."), "success")
    return redirect(url_for("consultations.show", slug=consultation.slug), 303)


@bp.route("/consultations/<slug>/members", methods=["POST"])
@login_required
def add_person(slug: str) -> Any:
    """Make someone a moderator or a co-owner of this consultation, by e-mail."""
    consultation = _load_for_edit(slug)
    form = MemberForm()
    if not form.validate_on_submit():
        return render_edit_page(consultation, member_form=form, status=422)
    person: User | None = find_user_by_email(form.email.data or "")
    role = MemberRole(form.role.data)
    if person is None:
        form.email.errors = [_("There is no account with this e-mail. Ask the person to register.")]
    elif role is MemberRole.owner and not person.is_policymaker:
        form.email.errors = [
            _("Only policymakers can co-own a consultation. Ask an administrator to give the role.")
        ]
    elif role is MemberRole.moderator and not person.is_moderator:
        form.email.errors = [
            _("This person is not a moderator. Ask an administrator to give the role.")
        ]
    if form.email.errors:
        return render_edit_page(consultation, member_form=form, status=422)
    assert person is not None
    add_member(consultation, person, role, actor=current_user)
    db.session.commit()
    if role is MemberRole.owner:
        flash(_("%(name)s now co-owns this consultation.", name=person.display_name), "success")
    elif role is MemberRole.translator:
        flash(_("%(name)s now translates this consultation.", name=person.display_name), "success")
    else:
        flash(_("%(name)s now moderates this consultation.", name=person.display_name), "success")
    return redirect(url_for("consultations.edit", slug=consultation.slug, _anchor="people"), 303)
