"""Report and data exports: json, csv (zip), xlsx, md, html, pdf, aif, argdown.

Every exporter is a generator of byte chunks, so a web response or a file streams them. Tables
are read with ``yield_per`` (a server-side cursor on PostgreSQL), and votes are never held in
memory as a whole: a 1M-vote consultation exports in bounded memory (docs/benchmarks.md).

Participants are anonymised with the analysis's own opaque ids
(``consult.analysis.adapters.participant_id``: an HMAC of consultation and user id under the
server secret), so the ids in ``votes`` match the ids in ``analysis.participants``; authors of
statements get the same ids. No user id, e-mail or display name of a participant is exported.
Hidden statements keep their place (their votes shape the analysis, as in Pol.is) but not their
text; pending statements are left out; votes of participants the analysis excludes (blocked
accounts) are left out.
"""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import current_app, has_request_context, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import String, func, select, type_coerce

from consult.analysis.adapters import exclusions_for, participant_id
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.reports import charts
from consult.reports.markdown import report_markdown
from consult.reports.services import build_report, get_report_analysis, site_url
from consult.reports.xlsx import stream_xlsx
from consult.responses.models import Response, ResponseItem, response_statements
from consult.responses.services import decision_label
from consult.statements.models import Statement, StatementLink, StatementStatus
from consult.text import spreadsheet_safe
from consult.types import utcnow
from consult.votes.models import Vote, VoteValue
from debate.aif import aif_json
from debate.argdown import argdown_text
from debate.graph import argument_graph
from debate.result import AnalysisResult
from debate.types import Claim, Relation, RelationKind

EXPORT_FORMAT = "kenes-export"
EXPORT_VERSION = 1
BATCH = 5000
HIDDEN_TEXT = "[hidden by moderation]"
VOTE_LABELS = {1: "agree", -1: "disagree", 0: "pass"}


@dataclass(frozen=True)
class Format:
    """An export format: its MIME type and file extension."""

    name: str
    mimetype: str
    extension: str
    label: str


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("json", "application/json", "json", "JSON"),
        Format("csv", "application/zip", "csv.zip", "CSV"),
        Format(
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
            "Excel",
        ),
        Format("md", "text/markdown; charset=utf-8", "md", "Markdown"),
        Format("html", "text/html; charset=utf-8", "html", "HTML"),
        Format("pdf", "application/pdf", "pdf", "PDF"),
        Format("aif", "application/json", "aif.json", "AIF"),
        Format("argdown", "text/plain; charset=utf-8", "argdown", "Argdown"),
    )
}


def export_filename(consultation: Consultation, fmt: str) -> str:
    """The download file name of an export."""
    return f"{consultation.slug}-report.{FORMATS[fmt].extension}"


# --------------------------------------------------------------------------------------------
# Anonymisation and rows


class Anonymiser:
    """Opaque participant ids, the same scheme everywhere in an export (and in the analysis)."""

    def __init__(self, consultation_id: int) -> None:
        self._id = participant_id
        self.consultation_id = consultation_id
        self._cache: dict[int, str] = {}

    def __call__(self, user_id: int | None) -> str | None:
        if user_id is None:
            return None
        found = self._cache.get(user_id)
        if found is None:
            found = self._id(self.consultation_id, user_id)
            if len(self._cache) < 500_000:
                self._cache[user_id] = found
        return found


def excluded_users(consultation: Consultation) -> frozenset[int]:
    """Participants the analysis leaves out (blocked accounts): their votes are not exported."""
    return exclusions_for(consultation).users


