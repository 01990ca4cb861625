"""``GET /api/v1/consultations/{id}/report?format=…``."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from consult.api import ApiError, api, forbid
from consult.consultations.services import get_visible_consultation
from consult.reports.exporters import FORMATS
from consult.reports.views import download_response
from consult.responses.permissions import can_view_report


@api.get("/consultations/<id:consultation_id>/report")
def consultation_report(consultation_id: int) -> Any:
    """The report / data export of a consultation.
    ---
    get:
      summary: Report or data export (anyone once reported; its policymakers always).
      parameters:
        - in: query
          name: format
          schema:
            type: string
            enum: [json, csv, xlsx, md, html, pdf, aif, argdown]
            default: json
      x-errors: [403, 404, 422]
      responses:
        200:
          description: >-
            The export: JSON (full data), CSV (zip of one file per table), XLSX, Markdown, HTML,
            PDF, AIF JSON or Argdown.
    """
    fmt = request.args.get("format", "json")
    if fmt not in FORMATS:
        raise ApiError(
            422,
            "validation_error",
            _l("Unknown format."),
            fields={"format": [_l("Use one of: %(formats)s.", formats=", ".join(FORMATS))]},
        )
    consultation = get_visible_consultation(consultation_id, current_user)
    if not can_view_report(current_user, consultation):
        raise forbid(_l("The report is available once it is published."))
    return download_response(consultation, fmt)
