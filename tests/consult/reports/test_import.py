"""``kenes import-json``: a JSON export reproduces the consultation and its analysis."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from consult.analysis.adapters import participant_id
from consult.analysis.services import get_analysis
from consult.auth.models import User
from consult.consultations.models import Consultation
from consult.consultations.services import get_consultation_by_slug
from consult.extensions import db
from consult.reports.exporters import export_chunks
from consult.responses import deadlines
from consult.responses import services as responses
from consult.responses.models import Response, ResponseItem
from consult.statements.models import Statement, StatementLink, StatementStatus
from consult.votes.models import Vote
from tests.conftest import create_pg_database, drop_pg_database, is_postgres, make_app
from tests.consult.responses.conftest import Debate


@pytest.fixture
def fresh_app(database_url: str) -> Iterator[Flask]:
    """A second Kenes instance on an empty database of the same kind."""
    from sqlalchemy import make_url

    if is_postgres():
        url = make_url(database_url)
        url = url.set(database=f"{url.database}_fresh")
        create_pg_database(url)
        other = make_app(url.render_as_string(hide_password=False))
        with other.app_context():
            db.create_all()
        yield other
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
        drop_pg_database(url)
    else:
        other = make_app("sqlite://")
        with other.app_context():
            db.create_all()
        yield other


@pytest.fixture
def exported(make_debate: Callable[..., Debate], tmp_path: Any) -> tuple[Debate, Any, dict]:
    debate = make_debate(n=6)
    debate.arguments[-1].status = StatementStatus.hidden
    deadlines.assign_response_items(debate.consultation)
    responses.create_response(
        debate.consultation,
        debate.owner,
        statement_ids=[debate.positions[0].id, debate.arguments[0].id],
        decision="partially_accepted",
        text="A first tram line will be built by 2027.",
        measure_url="https://gov.example.kz/tram",
    )
    db.session.commit()
    path = tmp_path / "export.json"
    path.write_bytes(b"".join(export_chunks(debate.consultation, "json")))
    return debate, path, json.loads(path.read_text())


def _normalise(analysis: dict[str, Any], rename: dict[str, str]) -> dict[str, Any]:
    data = {k: v for k, v in analysis.items() if k not in ("timings", "excluded")}
    # The groups' registry dates say when this consultation first showed each group.
    data["group_registry"] = [
        {k: v for k, v in entry.items() if k not in ("created_at", "retired_at")}
        for entry in analysis.get("group_registry", [])
    ]
    data["participants"] = {rename[p]: g for p, g in analysis["participants"].items()}
    if isinstance(data.get("map"), dict) and "participants" in data["map"]:
        data["map"]["participants"] = {
            rename[p]: xy for p, xy in analysis["map"]["participants"].items()
        }
    return json.loads(json.dumps(data, sort_keys=True))


def test_round_trip_reproduces_consultation_and_analysis(
    app: Flask, fresh_app: Flask, exported: tuple[Debate, Any, dict]
) -> None:
    debate, path, data = exported
    with fresh_app.app_context():
        result = fresh_app.test_cli_runner().invoke(args=["import-json", str(path)])
        assert result.exit_code == 0, result.output
        assert result.output.strip() == debate.consultation.slug
        consultation = get_consultation_by_slug(debate.consultation.slug)
        assert consultation is not None
        assert consultation.title == debate.consultation.title
        statements = {
            s.id: s
            for s in db.session.scalars(
                select(Statement).where(Statement.consultation_id == consultation.id)
            )
        }
        assert {sid: (s.kind.value, s.status.value, s.text) for sid, s in statements.items()} == {
            s["id"]: (s["kind"], s["status"], s["text"]) for s in data["statements"]
        }
        links = db.session.execute(
            select(StatementLink.source_id, StatementLink.target_id, StatementLink.relation)
        ).all()
        assert sorted((a, b, r.value) for a, b, r in links) == sorted(
            (lk["source"], lk["target"], lk["relation"]) for lk in data["links"]
        )
        assert db.session.scalar(select(func.count(Vote.id))) == len(data["votes"])
        users = list(db.session.scalars(select(User).order_by(User.id)))
        assert all(u.is_imported and u.email is None and u.password_hash is None for u in users)
        response = db.session.scalar(select(Response))
        assert response is not None and response.decision.value == "partially_accepted"
        assert sorted(s.id for s in response.statements) == sorted(
            data["responses"][0]["statements"]
        )
        assert db.session.scalar(select(func.count(ResponseItem.id))) == len(data["response_items"])
        # The same analysis: participants map one to one, in order.
        new_ids = [participant_id(consultation.id, u.id) for u in users]
        rename = dict(zip(data["participants"], new_ids, strict=True))
        analysis, _meta = get_analysis(consultation, wait=True)
        assert analysis is not None
        assert _normalise(data["analysis"], rename) == _normalise(
            analysis, {p: p for p in analysis["participants"]}
        )
        db.session.rollback()


def test_import_refuses_an_existing_slug(runner: Any, exported: tuple[Debate, Any, dict]) -> None:
    _debate, path, _data = exported
    before = db.session.scalar(select(func.count(Consultation.id)))
    result = runner.invoke(args=["import-json", str(path)])
    assert result.exit_code == 2
    assert "already exists" in result.output and len(result.output.strip().splitlines()) == 1
    assert db.session.scalar(select(func.count(Consultation.id))) == before


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(format="other"), "not a Kenes export"),
        (lambda d: d["votes"].append({**d["votes"][0]}), "a second vote"),
        (lambda d: d["votes"][0].update(participant="nobody"), "unknown participant"),
        (lambda d: d["votes"][0].update(value="yes"), "'value' must be"),
        (lambda d: d["links"][0].update(target=999999), "links a statement"),
        (lambda d: d["statements"][0].update(kind="rumour"), "'kind' must be one of"),
        (lambda d: d["responses"][0].update(measure_url="javascript:x"), "measure_url"),
        (lambda d: d.pop("statements"), "missing 'statements'"),
    ],
)
def test_import_errors_are_one_line_and_write_nothing(
    fresh_app: Flask,
    exported: tuple[Debate, Any, dict],
    tmp_path: Any,
    mutate: Callable[[dict], Any],
    message: str,
) -> None:
    _debate, _path, data = exported
    data = json.loads(json.dumps(data))
    data["consultation"]["slug"] = "imported-copy"
    mutate(data)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    with fresh_app.app_context():
        result = fresh_app.test_cli_runner().invoke(args=["import-json", str(bad)])
        assert result.exit_code == 2
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0]
        assert db.session.scalar(select(func.count(Consultation.id))) == 0
        assert db.session.scalar(select(func.count(User.id))) == 0


def test_import_rejects_broken_json(fresh_app: Flask, tmp_path: Any) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text('{"format": "kenes-export", ')
    with fresh_app.app_context():
        result = fresh_app.test_cli_runner().invoke(args=["import-json", str(bad)])
    assert result.exit_code == 2 and "not valid JSON (line 1" in result.output
