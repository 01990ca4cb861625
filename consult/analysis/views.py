"""The insights page (with its data-quality panel and exclusions) and "vote on the next
statement"."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import fields, is_dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from consult.analysis import adapters, quality, services, tasks
from consult.analysis.explore import group_by_label
from consult.analysis.forms import ExcludeGroupForm, LiftExclusionForm, NextVoteForm
from consult.analysis.insights import build_insights
from consult.analysis.languages import language_insights
from consult.analysis.opinion_map import group_styles
from consult.analysis.personal import personal_summary
from consult.analysis.roles import statement_roles
from consult.consultations.models import Consultation
from consult.consultations.services import consultation_counts
from consult.consultations.views import load_consultation
from consult.errors import ConsultError
from consult.extensions import db
from consult.languages.services import translations_in
from consult.languages.shown import remember_translations
from consult.ratelimits import rate_limited
from consult.statements.models import Statement
from consult.statements.permissions import can_vote_statement
from consult.votes.services import cast_vote
from consult.web import id_arg, login_required, show_errors
from debate.result import AnalysisResult

bp = Blueprint("analysis", __name__)


def _load(slug: str) -> Consultation:
    return load_consultation(slug)


def _me(consultation: Consultation) -> str | None:
    if not current_user.is_authenticated:
        return None
    return adapters.participant_id(consultation.id, current_user.id)


@bp.route("/consultations/<slug>/insights")
def insights(slug: str) -> Any:
    """The consultation's analysis: opinion groups, common ground, differences, arguments."""
    return _render_insights(_load(slug))


def _render_insights(
    consultation: Consultation,
    *,
    exclude_form: ExcludeGroupForm | None = None,
    failed_group: str | None = None,
    status: int = 200,
) -> Any:
    asked = request.args.get("group", "").strip()
    if len(asked) > 3 or (asked and not asked.isalnum()):
        abort(400)
    result, meta = services.get_analysis_result(consultation)
    db.session.commit()  # keep the cache if it was recomputed inline
    counts = consultation_counts([consultation.id])[consultation.id]
    selected = group_by_label(result, group_styles(result), asked) if result and asked else None
    data = (
        build_insights(consultation, result, me=_me(consultation), selected=selected)
        if result
        else None
    )
    if data is not None:
        remember_translations(statements_in(data))
    return (
        render_template(
            "analysis/insights.html",
            consultation=consultation,
            counts=counts,
            data=data,
            meta=meta,
            active_tab="insights",
            remaining=_remaining(consultation),
            refresh_job=tasks.refresh_job_of(consultation.id) if meta.refreshing else None,
            quality=quality.data_quality(consultation),
            languages=language_insights(consultation, result),
            can_exclude=quality.can_exclude_votes(current_user, consultation),
            exclude_form=exclude_form or ExcludeGroupForm(formdata=None),
            failed_group=failed_group,
            lift_form=LiftExclusionForm(formdata=None),
            asked_group=asked.upper() if asked and selected is None else None,
        ),
        status,
    )


def statements_in(data: Any, depth: int = 6) -> Iterator[Statement]:
    """Every statement in the insights data (dicts, lists and dataclasses, a few levels deep)."""
    if isinstance(data, Statement):
        yield data
    elif depth <= 0 or isinstance(data, str | bytes | int | float) or data is None:
        return
    elif isinstance(data, Mapping):
        for value in data.values():
            yield from statements_in(value, depth - 1)
    elif isinstance(data, list | tuple | set):
        for value in data:
            yield from statements_in(value, depth - 1)
    elif is_dataclass(data) and not isinstance(data, type):
        for item in fields(data):
            yield from statements_in(getattr(data, item.name), depth - 1)


@bp.route("/consultations/<slug>/exclusions", methods=["POST"])
@login_required
@rate_limited("exclusion")
def exclude_votes(slug: str) -> Any:
    """Leave a suspected group's votes out of the analysis (the panel's form)."""
    consultation = _load(slug)
    if not quality.can_exclude_votes(current_user, consultation):
        abort(403)
    form = ExcludeGroupForm()
    if not form.validate_on_submit():
        return _render_insights(
            consultation, exclude_form=form, failed_group=form.group.data, status=422
        )
    try:
        quality.exclude_group(
            consultation, current_user, form.group.data, reason=form.reason.data or ""
        )
    except ConsultError as exc:
        db.session.rollback()
        show_errors(form, exc, "group")
        return _render_insights(
            consultation, exclude_form=form, failed_group=form.group.data, status=exc.status
        )
    db.session.commit()
    flash(_("These votes are now left out of the analysis. You can bring them back."), "success")
    return redirect(url_for("analysis.insights", slug=slug, _anchor="data-quality"))


