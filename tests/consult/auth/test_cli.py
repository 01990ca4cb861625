"""kenes create-user and kenes create-token."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from consult.auth import cli
from consult.auth.models import ApiToken, Role, User
from consult.security import hash_token

PASSWORD = "a long enough password"


def users(db: Any) -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_create_user_reads_the_password_from_stdin(runner: Any, db: Any) -> None:
    result = runner.invoke(
        args=["create-user", "Ops@Example.org", "--role", "admin", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "ops@example.org"))
    assert user.role is Role.admin
    assert user.display_name == "Ops"
    assert check_password_hash(user.password_hash, PASSWORD)
    assert "Created admin account ops@example.org" in result.output


def test_create_user_takes_a_display_name(runner: Any, db: Any) -> None:
    result = runner.invoke(
        args=["create-user", "a@example.org", "--name", "Aliya B.", "--password-stdin"],
        input=PASSWORD,
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "a@example.org"))
    assert (user.display_name, user.role) == ("Aliya B.", Role.participant)


def test_create_user_prompts_twice_on_a_terminal(runner: Any, db: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(cli, "stdin_is_interactive", lambda: True)
    result = runner.invoke(
        args=["create-user", "pat@example.org", "--role", "policymaker"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Password:" in result.output and "Repeat for confirmation:" in result.output
    user = db.session.scalar(select(User).where(User.email == "pat@example.org"))
    assert check_password_hash(user.password_hash, PASSWORD)


def test_create_user_without_terminal_or_stdin_flag_fails(runner: Any, db: Any) -> None:
    result = runner.invoke(args=["create-user", "pat@example.org"], input=PASSWORD + "\n")
    assert result.exit_code == 2
    assert "--password-stdin" in result.output
    assert users(db) == 0


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["create-user", "pat@ex.org", "--password-stdin"], "too short\n", "12 characters"),
        (["create-user", "not-an-address", "--password-stdin"], PASSWORD, "Invalid e-mail"),
        (["create-user", "pat@ex.org", "--password-stdin"], "\n", "No password"),
        (["create-user", "pat@ex.org", "--role", "king", "--password-stdin"], PASSWORD, "king"),
        (["create-user", "pat@ex.org", "--name", "X", "--password-stdin"], PASSWORD, "2 to 80"),
    ],
)
def test_create_user_errors_are_one_line_with_status_2(
    runner: Any, db: Any, args: list[str], stdin: str, message: str
) -> None:
    result = runner.invoke(args=args, input=stdin)
    assert result.exit_code == 2
    assert message in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len([line for line in lines if line.startswith("Error")]) == 1
    assert users(db) == 0


def test_create_user_refuses_an_existing_email(runner: Any, db: Any, create_user: Any) -> None:
    create_user(email="taken@example.org")
    db.session.commit()
    result = runner.invoke(
        args=["create-user", "TAKEN@example.org", "--password-stdin"], input=PASSWORD
    )
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert users(db) == 1


def test_create_token_prints_a_working_token(runner: Any, db: Any, create_user: Any) -> None:
    user = create_user(email="bot@example.org")
    db.session.commit()
    result = runner.invoke(args=["create-token", "Bot@example.org"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert token.startswith("kns_") and "\n" not in token
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    assert row.user_id == user.id and row.revoked_at is None


def test_create_token_token_authenticates_the_api(
    runner: Any, db: Any, client: Any, create_user: Any
) -> None:
    create_user(email="bot@example.org")
    db.session.commit()
    token = runner.invoke(args=["create-token", "bot@example.org"]).output.strip()
    # The token authenticates: the answer is "no such statement", not 401.
    signed = client.put(
        "/api/v1/statements/999999/vote",
        json={"value": "agree"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert signed.status_code == 404


def test_create_token_for_unknown_email_fails(runner: Any, db: Any) -> None:
    result = runner.invoke(args=["create-token", "ghost@example.org"])
    assert result.exit_code == 2
    assert "No account" in result.output
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0
