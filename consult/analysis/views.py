"""The insights page and "vote on the next statement"."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from consult.analysis import adapters, services
from consult.analysis.forms import NextVoteForm
from consult.analysis.insights import build_insights
from consult.consultations.models import Consultation
from consult.consultations.permissions import can_view_consultation
from consult.consultations.services import consultation_counts, get_consultation_by_slug
from consult.errors import ConsultError
from consult.extensions import db
from consult.ratelimits import rate_limited
from consult.statements.models import Statement
from consult.statements.permissions import can_vote_statement
from consult.votes.services import cast_vote
from consult.web import id_arg
from debate.result import AnalysisResult

bp = Blueprint("analysis", __name__)


def _load(slug: str) -> Consultation:
    consultation = get_consultation_by_slug(slug)
    if consultation is None or not can_view_consultation(current_user, consultation):
        abort(404)
    return consultation


def _me(consultation: Consultation) -> str | None:
    if not current_user.is_authenticated:
        return None
    return adapters.participant_id(consultation.id, current_user.id)


@bp.route("/consultations/<slug>/insights")
def insights(slug: str) -> Any:
    """The consultation's analysis: opinion groups, common ground, differences, arguments."""
    consultation = _load(slug)
    result, meta = services.get_analysis_result(consultation)
    db.session.commit()  # keep the cache if it was recomputed inline
    counts = consultation_counts([consultation.id])[consultation.id]
    data = build_insights(consultation, result, me=_me(consultation)) if result else None
    return render_template(
        "analysis/insights.html",
        consultation=consultation,
        counts=counts,
        data=data,
        meta=meta,
        active_tab="insights",
        remaining=_remaining(consultation),
    )


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
            db.session.commit()
            return redirect(url_for("analysis.next_statement", slug=slug, voted=statement.id))
        status = 422
    statement = services.next_statement_for(consultation, current_user)
    db.session.commit()
    voted, remaining = services.vote_progress(consultation, current_user)
    targets = services.statement_targets(statement) if statement is not None else []
    return (
        render_template(
            "analysis/next.html",
            consultation=consultation,
            statement=statement,
            targets=targets,
            form=NextVoteForm(formdata=None, statement=statement.id if statement else None),
            errors=form.errors if status == 422 else {},
            can_vote=statement is not None and can_vote_statement(current_user, statement),
            voted=voted,
            remaining=remaining,
            total=voted + remaining,
            just_voted=id_arg("voted"),
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
    }
    if consultation.is_open and viewer is not None and getattr(viewer, "is_authenticated", False):
        remaining = len(services.unvoted_statement_ids(consultation, viewer))
        context["analysis_remaining"] = remaining
        if remaining:
            context["analysis_next_url"] = url_for(
                "analysis.next_statement", slug=consultation.slug
            )
    cached = services.cached_analysis(consultation)  # never recompute for the thread page
    if cached is not None:
        context["analysis_badges"] = statement_badges(AnalysisResult.from_json(cached.result))
    return context


def statement_badges(result: AnalysisResult) -> dict[int, list[str]]:
    """Return {statement id: ["common-ground" | "divisive" | "bridging"]} from an analysis."""
    badges: dict[int, list[str]] = {}

    def add(key: str, badge: str) -> None:
        if key.isdigit():
            badges.setdefault(int(key), [])
            if badge not in badges[int(key)]:
                badges[int(key)].append(badge)

    for item in result.consensus.agree:
        add(item.statement, "common-ground")
    for divisive in result.divisive[:5]:
        add(divisive.statement, "divisive")
    bridging = sorted(((k, v) for k, v in result.bridging.items() if v > 0), key=lambda kv: -kv[1])
    for key, _score in bridging[:3]:
        add(key, "bridging")
    return badges


#: Rendered inside every statement card of the discussion page.
STATEMENT_PARTIAL = "analysis/_statement_badges.html"
