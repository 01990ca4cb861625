"""A participant's data: the JSON download (a job), deleting the account, the privacy page."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from consult.audit.models import AuditEntry
from consult.auth.models import ApiToken, Role, User
from consult.consultations.models import ConsultationStatus
from consult.jobs.models import JobStatus
from consult.jobs.services import result_file
from consult.moderation.removal import can_remove_statement
from consult.notifications.services import notify
from consult.privacy import services
from consult.statements.models import Statement, StatementStatus
from consult.votes.models import Vote
from tests.factories import PASSWORD


@pytest.fixture
def app_config(tmp_path: Any) -> dict[str, Any]:
    return {"JOBS_RESULT_DIR": str(tmp_path / "jobs")}


@pytest.fixture
def author(create_user: Any) -> User:
    return create_user(email="ada@example.org", display_name="Ada")


@pytest.fixture
def contributions(author: User, create_statement: Any, create_user: Any, db: Any) -> dict[str, Any]:
    """Ada's position (voted on by someone else), her vote on another statement."""
    mine = create_statement(author=author, text="Plant more trees")
    other = create_statement(consultation=mine.consultation, text="Build more bike lanes")
    db.session.add(
        Vote(
            consultation_id=other.consultation_id, statement_id=other.id, user_id=author.id, value=1
        )
    )
    voter = create_user()
    db.session.add(
        Vote(consultation_id=mine.consultation_id, statement_id=mine.id, user_id=voter.id, value=-1)
    )
    db.session.flush()
    notify(author.id, lambda: "Welcome")
    db.session.commit()
    return {"mine": mine, "other": other, "voter": voter}


# --- services -------------------------------------------------------------------------------


def test_personal_data_holds_what_they_wrote_and_voted(author: User, contributions: Any) -> None:
    data = services.personal_data(author)
    assert data["account"]["email"] == "ada@example.org"
    assert [s["text"] for s in data["statements"]] == ["Plant more trees"]
    assert data["votes"] == [
        {
            "statement": contributions["other"].id,
            "consultation": contributions["other"].consultation.slug,
            "value": "agree",
            "created_at": data["votes"][0]["created_at"],
            "updated_at": data["votes"][0]["updated_at"],
        }
    ]
    assert [n["text"] for n in data["notifications"]] == ["Welcome"]
    json.dumps(data)


def test_export_job_writes_a_file_owned_by_the_user(
    app: Flask, author: User, contributions: Any, db: Any
) -> None:
    job = services.request_export(author)
    db.session.commit()
    db.session.refresh(job)
    assert job.status is JobStatus.done and job.owner_id == author.id
    path = result_file(job)
    assert path is not None
    assert json.loads(path.read_text())["account"]["id"] == author.id
    assert job.expires_at is not None
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export_personal_data"))


def test_delete_keeps_statements_as_former_participant(
    author: User, contributions: Any, db: Any
) -> None:
    result = services.delete_account(author)
    db.session.commit()
    assert result.removed == [] and result.kept == [contributions["mine"].id]
    db.session.refresh(author)
    assert author.email is None and author.password_hash is None
    assert author.display_name == services.FORMER_PARTICIPANT
    assert author.deleted_at is not None
    statement = db.session.get(Statement, contributions["mine"].id)
    assert statement.author_id == author.id and statement.status is StatementStatus.visible
    # The votes stay counted, under an account that no longer leads to anybody.
    assert db.session.scalar(select(func.count(Vote.id)).where(Vote.user_id == author.id)) == 1
    assert (
        db.session.scalar(select(func.count(ApiToken.id)).where(ApiToken.user_id == author.id)) == 0
    )
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "delete_account"))
    assert entry.after["kept_statements"] == [contributions["mine"].id]


def test_delete_removes_statements_when_asked(author: User, contributions: Any, db: Any) -> None:
    mine_id = contributions["mine"].id
    result = services.delete_account(author, remove_statements=True)
    db.session.commit()
    assert result.removed == [mine_id]
    assert db.session.get(Statement, mine_id) is None
    assert db.session.scalar(select(func.count(Vote.id)).where(Vote.statement_id == mine_id)) == 0


def test_statements_of_closed_consultations_are_kept(
    author: User, contributions: Any, db: Any
) -> None:
    contributions["mine"].consultation.status = ConsultationStatus.closed
    db.session.flush()
    assert not can_remove_statement(contributions["mine"])
    result = services.delete_account(author, remove_statements=True)
    assert result.kept == [contributions["mine"].id]


def test_hidden_statements_are_kept(author: User, contributions: Any, db: Any) -> None:
    contributions["mine"].status = StatementStatus.hidden
    db.session.flush()
    assert not can_remove_statement(contributions["mine"])