@bp.route("/consultations/<slug>/exclusions/<int:exclusion_id>/lift", methods=["POST"])
@login_required
@rate_limited("exclusion")
def lift_exclusion(slug: str, exclusion_id: int) -> Any:
    """Bring excluded votes back into the analysis (the panel's form)."""
    consultation = _load(slug)
    if not quality.can_exclude_votes(current_user, consultation):
        abort(403)
    form = LiftExclusionForm()
    if not form.validate_on_submit():
        flash(_("The form has expired: please try again."), "error")
        return redirect(url_for("analysis.insights", slug=slug, _anchor="data-quality"))
    try:
        quality.lift_exclusion(
            consultation, current_user, exclusion_id, reason=form.reason.data or ""
        )
    except ConsultError as exc:
        db.session.rollback()
        if exc.status == 404:
            abort(404)
        flash(exc.message, "error")
        return redirect(url_for("analysis.insights", slug=slug, _anchor="data-quality"))
    db.session.commit()
    flash(_("These votes are back in the analysis."), "success")
    return redirect(url_for("analysis.insights", slug=slug, _anchor="data-quality"))


def _remaining(consultation: Consultation) -> int | None:
    """How many visible statements the viewer has not voted on (None: not signed in)."""
    if not current_user.is_authenticated:
        return None
    return len(services.unvoted_statement_ids(consultation, current_user))


@bp.route("/consultations/<slug>/next", methods=["GET", "POST"])
@rate_limited("vote")
def next_statement(slug: str) -> Any:
    """Show the statement the analysis most wants this person's vote on, with vote buttons."""
    consultation = _load(slug)
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.path))
    form = NextVoteForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            statement = db.session.get(Statement, form.statement.data)
            if statement is None or statement.consultation_id != consultation.id:
                abort(404)
            try:
                cast_vote(statement, current_user, form.value.data)
            except ConsultError as exc:
                db.session.rollback()
                flash(exc.message, "error")
                return redirect(url_for("analysis.next_statement", slug=slug))
            voted = statement.id  # read before the commit, which expires the object
            db.session.commit()
            return redirect(url_for("analysis.next_statement", slug=slug, voted=voted))
        status = 422
    statement = services.next_statement_for(
        consultation, current_user, language=str(get_locale() or "en")
    )
    db.session.commit()
    voted, remaining = services.vote_progress(consultation, current_user)
    summary = personal_summary(consultation, current_user)
    if summary is not None:
        remember_translations(d.statement for d in summary.differences)
    targets = services.statement_targets(statement) if statement is not None else []
    reader = str(get_locale() or "en")
    # The statement and the statements it argues about, in the reader's language (one query).
    shown = [s for s in [statement, *(t for _r, t in targets)] if s is not None]
    found = translations_in(
        reader, [s.id for s in shown if s.language is not None and s.language != reader]
    )
    translation = found.get(statement.id) if statement is not None else None
    return (
        render_template(
            "analysis/next.html",
            consultation=consultation,
            statement=statement,
            targets=targets,
            translation=translation,
            target_translations=found,
            form=NextVoteForm(formdata=None, statement=statement.id if statement else None),
            errors=form.errors if status == 422 else {},
            can_vote=statement is not None and can_vote_statement(current_user, statement),
            voted=voted,
            remaining=remaining,
            total=voted + remaining,
            just_voted=id_arg("voted"),
            summary=summary,
            active_tab="insights",
        ),
        status,
    )


# --------------------------------------------------------------------------------------------
# Thread page: a link to the next statement, and analysis badges on statement cards


def thread_analysis_context(
    consultation: Consultation, viewer: Any, statement_ids: list[int]
) -> dict[str, Any]:
    """Links to the insights and next-statement pages, and each statement's analysis role."""
    context: dict[str, Any] = {
        "analysis_insights_url": url_for("analysis.insights", slug=consultation.slug),
        "analysis_next_url": None,
        "analysis_remaining": None,
        "analysis_badges": {},
        "analysis_summary": None,
    }
    if consultation.is_open and viewer is not None and getattr(viewer, "is_authenticated", False):
        remaining = services.unvoted_statement_count(consultation, viewer)
        context["analysis_remaining"] = remaining
        if remaining:
            context["analysis_next_url"] = url_for(
                "analysis.next_statement", slug=consultation.slug
            )
    cached = services.cached_analysis(consultation)  # never recompute for the thread page
    if cached is not None:
        result = AnalysisResult.from_json(cached.result)
        context["analysis_badges"] = statement_badges(result)
        if viewer is not None and getattr(viewer, "is_authenticated", False):
            summary = personal_summary(consultation, viewer, result)
            if summary is not None:
                remember_translations(d.statement for d in summary.differences)
            context["analysis_summary"] = summary
    return context


def statement_badges(result: AnalysisResult) -> dict[int, list[str]]:
    """Return {statement id: ["common-ground" | "divisive" | "bridging"]} from an analysis."""
    badges: dict[int, list[str]] = {}

    def add(key: str, badge: str) -> None:
        if key.isdigit():
            badges.setdefault(int(key), [])
            if badge not in badges[int(key)]:
                badges[int(key)].append(badge)

    roles = statement_roles(result)  # never both "common ground" and "divisive"
    for item in result.consensus.agree:
        if roles.is_common_ground(item.statement):
            add(item.statement, "common-ground")
    for divisive in [d for d in result.divisive if roles.is_divisive(d.statement)][:5]:
        add(divisive.statement, "divisive")
    bridging = sorted(((k, v) for k, v in result.bridging.items() if v > 0), key=lambda kv: -kv[1])
    for key, _score in bridging[:3]:
        add(key, "bridging")
    return badges


#: Rendered inside every statement card of the discussion page.
STATEMENT_PARTIAL = "analysis/_statement_badges.html"