def _iso(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _stream(query: Any) -> Iterator[Any]:
    """Run a SELECT as plain rows in batches (a server-side cursor on PostgreSQL)."""
    connection = db.session.connection()
    result = connection.execute(query.execution_options(yield_per=BATCH))
    yield from result


def timestamp_column(column: Any) -> Any:
    """SQL giving a timestamp column as ISO 8601 text in UTC, without per-row Python work."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')
    # SQLite stores "YYYY-MM-DD HH:MM:SS.ffffff" in UTC (see consult.types.UTCDateTime).
    return func.replace(type_coerce(column, String), " ", "T") + "+00:00"


def consultation_record(consultation: Consultation) -> dict[str, Any]:
    """The consultation's own fields."""
    return {
        "id": consultation.id,
        "slug": consultation.slug,
        "title": consultation.title,
        "summary": consultation.summary,
        "body": consultation.body,
        "status": consultation.status.value,
        "moderation": consultation.moderation.value,
        "response_policy": consultation.response_policy.value,
        "flag_threshold": consultation.flag_threshold,
        "created_at": _iso(consultation.created_at),
        "opens_at": _iso(consultation.opens_at),
        "closes_at": _iso(consultation.closes_at),
        "closed_at": _iso(consultation.closed_at),
        "reported_at": _iso(consultation.reported_at),
    }


def _exported_statement_filter(cid: int) -> Any:
    return (Statement.consultation_id == cid) & (Statement.status != StatementStatus.pending)


def iter_participants(consultation: Consultation, anon: Anonymiser) -> Iterator[str]:
    """Opaque ids of everyone who voted or wrote, in the order the analysis uses (by account)."""
    cid = consultation.id
    skip = excluded_users(consultation)
    voters = select(Vote.user_id.label("uid")).where(Vote.consultation_id == cid)
    authors = select(Statement.author_id.label("uid")).where(
        _exported_statement_filter(cid), Statement.author_id.is_not(None)
    )
    union = voters.union(authors).subquery()
    for (uid,) in _stream(select(union.c.uid).order_by(union.c.uid)):
        if uid not in skip:
            yield anon(uid)  # type: ignore[misc]


def iter_statements(consultation: Consultation, anon: Anonymiser) -> Iterator[dict[str, Any]]:
    """Every published, hidden or merged statement (hidden ones without their text)."""
    query = (
        select(
            Statement.id,
            Statement.kind,
            Statement.status,
            Statement.text,
            Statement.author_id,
            timestamp_column(Statement.created_at),
            Statement.merged_into_id,
            Statement.external_id,
        )
        .where(_exported_statement_filter(consultation.id))
        .order_by(Statement.id)
    )
    for sid, kind, status, text, author_id, created_at, merged_into, external_id in _stream(query):
        yield {
            "id": sid,
            "kind": kind.value,
            "status": status.value,
            "text": HIDDEN_TEXT if status is StatementStatus.hidden else text,
            "author": anon(author_id),
            "created_at": created_at,
            "merged_into": merged_into,
            "external_id": external_id,
        }


def iter_links(consultation: Consultation) -> Iterator[dict[str, Any]]:
    """Support and attack links between exported statements."""
    source = Statement.__table__.alias("src")
    target = Statement.__table__.alias("dst")
    query = (
        select(
            StatementLink.source_id,
            StatementLink.target_id,
            StatementLink.relation,
            timestamp_column(StatementLink.created_at),
        )
        .join(source, source.c.id == StatementLink.source_id)
        .join(target, target.c.id == StatementLink.target_id)
        .where(
            StatementLink.consultation_id == consultation.id,
            source.c.status != StatementStatus.pending.value,
            target.c.status != StatementStatus.pending.value,
        )
        .order_by(StatementLink.id)
    )
    for source_id, target_id, relation, created_at in _stream(query):
        yield {
            "source": source_id,
            "target": target_id,
            "relation": relation.value,
            "created_at": created_at,
        }


def iter_votes(consultation: Consultation, anon: Anonymiser) -> Iterator[dict[str, Any]]:
    """Every vote on an exported statement, participants anonymised, in id order."""
    for participant, sid, label, created_at, updated_at in iter_vote_rows(consultation, anon):
        yield {
            "participant": participant,
            "statement": sid,
            "value": label,
            "created_at": created_at,
            "updated_at": updated_at,
        }


def iter_vote_rows(
    consultation: Consultation, anon: Anonymiser
) -> Iterator[tuple[str, int, str, str | None, str | None]]:
    """(participant, statement, value label, created_at, updated_at) of every exported vote.

    Plain tuples with timestamps formatted by the database: a million votes stream in seconds.
    """
    skip = excluded_users(consultation)
    exported = select(Statement.id).where(_exported_statement_filter(consultation.id))
    query = (
        select(
            Vote.user_id,
            Vote.statement_id,
            Vote.value,
            timestamp_column(Vote.created_at),
            timestamp_column(Vote.updated_at),
        )
        .where(Vote.consultation_id == consultation.id, Vote.statement_id.in_(exported))
        .order_by(Vote.id)
    )
    labels = VOTE_LABELS
    for uid, sid, value, created_at, updated_at in _stream(query):
        if uid in skip:
            continue
        yield anon(uid), sid, labels[value], created_at, updated_at  # type: ignore[misc]


def iter_responses(consultation: Consultation) -> Iterator[dict[str, Any]]:
    """Official responses with the statements each answers."""
    links: dict[int, list[int]] = {}
    for rid, sid in db.session.execute(
        select(response_statements.c.response_id, response_statements.c.statement_id)
        .join(Response, Response.id == response_statements.c.response_id)
        .where(Response.consultation_id == consultation.id)
        .order_by(response_statements.c.statement_id)
    ):
        links.setdefault(rid, []).append(sid)
    for response in db.session.scalars(
        select(Response).where(Response.consultation_id == consultation.id).order_by(Response.id)
    ):
        yield {
            "id": response.id,
            "statements": links.get(response.id, []),
            "decision": response.decision.value,
            "text": response.text,
            "measure_url": response.measure_url,
            "language": response.language,
            "created_at": _iso(response.created_at),
            "updated_at": _iso(response.updated_at),
        }


def iter_response_items(consultation: Consultation) -> Iterator[dict[str, Any]]:
    """Statements that needed an answer, with due dates and extensions."""
    for item in db.session.scalars(
        select(ResponseItem)
        .where(ResponseItem.consultation_id == consultation.id)
        .order_by(ResponseItem.statement_id)
    ):
        yield {
            "statement": item.statement_id,
            "reason": item.reason,
            "due_on": _iso(item.due_on),
            "extended_due_on": _iso(item.extended_due_on),
            "extension_reason": item.extension_reason,
            "extended_at": _iso(item.extended_at),
            "response": item.response_id,
            "answered_at": _iso(item.answered_at),
            "created_at": _iso(item.created_at),
        }


def export_analysis(consultation: Consultation) -> AnalysisResult:
    """The analysis (section 4 of API.md, plus extras), computed if stale."""
    analysis, _meta = get_report_analysis(consultation)
    return analysis


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_json_default)


