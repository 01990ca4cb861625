"""The report as documents: Markdown, HTML and PDF (from the same template as the report page),
and the argument graph as AIF JSON and Argdown (debate.aif, debate.argdown)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import current_app, has_request_context, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from consult.analysis.quality import data_quality
from consult.consultations.models import Consultation
from consult.reports import charts
from consult.reports.markdown import data_quality_markdown, report_markdown
from consult.reports.rows import stream_rows
from consult.reports.services import build_report, site_url
from consult.responses.services import decision_label
from consult.statements.models import Statement, StatementLink, StatementStatus
from debate.aif import aif_json
from debate.argdown import argdown_text
from debate.graph import argument_graph
from debate.types import Claim, Relation, RelationKind

# --------------------------------------------------------------------------------------------
# The report: Markdown, HTML, PDF


def _base_url() -> str:
    base = site_url()
    if not base and has_request_context():
        base = request.url_root.rstrip("/")
    return base


def statement_href_factory(*, absolute: bool) -> Callable[[int], str]:
    """Links from the report to statements: each one's own page, or the appendix when offline."""
    base = _base_url() if absolute else ""
    if absolute and not base:
        return lambda sid: f"#st-{sid}"
    return lambda sid: f"{base}/statements/{sid}/branch"


def report_context(
    consultation: Consultation, *, absolute_links: bool, report: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The template context of the report (page, HTML and PDF exports)."""
    report = report or build_report(consultation, language=str(get_locale() or "en"))
    return {
        "report": report,
        "consultation": consultation,
        "statement_href": statement_href_factory(absolute=absolute_links),
        "share_bar": charts.share_bar,
        "decision_label": decision_label,
        "charts": {
            "participation": charts.participation_svg(
                report["participation"],
                labels={
                    "title": _("Participation over time"),
                    "desc": _("Votes and new participants per day."),
                    "votes": _("Votes per day"),
                    "new_participants": _("New participants per day"),
                    "week_of": _("week of"),
                },
            ),
            "gauge": charts.controversy_gauge(report["controversy"], label=_("Controversy score")),
        },
    }


def _css() -> Markup:
    path = os.path.join(current_app.static_folder or "", "css", "kenes.css")
    with open(path, encoding="utf-8") as handle:
        # Our own stylesheet, embedded so that the file stands alone.
        return Markup(handle.read().replace("</", "<\\/"))  # noqa: S704


def render_report_html(consultation: Consultation, *, pdf: bool = False) -> str:
    """The report as one self-contained HTML document."""
    context = report_context(consultation, absolute_links=True)
    return render_template(
        "reports/export.html",
        css=_css(),
        pdf=pdf,
        lang=str(get_locale() or "en"),
        **context,
    )


@contextmanager
def _request_context() -> Iterator[None]:
    """Templates and translations need a request: the CLI and tests have none, so fake one."""
    if has_request_context():
        yield
        return
    with current_app.test_request_context(base_url=site_url() or None):
        yield


def export_html(consultation: Consultation) -> Iterator[bytes]:
    """The report as a standalone HTML file."""
    with _request_context():
        html = render_report_html(consultation)
    yield html.encode()


def export_pdf(consultation: Consultation) -> Iterator[bytes]:
    """The report rendered to PDF from the same HTML (WeasyPrint)."""
    # Imported when a PDF is asked for: WeasyPrint loads Pango, which nothing else needs.
    from weasyprint import HTML

    with _request_context():
        html = render_report_html(consultation, pdf=True)
    base = current_app.static_folder or "."
    # Tagged PDF/UA-1: a structure tree for screen readers, the document's language (from the
    # <html lang>) and title in its metadata.
    yield HTML(string=html, base_url=base).write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True)


def export_markdown(consultation: Consultation) -> Iterator[bytes]:
    """The report as Markdown."""
    with _request_context():
        report = build_report(consultation, language=str(get_locale() or "en"))
        text = report_markdown(report, statement_href_factory(absolute=True))
    yield text.encode()


# --------------------------------------------------------------------------------------------
# Argument graph: AIF and Argdown (debate.aif / debate.argdown)


def argument_graph_of(consultation: Consultation) -> Any:
    """The published statements and their links as a ``debate`` argument graph."""
    claims = []
    visible: set[int] = set()
    for sid, kind, text in stream_rows(
        select(Statement.id, Statement.kind, Statement.text)
        .where(
            Statement.consultation_id == consultation.id,
            Statement.status == StatementStatus.visible,
        )
        .order_by(Statement.id)
    ):
        visible.add(sid)
        claims.append(Claim(id=str(sid), text=text, kind=kind.value))
    relations = [
        Relation(str(source), str(target), RelationKind(relation.value))
        for source, target, relation in stream_rows(
            select(StatementLink.source_id, StatementLink.target_id, StatementLink.relation)
            .where(StatementLink.consultation_id == consultation.id)
            .order_by(StatementLink.id)
        )
        if source in visible and target in visible
    ]
    G = argument_graph(claims, relations)
    G.graph["title"] = consultation.title
    return G


def export_aif(consultation: Consultation) -> Iterator[bytes]:
    """The argument graph in AIF JSON (I-nodes, RA/CA scheme nodes, edges)."""
    data = aif_json(argument_graph_of(consultation))
    # What was left out of the vote analysis travels with every export (AIF ignores extra keys).
    data["kenes:data_quality"] = data_quality(consultation).as_dict()
    yield json.dumps(data, ensure_ascii=False).encode()


def export_argdown(consultation: Consultation) -> Iterator[bytes]:
    """The argument graph as Argdown source."""
    G = argument_graph_of(consultation)
    text = argdown_text(G, title=consultation.title)
    notes = "\n".join(f"// {line}" for line in data_quality_lines(consultation))
    # After the front matter (which must open the document), before the arguments.
    head, sep, rest = text.partition("\n===\n") if text.startswith("===") else ("", "", text)
    yield (head + sep + notes + "\n\n" + rest).encode()


def data_quality_lines(consultation: Consultation) -> list[str]:
    """The data-quality section as plain lines (the Argdown export's header comment)."""
    with _request_context():
        blocks = data_quality_markdown(data_quality(consultation).as_dict())
    return [line.lstrip("#- ").strip() for block in blocks for line in block.splitlines()]
