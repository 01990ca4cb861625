"""The report page and its downloads."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template, stream_with_context
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from consult.consultations.models import Consultation
from consult.consultations.views import load_consultation
from consult.reports.documents import report_context
from consult.reports.exporters import FORMATS, export_chunks, export_filename
from consult.responses.permissions import can_view_report

bp = Blueprint("reports", __name__)


def load_report_consultation(slug: str) -> Consultation:
    """Return the consultation if the viewer may read its report; 404 or 403 otherwise."""
    consultation = load_consultation(slug)
    if not can_view_report(current_user, consultation):
        abort(403, description=_l("The report is published when the policymakers have answered."))
    return consultation


def download_response(consultation: Consultation, fmt: str) -> Response:
    """Stream an export as a file download."""
    spec = FORMATS[fmt]
    response = Response(
        stream_with_context(export_chunks(consultation, fmt)), mimetype=spec.mimetype
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{export_filename(consultation, fmt)}"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/consultations/<slug>/report")
def show(slug: str) -> Any:
    """The printable report for the people who decide."""
    consultation = load_report_consultation(slug)
    context = report_context(consultation, absolute_links=False)
    formats = [(f.name, f.label) for f in FORMATS.values()]
    # On screen the report opens on its overview; each section below unfolds (the exports and
    # the PDF show everything).
    return render_template("reports/show.html", formats=formats, report_fold=True, **context)


@bp.route("/consultations/<slug>/report.<fmt>")
def download(slug: str, fmt: str) -> Any:
    """Download the report or the data in one of the export formats."""
    if fmt not in FORMATS:
        abort(404)
    consultation = load_report_consultation(slug)
    return download_response(consultation, fmt)
