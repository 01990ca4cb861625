"""The audit log page (moderators: their consultations; administrators: everything)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user

from consult.audit.access import readable_scope
from consult.audit.services import (
    AuditFilters,
    AuditScope,
    audit_actions,
    audit_csv,
    audit_csv_rows,
    audit_query,
)
from consult.types import utcnow
from consult.web import login_required, page_number, paginate, parse_id

bp = Blueprint("audit", __name__)

PER_PAGE = 50
FILTER_KEYS = ("consultation", "action", "actor", "target_type", "target_id", "since", "until")


def _id(value: str) -> int | None:
    return parse_id(value)


def _day(value: str, *, end: bool = False) -> datetime | None:
    try:
        parsed = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None
    return parsed + timedelta(days=1) if end else parsed


def page_filters() -> tuple[AuditFilters, dict[str, str]]:
    """Filters from the page's query string (bad values are ignored), and the raw values."""
    raw = {key: request.args.get(key, "").strip() for key in FILTER_KEYS}
    filters = AuditFilters(
        consultation_id=_id(raw["consultation"]),
        action=raw["action"][:40] or None,
        actor_id=_id(raw["actor"]),
        target_type=raw["target_type"][:40] or None,
        target_id=_id(raw["target_id"]),
        since=_day(raw["since"]),
        until=_day(raw["until"], end=True),
    )
    return filters, {k: v for k, v in raw.items() if v}


def csv_response(scope: AuditScope, filters: AuditFilters, filename: str) -> Response:
    """The filtered log as a CSV download (at most ``AUDIT_CSV_MAX`` rows)."""
    limit = int(current_app.config["AUDIT_CSV_MAX"])
    rows = audit_csv_rows(audit_query(scope, filters), limit)
    return Response(
        audit_csv(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )


@bp.route("/moderation/audit")
@login_required
def index() -> Any:
    """The audit log of the viewer's consultations (everything for admins); CSV export."""
    scope = readable_scope(current_user)
    if scope is None:
        abort(403)
    filters, raw = page_filters()
    if filters.consultation_id is not None and filters.consultation_id not in scope.consultations:
        abort(403)
    if request.args.get("format") == "csv":
        stamp = utcnow().strftime("%Y%m%d-%H%M")
        return csv_response(scope, filters, f"kenes-audit-{stamp}.csv")
    page = paginate(audit_query(scope, filters), page=page_number(), per_page=PER_PAGE)
    return render_template(
        "audit/index.html",
        entries=page.items,
        **page.numbers(),
        raw=raw,
        consultations=[{"id": cid, "title": t} for cid, t in scope.consultations.items()],
        consultation_titles=scope.consultations,
        actions=audit_actions(scope),
        active_tab="audit",
    )