# --------------------------------------------------------------------------------------------
# JSON


def _json_array(rows: Iterable[Any]) -> Iterator[bytes]:
    buffer: list[str] = []
    first = True
    for row in rows:
        buffer.append(("[\n" if first else ",\n") + _dumps(row))
        first = False
        if len(buffer) >= BATCH:
            yield "".join(buffer).encode()
            buffer = []
    buffer.append("[]" if first else "\n]")
    yield "".join(buffer).encode()


def _json_votes(consultation: Consultation, anon: Anonymiser) -> Iterator[bytes]:
    """The votes array, formatted directly: every field is an id, a label or an ISO time."""
    buffer: list[str] = []
    separator = "[\n"
    for participant, sid, label, created_at, updated_at in iter_vote_rows(consultation, anon):
        buffer.append(
            f'{separator}{{"participant":"{participant}","statement":{sid},"value":"{label}",'
            f'"created_at":{_json_text(created_at)},"updated_at":{_json_text(updated_at)}}}'
        )
        separator = ",\n"
        if len(buffer) >= BATCH:
            yield "".join(buffer).encode()
            buffer = []
    buffer.append("[]" if separator == "[\n" else "\n]")
    yield "".join(buffer).encode()


def _json_text(value: str | None) -> str:
    return "null" if value is None else f'"{value}"'


def export_json(consultation: Consultation) -> Iterator[bytes]:
    """The full data: consultation, participants, statements, links, votes, responses, analysis."""
    anon = Anonymiser(consultation.id)
    head = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": utcnow().isoformat(),
        "consultation": consultation_record(consultation),
    }
    yield _dumps(head)[:-1].encode()
    for key, rows in (
        ("participants", iter_participants(consultation, anon)),
        ("statements", iter_statements(consultation, anon)),
        ("links", iter_links(consultation)),
    ):
        yield f',\n"{key}":'.encode()
        yield from _json_array(rows)
    yield b',\n"votes":'
    yield from _json_votes(consultation, anon)
    for key, rows in (
        ("responses", iter_responses(consultation)),
        ("response_items", iter_response_items(consultation)),
    ):
        yield f',\n"{key}":'.encode()
        yield from _json_array(rows)
    analysis = export_analysis(consultation).to_json()
    yield b',\n"analysis":' + _dumps(analysis).encode() + b"}\n"


