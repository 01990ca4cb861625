"""Report and data exports: json, csv (zip), xlsx, md, html, pdf, aif, argdown.

This module has the formats and the data exports (JSON, and the tables of CSV and XLSX); the
rows they read are :mod:`consult.reports.rows`, the human-readable documents (Markdown, HTML,
PDF) and the argument graph formats (AIF, Argdown) :mod:`consult.reports.documents`. Every
exporter is a generator of byte chunks, so a web response or a file streams them. Tables
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
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from consult.analysis.importance import importance_by_group
from consult.analysis.opinion_map import group_styles
from consult.analysis.quality import data_quality
from consult.consultations.models import Consultation
from consult.reports.documents import (
    export_aif,
    export_argdown,
    export_html,
    export_markdown,
    export_pdf,
)
from consult.reports.rows import (
    BATCH,
    Anonymiser,
    consultation_record,
    iter_links,
    iter_participants,
    iter_response_items,
    iter_responses,
    iter_statements,
    iter_vote_rows,
)
from consult.reports.services import get_report_analysis
from consult.reports.xlsx import stream_xlsx
from consult.text import spreadsheet_safe
from consult.types import utcnow
from consult.votes.models import VoteValue
from debate.result import AnalysisResult

EXPORT_FORMAT = "kenes-export"
EXPORT_VERSION = 1


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
        "data_quality": data_quality(consultation).as_dict(),
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
    result = export_analysis(consultation)
    yield b',\n"importance":'
    yield from _json_array(iter_importance(consultation, result))
    yield b',\n"analysis":' + _dumps(result.to_json()).encode() + b"}\n"


def iter_importance(
    consultation: Consultation, analysis: AnalysisResult
) -> Iterator[dict[str, Any]]:
    """ "This matters to me" marks by statement and opinion group (every marked statement)."""
    for item in importance_by_group(consultation, analysis, group_styles(analysis), limit=10**9):
        yield {
            "statement": item.statement.id,
            "marks": item.marks,
            "groups": [
                {"group": g.label, "marks": g.marks, "group_share": round(g.share, 4)}
                for g in item.groups
            ],
            "ungrouped": item.ungrouped,
        }


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
    # The group's letter as every page shows it (its stable id stays in "group").
    styles = group_styles(analysis)

    def label(group: int | None) -> str:
        return styles.of(group).label

    return {
        "analysis_groups": (
            ["group", "size", "label"],
            ([g.id, g.size, label(g.id)] for g in groups),
        ),
        "analysis_representative": (
            [
                "group",
                "rank",
                "statement",
                "direction",
                "agree",
                "disagree",
                "pass",
                "repness",
                "label",
            ],
            (
                [
                    g.id,
                    rank,
                    r.statement,
                    r.direction,
                    r.agree,
                    r.disagree,
                    r.pass_,
                    r.repness,
                    label(g.id),
                ]
                for g in groups
                for rank, r in enumerate(g.representative, start=1)
            ),
        ),
        "analysis_participants": (
            ["participant", "group", "label"],
            ([pid, group, label(group)] for pid, group in analysis.participants.items()),
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


def data_quality_tables(
    consultation: Consultation,
) -> Iterator[tuple[str, list[str], Iterable[list[Any]]]]:
    """The data-quality panel as two tables: the suspected groups and the vote exclusions."""
    dq = data_quality(consultation).as_dict()
    group_fields = [
        "id",
        "accounts",
        "votes",
        "share_of_votes",
        "similarity",
        "accounts_created_from",
        "accounts_created_to",
        "first_vote_at",
        "excluded",
        "exclusion",
    ]
    summary = [["flagged_unreviewed", dq["flagged_unreviewed"]], ["pending", dq["pending"]]]
    yield "data_quality", ["key", "value"], summary
    yield (
        "suspected_groups",
        group_fields,
        ([g[f] for f in group_fields] for g in dq["suspected_groups"]),
    )
    exclusion_fields = [
        "id",
        "group",
        "accounts",
        "votes",
        "reason",
        "active",
        "excluded_at",
        "excluded_by",
        "lifted_at",
        "lifted_by",
    ]
    yield (
        "vote_exclusions",
        exclusion_fields,
        ([e[f] for f in exclusion_fields] for e in dq["exclusions"]),
    )


def export_tables(
    consultation: Consultation,
) -> Iterator[tuple[str, list[str], Iterable[list[Any]]]]:
    """(name, header, rows) of every table of the export, rows lazily."""
    anon = Anonymiser(consultation.id)
    record = consultation_record(consultation)
    yield "consultation", ["key", "value"], ([k, v] for k, v in record.items())
    yield from data_quality_tables(consultation)
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
    analysis = export_analysis(consultation)
    for name, (header, rows) in _analysis_tables(analysis).items():
        yield name, header, rows
    yield (
        "importance",
        ["statement", "group", "marks", "group_share"],
        (
            [item.statement.id, g.label, g.marks, round(g.share, 4)]
            for item in importance_by_group(
                consultation, analysis, group_styles(analysis), limit=10**9
            )
            for g in item.groups
        ),
    )


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
