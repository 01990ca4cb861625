"""``kenes import-polis`` and ``kenes analyse``."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consult.auth.models import Role, User
from consult.consultations.models import Consultation, ConsultationStatus, MemberRole
from consult.statements.models import Statement, StatementStatus
from consult.votes.models import Vote
from debate.polis import read_polis_export

POLIS_MATH = Path(__file__).resolve().parents[2] / "data" / "polis-math"


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_import_polis_creates_consultation(runner, db, polis_dir):
    result = runner.invoke(args=["import-polis", str(polis_dir), "--title", "Brexit"])
    assert result.exit_code == 0, result.output
    slug = result.stdout.strip().splitlines()[-1]
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
    assert consultation.title == "Brexit"
    assert consultation.status is ConsultationStatus.closed
    export = read_polis_export(polis_dir)
    statements = list(
        db.session.scalars(select(Statement).where(Statement.consultation_id == consultation.id))
    )
    assert sorted(s.external_id for s in statements) == sorted(export.matrix.statements)
    hidden = {s.external_id for s in statements if s.status is StatementStatus.hidden}
    assert hidden == {export.matrix.statements[j] for j in export.matrix.moderated_out}
    assert export.texts["0"].strip() in {s.text for s in statements}
    users = list(db.session.scalars(select(User).where(User.is_imported.is_(True))))
    assert len(users) == len(export.matrix.participants)
    assert all(u.email is None and u.password_hash is None for u in users)
    assert all(u.role is Role.participant for u in users)
    n_votes = db.session.scalar(
        select(func.count(Vote.id)).where(Vote.consultation_id == consultation.id)
    )
    assert n_votes == export.matrix.n_votes


def test_import_polis_votes_match_the_export(runner, db, polis_dir):
    result = runner.invoke(args=["import-polis", str(polis_dir)])
    slug = result.stdout.strip().splitlines()[-1]
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
    export = read_polis_export(polis_dir)
    m = export.matrix
    expected = {
        (m.participants[r], m.statements[c], int(v))
        for r, c, v in zip(m.rows, m.cols, m.values, strict=True)
    }
    rows = db.session.execute(
        select(User.display_name, Statement.external_id, Vote.value)
        .join(User, User.id == Vote.user_id)
        .join(Statement, Statement.id == Vote.statement_id)
        .where(Vote.consultation_id == consultation.id)
    )
    got = {(name.rsplit(" ", 1)[1], ext, value) for name, ext, value in rows}
    assert got == expected


def test_import_polis_default_title_from_summary(runner, db, polis_dir):
    result = runner.invoke(args=["import-polis", str(polis_dir)])
    assert result.exit_code == 0
    with (polis_dir / "summary.csv").open() as handle:
        topic = dict(row[:2] for row in csv.reader(handle))["topic"]
    consultation = db.session.scalar(select(Consultation))
    assert consultation.title == topic


def test_import_polis_twice_gives_two_slugs(runner, db, polis_dir):
    first = runner.invoke(args=["import-polis", str(polis_dir)]).stdout.split()[-1]
    second = runner.invoke(args=["import-polis", str(polis_dir)]).stdout.split()[-1]
    assert first != second
    assert _count(db, Consultation) == 2


def test_import_polis_owner_and_open(runner, db, polis_dir, create_user):
    owner = create_user(role=Role.policymaker, email="owner@example.org")
    db.session.commit()
    result = runner.invoke(
        args=["import-polis", str(polis_dir), "--owner", "owner@example.org", "--status", "open"]
    )
    assert result.exit_code == 0, result.output
    consultation = db.session.scalar(select(Consultation))
    assert consultation.status is ConsultationStatus.open
    assert [(m.user_id, m.role) for m in consultation.members] == [(owner.id, MemberRole.owner)]


def test_import_polis_unknown_owner_exits_2(runner, db, polis_dir):
    result = runner.invoke(args=["import-polis", str(polis_dir), "--owner", "nobody@example.org"])
    assert result.exit_code == 2
    assert "nobody@example.org" in result.stderr
    assert _count(db, Consultation) == 0


@pytest.mark.parametrize(
    ("file", "line", "bad", "message"),
    [
        ("votes.csv", 40, "{},x,1", "votes.csv:40"),
        ("votes.csv", 3, None, "votes.csv:3: unknown vote value '7'"),
        ("comments.csv", 5, "1,x,3,0,0,0,5,text", "comments.csv:5"),
    ],
)
def test_import_polis_bad_row_writes_nothing(
    runner, db, polis_dir, tmp_path, file, line, bad, message
):
    folder = tmp_path / "export"
    shutil.copytree(polis_dir, folder)
    path = folder / file
    lines = path.read_text().splitlines()
    if bad is None:  # change the vote value of that row
        fields = lines[line - 1].split(",")
        fields[-1] = "7"
        lines[line - 1] = ",".join(fields)
    else:
        lines[line - 1] = bad.format(lines[line - 1].split(",")[0])
    path.write_text("\n".join(lines) + "\n")
    result = runner.invoke(args=["import-polis", str(folder)])
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1  # one line
    assert _count(db, Consultation) == 0
    assert _count(db, User) == 0
    assert _count(db, Vote) == 0


def test_import_polis_reads_the_polis_json_form(runner, db):
    folder = POLIS_MATH / "below-100-ptpts"
    result = runner.invoke(args=["import-polis", str(folder)])
    assert result.exit_code == 0, result.output
    consultation = db.session.scalar(select(Consultation))
    conversation = json.loads((folder / "conversation.json").read_text())
    assert consultation.title == conversation["topic"]
    export = read_polis_export(folder)
    statements = list(
        db.session.scalars(select(Statement).where(Statement.consultation_id == consultation.id))
    )
    hidden = {s.external_id for s in statements if s.status is StatementStatus.hidden}
    assert hidden == {"11", "33"}  # mod = -1
    first = next(s for s in statements if s.external_id == "0")
    assert first.created_at.timestamp() == pytest.approx(export.comment_times["0"])
    assert _count(db, Vote) == export.matrix.n_votes == 504


def test_import_polis_json_bad_vote_exits_2(runner, db, tmp_path):
    folder = tmp_path / "export"
    shutil.copytree(POLIS_MATH / "below-100-ptpts", folder)
    votes = json.loads((folder / "votes.json").read_text())
    votes[2]["vote"] = 5
    (folder / "votes.json").write_text(json.dumps(votes))
    result = runner.invoke(args=["import-polis", str(folder)])
    assert result.exit_code == 2
    assert "votes.json:3: unknown vote value 5" in result.stderr
    assert _count(db, Consultation) == 0


def test_import_polis_missing_files_exit_2(runner, db, tmp_path):
    result = runner.invoke(args=["import-polis", str(tmp_path)])
    assert result.exit_code == 2
    assert "comments.csv" in result.stderr
    (tmp_path / "comments.csv").write_text(
        "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
    )
    result = runner.invoke(args=["import-polis", str(tmp_path)])
    assert result.exit_code == 2
    assert "votes.csv" in result.stderr
    assert _count(db, Consultation) == 0


def test_analyse_command_prints_json(runner, db, make_opinions):
    opinions = make_opinions(n=6)
    db.session.commit()
    result = runner.invoke(args=["analyse", opinions.consultation.slug, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["participants"]) == 12
    assert data["excluded"] == {"statements": 0, "participants": 0}
    from consult.analysis.models import CachedAnalysis

    assert db.session.get(CachedAnalysis, opinions.consultation.id) is not None


def test_analyse_command_text_summary(runner, db, make_opinions):
    opinions = make_opinions(n=6)
    db.session.commit()
    result = runner.invoke(args=["analyse", opinions.consultation.slug])
    assert result.exit_code == 0, result.output
    assert opinions.consultation.title in result.stdout
    assert "opinion groups: 2" in result.stdout
    consensus = opinions.statements[4]  # everyone wants air-quality data
    most_agree = result.stdout.split("most agree:")[1].split("most disagree")[0]
    assert f"#{consensus.id} {consensus.text}" in most_agree


def test_analyse_command_unknown_slug(runner, db):
    result = runner.invoke(args=["analyse", "nope"])
    assert result.exit_code == 2
    assert "nope" in result.output