# --------------------------------------------------------------------------------------------
# Tables (CSV and XLSX share them)


def _analysis_tables(analysis: AnalysisResult) -> dict[str, tuple[list[str], Iterable[list[Any]]]]:
    per_statement: dict[str, dict[str, Any]] = {}

    def put(sid: str, key: str, value: Any) -> None:
        per_statement.setdefault(sid, {})[key] = value

    scores = {
        "strength": analysis.strength,
        "bridging": analysis.bridging,
        "group_informed_consensus": analysis.group_informed_consensus,
    }
    for key, values in scores.items():
        for sid, value in values.items():
            put(sid, key, value)
    for side, entries in (
        ("agree", analysis.consensus.agree),
        ("disagree", analysis.consensus.disagree),
    ):
        for entry in entries:
            put(entry.statement, "consensus", side)
    for divisive in analysis.divisive:
        put(divisive.statement, "divisive_spread", divisive.spread)
    for uncertain in analysis.uncertain:
        put(uncertain.statement, "uncertain_pass", uncertain.pass_)
    for crux in analysis.cruxes:
        put(crux.statement, "crux_score", crux.score)
    metric_columns = [
        "strength",
        "bridging",
        "group_informed_consensus",
        "consensus",
        "divisive_spread",
        "uncertain_pass",
        "crux_score",
    ]

    def sort_key(sid: str) -> tuple[int, Any]:
        return (0, int(sid)) if sid.isdigit() else (1, sid)

    groups = analysis.groups
    return {
        "analysis_groups": (["group", "size"], ([g.id, g.size] for g in groups)),
        "analysis_representative": (
            ["group", "rank", "statement", "direction", "agree", "disagree", "pass", "repness"],
            (
                [g.id, rank, r.statement, r.direction, r.agree, r.disagree, r.pass_, r.repness]
                for g in groups
                for rank, r in enumerate(g.representative, start=1)
            ),
        ),
        "analysis_participants": (
            ["participant", "group"],
            ([pid, group] for pid, group in analysis.participants.items()),
        ),
        "analysis_statements": (
            ["statement", *metric_columns],
            (
                [sid, *[per_statement[sid].get(c) for c in metric_columns]]
                for sid in sorted(per_statement, key=sort_key)
            ),
        ),
        "analysis_summary": (
            ["key", "value"],
            (
                [k, v]
                for k, v in (
                    ("controversy", analysis.controversy),
                    ("k", analysis.k),
                    ("seed", analysis.seed),
                )
            ),
        ),
    }


def export_tables(
    consultation: Consultation,
) -> Iterator[tuple[str, list[str], Iterable[list[Any]]]]:
    """(name, header, rows) of every table of the export, rows lazily."""
    anon = Anonymiser(consultation.id)
    record = consultation_record(consultation)
    yield "consultation", ["key", "value"], ([k, v] for k, v in record.items())
    yield (
        "participants",
        ["participant"],
        ([pid] for pid in iter_participants(consultation, anon)),
    )
    yield (
        "statements",
        ["id", "kind", "status", "text", "author", "created_at", "merged_into", "external_id"],
        (
            [
                s["id"],
                s["kind"],
                s["status"],
                s["text"],
                s["author"],
                s["created_at"],
                s["merged_into"],
                s["external_id"],
            ]
            for s in iter_statements(consultation, anon)
        ),
    )
    yield (
        "links",
        ["source", "target", "relation", "created_at"],
        (
            [lk["source"], lk["target"], lk["relation"], lk["created_at"]]
            for lk in iter_links(consultation)
        ),
    )
    yield (
        "votes",
        ["participant", "statement", "value", "created_at", "updated_at"],
        (list(row) for row in iter_vote_rows(consultation, anon)),
    )
    responses = list(iter_responses(consultation))
    yield (
        "responses",
        ["id", "decision", "text", "measure_url", "language", "created_at", "updated_at"],
        (
            [
                r["id"],
                r["decision"],
                r["text"],
                r["measure_url"],
                r["language"],
                r["created_at"],
                r["updated_at"],
            ]
            for r in responses
        ),
    )
    yield (
        "response_statements",
        ["response", "statement"],
        ([r["id"], sid] for r in responses for sid in r["statements"]),
    )
    yield (
        "response_items",
        [
            "statement",
            "reason",
            "due_on",
            "extended_due_on",
            "extension_reason",
            "extended_at",
            "response",
            "answered_at",
            "created_at",
        ],
        (list(item.values()) for item in iter_response_items(consultation)),
    )
    for name, (header, rows) in _analysis_tables(export_analysis(consultation)).items():
        yield name, header, rows


