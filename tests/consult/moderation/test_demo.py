"""The realistic workload (seed_abuse, kenes seed-abuse) and clearing it from the UI and the API."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from consult.auth.models import User, UserBlock
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.moderation.blocks.services import block_user
from consult.moderation.brigades.services import detect_brigades
from consult.moderation.demo import AbuseResult, seed_abuse
from consult.moderation.queue.services import queue_summary
from consult.types import utcnow


@dataclass
class Busy:
    """The seeded moderation workload (tests/seeds.py, "moderation-workload")."""

    consultation: Consultation
    moderator: User
    result: AbuseResult


@pytest.fixture
def busy(seeded: dict[str, Any]) -> Busy:
    """A consultation with a dozen statements and some honest votes, then the workload."""
    consultation = db.session.get(Consultation, seeded["consultation_id"])
    moderator = db.session.get(User, seeded["moderator_id"])
    assert consultation is not None and moderator is not None
    return Busy(consultation, moderator, AbuseResult(**seeded["result"]))


@pytest.mark.seed("moderation-workload")
def test_seed_abuse_fills_the_queue(busy):
    summary = queue_summary(busy.moderator)

    assert busy.result.statements == 200 and not busy.result.skipped
    assert summary["total"] == 200
    assert summary["auto_hidden"] == busy.result.auto_hidden > 0
    assert busy.result.flags >= 200
    assert db.session.scalar(select(func.count(UserBlock.id))) == 1


@pytest.mark.seed("moderation-workload")
def test_seed_abuse_plants_a_brigade_the_report_finds(busy):
    reports = detect_brigades(busy.consultation)

    assert [r.size for r in reports] == [busy.result.brigade] == [12]
    assert reports[0].span < timedelta(minutes=30)


@pytest.mark.seed("moderation-workload")
def test_seed_abuse_is_idempotent(busy):
    again = seed_abuse(busy.consultation)

    assert again.skipped


@pytest.mark.seed("moderation-workload")
def test_a_moderator_clears_the_queue_by_api(busy, call):
    moderator = busy.moderator
    templates = call.api("GET", "/api/v1/moderation/reasons?action=hide", moderator).get_json()
    reason = templates["items"][0]["text"]
    rounds = 0
    while True:
        page = call.api("GET", "/api/v1/moderation/queue?per_page=200", moderator).get_json()
        if not page["items"]:
            break
        spam = [
            i["id"] for i in page["items"] if "spam" in i["reasons"] or "offensive" in i["reasons"]
        ]
        rest = [i["id"] for i in page["items"] if i["id"] not in spam]
        for ids, action in ((spam, "hide"), (rest, "ignore_flags")):
            if ids:
                response = call.api(
                    "POST",
                    "/api/v1/moderation/bulk",
                    moderator,
                    json={"statements": ids, "action": action, "reason": reason},
                )
                assert response.status_code == 200
                assert response.get_json()["skipped"] == []
        rounds += 1
        assert rounds < 5

    assert queue_summary(moderator)["total"] == 0


@pytest.mark.seed("moderation-workload")
def test_a_moderator_clears_the_queue_from_the_page(busy, call):
    moderator = busy.moderator
    for _round in range(12):
        html = call.page("GET", "/moderation", moderator).get_data(as_text=True)
        ids = re.findall(r'name="statements" value="(\d+)"', html)
        if not ids:
            break
        assert len(ids) <= 25
        response = call.page(
            "POST",
            "/moderation/bulk",
            moderator,
            data={"statements": ids, "action": "hide", "reason": "Breaks the rules."},
        )
        assert response.status_code == 303

    assert queue_summary(moderator)["total"] == 0
    assert "The queue is clear" in call.page("GET", "/moderation", moderator).get_data(as_text=True)


def test_cli_seed_abuse_and_detect_brigades(runner, consultation, create_statement, people):
    for n in range(12):
        create_statement(consultation=consultation, text=f"Statement {n} for the CLI.")
    db.session.commit()

    seeded = runner.invoke(args=["seed-abuse", consultation.slug, "--items", "30"])
    again = runner.invoke(args=["seed-abuse", consultation.slug])
    report = runner.invoke(args=["detect-brigades", consultation.slug])
    missing = runner.invoke(args=["seed-abuse", "no-such-consultation"])

    assert seeded.exit_code == 0 and "30 flagged statements" in seeded.output
    assert "already there" in again.output
    assert report.exit_code == 0 and "Group 1: 12 accounts" in report.output
    assert missing.exit_code != 0 and "no consultation" in missing.output


def test_cli_expire_suspensions(runner, statement, author, moderator):
    block = block_user(
        author, moderator, kind="suspend", reason="Cool off.", ends_at=utcnow() + timedelta(days=1)
    )
    block.ends_at = utcnow() - timedelta(minutes=1)
    db.session.commit()

    result = runner.invoke(args=["expire-suspensions"])

    assert result.exit_code == 0 and "1 suspension(s) ended." in result.output
    db.session.refresh(statement)
    assert statement.status.value == "visible"


def test_seed_demo_with_abuse(runner, db):
    result = runner.invoke(args=["seed-demo", "--abuse"])

    assert result.exit_code == 0, result.output
    assert "200 flagged statements" in result.output
    assert "a brigade of 12 accounts" in result.output