def test_staff_cannot_delete_themselves(app: Flask, create_user: Any) -> None:
    with app.test_request_context(), pytest.raises(Exception, match="administrator"):
        services.delete_account(create_user(role=Role.moderator))


def test_deleted_account_cannot_log_in(
    client: Any, author: User, contributions: Any, db: Any
) -> None:
    services.delete_account(author)
    db.session.commit()
    response = client.post("/login", data={"email": "ada@example.org", "password": PASSWORD})
    assert response.status_code == 422


# --- pages ----------------------------------------------------------------------------------


def test_privacy_page_for_everyone(client: Any) -> None:
    page = client.get("/privacy")
    assert page.status_code == 200
    assert b"Personal Data and Its Protection" in page.data


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_privacy_page_translated(client: Any, lang: str) -> None:
    client.post("/language", data={"locale": lang})
    page = client.get("/privacy").get_data(as_text=True)
    assert "How Kenes uses personal data" not in page


def test_data_page_requires_login(client: Any) -> None:
    response = client.get("/account/data")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_data_page_renders(client: Any, auth: Any, author: User) -> None:
    auth.login(author)
    page = client.get("/account/data")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert b"Prepare my download" in page.data


def test_export_page_starts_job_and_links_download(
    client: Any, auth: Any, author: User, contributions: Any, db: Any
) -> None:
    auth.login(author)
    response = client.post("/account/data/export")
    assert response.status_code == 303
    job_url = response.headers["Location"]
    assert job_url.startswith("/jobs/")
    page = client.get(job_url)
    assert b"/download" in page.data
    download = client.get(job_url + "/download")
    assert download.status_code == 200
    assert json.loads(download.data)["statements"][0]["text"] == "Plant more trees"
    download.close()


def test_someone_elses_export_is_404(
    client: Any, auth: Any, author: User, create_user: Any, contributions: Any, db: Any
) -> None:
    job = services.request_export(author)
    db.session.commit()
    auth.login(create_user())
    assert client.get(f"/jobs/{job.id}/download").status_code == 404


def test_delete_page_needs_password(client: Any, auth: Any, author: User, db: Any) -> None:
    auth.login(author)
    response = client.post("/account/delete", data={"password": "not my password", "confirm": "y"})
    assert response.status_code == 422
    db.session.refresh(author)
    assert author.deleted_at is None


def test_delete_page_needs_confirmation(client: Any, auth: Any, author: User, db: Any) -> None:
    auth.login(author)
    assert client.post("/account/delete", data={"password": PASSWORD}).status_code == 422


def test_delete_page_deletes_and_logs_out(
    client: Any, auth: Any, author: User, contributions: Any, db: Any
) -> None:
    auth.login(author)
    response = client.post(
        "/account/delete",
        data={"password": PASSWORD, "confirm": "y", "remove_statements": "y"},
    )
    assert response.status_code == 303
    assert client.get("/account").status_code == 302
    assert db.session.get(Statement, contributions["mine"].id) is None


# --- API ------------------------------------------------------------------------------------


def test_api_export_returns_job(
    client: Any, author: User, create_token: Any, contributions: Any
) -> None:
    token = create_token(author)
    response = client.post(
        "/api/v1/account/data-export", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 202
    body = response.get_json()
    assert body["status"] == "done" and body["download_url"]
    assert response.headers["Location"] == f"/api/v1/jobs/{body['id']}"


def test_api_export_requires_auth(client: Any) -> None:
    assert client.post("/api/v1/account/data-export").status_code == 401


def test_api_delete_account(
    client: Any, author: User, create_token: Any, contributions: Any, db: Any
) -> None:
    token = create_token(author)
    headers = {"Authorization": f"Bearer {token}"}
    wrong = client.delete("/api/v1/account", json={"password": "nope"}, headers=headers)
    assert wrong.status_code == 403
    response = client.delete(
        "/api/v1/account", json={"password": PASSWORD, "remove_statements": False}, headers=headers
    )
    assert response.status_code == 200
    assert response.get_json() == {
        "deleted": True,
        "removed_statements": [],
        "kept_statements": [contributions["mine"].id],
    }
    # The token died with the account.
    again = client.post("/api/v1/account/data-export", headers=headers)
    assert again.status_code == 401


def test_api_delete_account_validates_body(client: Any, author: User, create_token: Any) -> None:
    token = create_token(author)
    response = client.delete(
        "/api/v1/account",
        json={"remove_statements": "x"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422


def test_api_delete_staff_is_403(client: Any, create_user: Any, create_token: Any) -> None:
    admin = create_user(role=Role.admin)
    token = create_token(admin)
    response = client.delete(
        "/api/v1/account", json={"password": PASSWORD}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 403