class _ChunkWriter(io.RawIOBase):
    """A write-only, non-seekable file whose written bytes are collected for a generator."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        data = bytes(data)
        self.chunks.append(data)
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def take(self) -> bytes:
        out = b"".join(self.chunks)
        self.chunks = []
        return out


def export_csv(consultation: Consultation) -> Iterator[bytes]:
    """A zip of one UTF-8 CSV file per table, streamed."""
    sink = _ChunkWriter()
    with zipfile.ZipFile(
        sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1, allowZip64=True
    ) as archive:
        for name, header, rows in export_tables(consultation):
            with archive.open(f"{name}.csv", "w", force_zip64=True) as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                writer = csv.writer(text)
                writer.writerow(header)
                for i, row in enumerate(rows, start=1):
                    writer.writerow(["" if v is None else spreadsheet_safe(v) for v in row])
                    if i % BATCH == 0:
                        text.flush()
                        chunk = sink.take()
                        if chunk:
                            yield chunk
                text.flush()
                text.detach()
            chunk = sink.take()
            if chunk:
                yield chunk
    yield sink.take()


def export_xlsx(consultation: Consultation) -> Iterator[bytes]:
    """An Excel workbook with one sheet per table, streamed (see consult/reports/xlsx.py)."""
    yield from stream_xlsx(_ChunkWriter(), export_tables(consultation), batch=BATCH)


# --------------------------------------------------------------------------------------------
# The report: Markdown, HTML, PDF


def _base_url() -> str:
    base = site_url()
    if not base and has_request_context():
        base = request.url_root.rstrip("/")
    return base


def statement_href_factory(*, absolute: bool) -> Callable[[int], str]:
    """Links from the report to statements: the thread page, or the appendix when offline."""
    base = _base_url() if absolute else ""
    if absolute and not base:
        return lambda sid: f"#st-{sid}"
    return lambda sid: f"{base}/statements/{sid}"


def report_context(
    consultation: Consultation, *, absolute_links: bool, report: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The template context of the report (page, HTML and PDF exports)."""
    report = report or build_report(consultation)
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
    yield HTML(string=html, base_url=base).write_pdf()


def export_markdown(consultation: Consultation) -> Iterator[bytes]:
    """The report as Markdown."""
    with _request_context():
        report = build_report(consultation)
        text = report_markdown(report, statement_href_factory(absolute=True))
    yield text.encode()


# --------------------------------------------------------------------------------------------
# Argument graph: AIF and Argdown (debate.aif / debate.argdown)


def argument_graph_of(consultation: Consultation) -> Any:
    """The published statements and their links as a ``debate`` argument graph."""
    claims = []
    visible: set[int] = set()
    for sid, kind, text in _stream(
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
        for source, target, relation in _stream(
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
    yield json.dumps(data, ensure_ascii=False).encode()


def export_argdown(consultation: Consultation) -> Iterator[bytes]:
    """The argument graph as Argdown source."""
    G = argument_graph_of(consultation)
    yield argdown_text(G, title=consultation.title).encode()


EXPORTERS: dict[str, Callable[[Consultation], Iterator[bytes]]] = {
    "json": export_json,
    "csv": export_csv,
    "xlsx": export_xlsx,
    "md": export_markdown,
    "html": export_html,
    "pdf": export_pdf,
    "aif": export_aif,
    "argdown": export_argdown,
}


def export_chunks(consultation: Consultation, fmt: str) -> Iterator[bytes]:
    """Yield the export of a consultation in one of FORMATS."""
    if fmt not in EXPORTERS:
        raise ValueError(f"unknown format {fmt!r}")
    return EXPORTERS[fmt](consultation)


def vote_value(label: str) -> int:
    """The stored vote number of a label (agree / disagree / pass)."""
    return VoteValue.from_label(label).value
