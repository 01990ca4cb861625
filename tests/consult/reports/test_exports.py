"""Every export format parses back and holds the right numbers; participants stay anonymous."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from consult.auth.models import Role, User
from consult.consultations.models import ConsultationStatus
from consult.extensions import db
from consult.reports.exporters import export_chunks
from consult.statements.models import StatementLink, StatementStatus
from consult.votes.models import Vote
from tests.consult.responses.conftest import Debate, answer


def export(consultation: Any, fmt: str) -> bytes:
    return b"".join(export_chunks(consultation, fmt))


@pytest.fixture
def debate(make_debate: Callable[..., Debate]) -> Debate:
    debate = make_debate(n=4)
    answer(
        debate,
        [debate.positions[0]],
        text="The tram network will be extended to every district.",
        measure_url="https://gov.example.kz/tram",
    )
    return debate


def n_votes(debate: Debate) -> int:
    return (
        db.session.scalar(
            select(func.count(Vote.id)).where(Vote.consultation_id == debate.consultation.id)
        )
        or 0
    )


def test_json_export_holds_everything_anonymised(debate: Debate) -> None:
    data = json.loads(export(debate.consultation, "json"))
    assert (
        data["format"] == "kenes-export"
        and data["consultation"]["slug"] == debate.consultation.slug
    )
    assert len(data["statements"]) == 9 and len(data["links"]) == 5
    assert len(data["votes"]) == n_votes(debate)
    participants = set(data["participants"])
    assert {v["participant"] for v in data["votes"]} <= participants
    assert {s["author"] for s in data["statements"]} <= participants
    assert set(data["analysis"]["participants"]) <= participants  # the same id scheme
    assert data["responses"][0]["decision"] == "accepted"
    raw = json.dumps(data)
    for user in db.session.scalars(select(User)):
        assert user.email not in raw
        assert user.display_name not in raw
    assert all(p.startswith("p") and len(p) == 17 for p in participants)


def test_rotating_the_session_secret_leaves_export_ids_unchanged(app: Any, debate: Debate) -> None:
    before = json.loads(export(debate.consultation, "json"))
    app.config["SECRET_KEY"] = "a-rotated-session-secret"
    after = json.loads(export(debate.consultation, "json"))
    assert len(before["participants"]) > 3
    assert after["participants"] == before["participants"]
    assert [v["participant"] for v in after["votes"]] == [v["participant"] for v in before["votes"]]
    app.config["ANALYSIS_ID_KEY"] = "another-analysis-key"
    rekeyed = json.loads(export(debate.consultation, "json"))
    assert set(rekeyed["participants"]).isdisjoint(before["participants"])


def test_json_export_leaves_out_pending_and_redacts_hidden(debate: Debate) -> None:
    debate.arguments[0].status = StatementStatus.hidden
    debate.arguments[1].status = StatementStatus.pending
    db.session.flush()
    data = json.loads(export(debate.consultation, "json"))
    by_id = {s["id"]: s for s in data["statements"]}
    assert debate.arguments[1].id not in by_id
    assert by_id[debate.arguments[0].id]["text"] == "[hidden by moderation]"
    assert all(v["statement"] != debate.arguments[1].id for v in data["votes"])


def test_csv_export_is_a_zip_of_tables(debate: Debate) -> None:
    archive = zipfile.ZipFile(io.BytesIO(export(debate.consultation, "csv")))
    names = set(archive.namelist())
    assert {
        "consultation.csv",
        "statements.csv",
        "links.csv",
        "votes.csv",
        "responses.csv",
        "participants.csv",
        "analysis_participants.csv",
    } <= names
    votes = list(csv.DictReader(io.TextIOWrapper(archive.open("votes.csv"), encoding="utf-8")))
    assert len(votes) == n_votes(debate)
    assert {v["value"] for v in votes} <= {"agree", "disagree", "pass"}
    statements = list(
        csv.DictReader(io.TextIOWrapper(archive.open("statements.csv"), encoding="utf-8"))
    )
    assert {s["text"] for s in statements} >= {p.text for p in debate.positions}


def test_xlsx_export_has_one_sheet_per_table(debate: Debate) -> None:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(export(debate.consultation, "xlsx")), read_only=True)
    assert {"consultation", "statements", "links", "votes", "responses"} <= set(workbook.sheetnames)
    rows = list(workbook["votes"].iter_rows(values_only=True))
    assert rows[0] == ("participant", "statement", "value", "created_at", "updated_at")
    assert len(rows) - 1 == n_votes(debate)


def test_spreadsheet_exports_defuse_formulas(
    debate: Debate, create_statement: Callable[..., Any]
) -> None:
    from openpyxl import load_workbook

    create_statement(consultation=debate.consultation, text='=HYPERLINK("http://evil","x")')
    archive = zipfile.ZipFile(io.BytesIO(export(debate.consultation, "csv")))
    text = archive.read("statements.csv").decode()
    assert "'=HYPERLINK" in text
    workbook = load_workbook(io.BytesIO(export(debate.consultation, "xlsx")))
    cells = [c for row in workbook["statements"].iter_rows() for c in row]
    evil = next(c for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value)
    assert evil.data_type == "s"


def test_markdown_and_html_reports(debate: Debate) -> None:
    md = export(debate.consultation, "md").decode()
    assert md.startswith(f"# {debate.consultation.title}")
    assert "## Overview" in md and "The tram network will be extended" in md
    html = export(debate.consultation, "html").decode()
    assert html.startswith("<!doctype html>") and debate.consultation.title in html
    assert "<style>" in html and "kpi-grid" in html


def test_pdf_report_has_the_title(debate: Debate) -> None:
    from pypdf import PdfReader

    pdf = export(debate.consultation, "pdf")
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert debate.consultation.title in text
    assert "Overview" in text


def test_pdf_report_is_tagged_with_its_language(app: Any, debate: Debate) -> None:
    from flask_babel import force_locale
    from pypdf import PdfReader

    with app.test_request_context(), force_locale("kk"):
        pdf = export(debate.consultation, "pdf")
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert root["/Lang"] == "kk"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert b"pdfuaid" in root["/Metadata"].get_object().get_data()


def test_aif_export_structure(debate: Debate) -> None:
    data = json.loads(export(debate.consultation, "aif"))
    nodes = {n["nodeID"]: n for n in data["nodes"]}
    i_nodes = [n for n in data["nodes"] if n["type"] == "I"]
    schemes = [n for n in data["nodes"] if n["type"] in ("RA", "CA")]
    assert len(i_nodes) == 9
    links = db.session.scalar(select(func.count(StatementLink.id)))
    assert len(schemes) == links and len(data["edges"]) == 2 * links
    attacks = sum(1 for n in schemes if n["type"] == "CA")
    assert attacks == 3
    for edge in data["edges"]:
        assert edge["fromID"] in nodes and edge["toID"] in nodes


def test_argdown_export(debate: Debate) -> None:
    text = export(debate.consultation, "argdown").decode()
    assert f"[{debate.positions[0].id}]: {debate.positions[0].text}" in text
    assert f"<{debate.arguments[0].id}>" in text
    assert f"    + <{debate.arguments[0].id}>" in text
    assert f"    - <{debate.arguments[1].id}>" in text


@pytest.mark.parametrize("fmt", ["json", "csv", "md", "aif", "argdown", "xlsx", "html"])
def test_api_report_formats(client: Any, auth: Any, debate: Debate, fmt: str) -> None:
    debate.consultation.status = ConsultationStatus.reported
    db.session.commit()
    answer = client.get(f"/api/v1/consultations/{debate.consultation.id}/report?format={fmt}")
    assert answer.status_code == 200
    assert "attachment" in answer.headers["Content-Disposition"]
    assert len(answer.get_data()) > 100


def test_api_report_access(
    client: Any, create_token: Any, create_user: Callable[..., User], debate: Debate
) -> None:
    cid = debate.consultation.id
    owner = create_token(debate.owner)
    citizen = create_token(create_user())
    db.session.commit()
    assert client.get(f"/api/v1/consultations/{cid}/report").status_code == 403
    from flask import g

    g.pop("_login_user", None)
    answer = client.get(
        f"/api/v1/consultations/{cid}/report?format=md",
        headers={"Authorization": f"Bearer {owner}"},
    )
    assert answer.status_code == 200 and answer.mimetype == "text/markdown"
    g.pop("_login_user", None)
    assert (
        client.get(
            f"/api/v1/consultations/{cid}/report", headers={"Authorization": f"Bearer {citizen}"}
        ).status_code
        == 403
    )
    assert (
        client.get(
            f"/api/v1/consultations/{cid}/report?format=doc",
            headers={"Authorization": f"Bearer {owner}"},
        ).status_code
        == 422
    )
    assert client.get("/api/v1/consultations/999999/report").status_code == 404


def test_cli_export_to_file(runner: Any, debate: Debate, tmp_path: Any) -> None:
    db.session.commit()
    target = tmp_path / "report.json"
    result = runner.invoke(
        args=["export", debate.consultation.slug, "--format", "json", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(target.read_text())["consultation"]["slug"] == debate.consultation.slug
    missing = runner.invoke(args=["export", "no-such-slug", "--format", "md"])
    assert missing.exit_code == 2 and "no consultation" in missing.output


def test_report_page_access(
    client: Any, auth: Any, make_debate: Callable[..., Debate], create_user: Callable[..., Any]
) -> None:
    from tests.consult.responses.conftest import switch_user

    debate = make_debate(n=2)
    citizen = create_user(role=Role.participant)
    db.session.commit()
    slug = debate.consultation.slug
    assert client.get(f"/consultations/{slug}/report").status_code == 403
    switch_user(auth, citizen)
    assert client.get(f"/consultations/{slug}/report").status_code == 403
    switch_user(auth, debate.owner)
    page = client.get(f"/consultations/{slug}/report")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Consultation report" in html
    assert f'href="/statements/{debate.positions[0].id}/branch"' in html
    assert f'id="st-{debate.positions[0].id}"' in html
    # On screen: the overview open, every other section folded under its heading.
    assert html.count('<details class="report-fold">') == html.count('class="report-section') - 1
    folds = html.split('<details class="report-fold">')
    # Data quality folds too while nothing could distort the figures (open otherwise).
    assert '<h2 id="h-data-quality">' in folds[1] and '<h2 id="h-groups">' in folds[2]
    export_html = client.get(f"/consultations/{slug}/report.html").get_data(as_text=True)
    assert (
        '<details class="report-fold">' not in export_html and '<h2 id="h-groups">' in export_html
    )
    assert client.get(f"/consultations/{slug}/report.pdf").status_code == 200
    assert client.get(f"/consultations/{slug}/report.doc").status_code == 404
    debate.consultation.status = ConsultationStatus.reported
    db.session.commit()
    switch_user(auth, None)
    assert client.get(f"/consultations/{slug}/report").status_code == 200
    draft = make_debate(n=1, status=ConsultationStatus.draft)
    db.session.commit()
    assert client.get(f"/consultations/{draft.consultation.slug}/report").status_code == 404


def test_downloads_stream(client: Any, auth: Any, debate: Debate) -> None:
    from tests.consult.responses.conftest import switch_user

    db.session.commit()
    switch_user(auth, debate.owner)
    for fmt in ("json", "csv", "xlsx"):
        answer = client.get(f"/consultations/{debate.consultation.slug}/report.{fmt}")
        assert answer.status_code == 200 and answer.is_streamed
        assert answer.headers["Cache-Control"] == "private, no-store"
        assert len(answer.get_data()) > 100  # consume the stream (closes its request context)
        answer.close()


def test_vote_rows_are_read_lazily(debate: Debate) -> None:
    from consult.reports.rows import Anonymiser, iter_vote_rows

    rows = iter_vote_rows(debate.consultation, Anonymiser(debate.consultation.id))
    first = next(rows)
    assert first[0].startswith("p") and first[2] in ("agree", "disagree", "pass")
    assert first[3] is not None and first[3].endswith("+00:00")
    assert 1 + sum(1 for _ in rows) == n_votes(debate)
