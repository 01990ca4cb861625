"""Account commands: ``kenes create-user`` and ``kenes create-token``."""

from __future__ import annotations

import sys

import click
from email_validator import EmailNotValidError, validate_email
from flask.cli import with_appcontext

from consult.auth.models import Role
from consult.auth.services import create_token as create_api_token
from consult.auth.services import create_user as create_account
from consult.auth.services import find_user_by_email
from consult.errors import ConsultError
from consult.extensions import db


class CliError(click.ClickException):
    """A one-line error that ends the command with exit status 2."""

    exit_code = 2


def fail(error: ConsultError) -> CliError:
    """Turn a domain error into a one-line CLI error (roll back first: nothing half-written)."""
    db.session.rollback()
    details = [message for messages in error.fields.values() for message in messages]
    text = error.message
    if details and details[0] not in text:
        text = f"{text} {details[0]}"
    return CliError(text)


def stdin_is_interactive() -> bool:
    """Tell whether a person is typing on standard input (patched in tests)."""
    return sys.stdin.isatty()


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        if password.endswith("\r"):
            password = password[:-1]
        if not password:
            raise CliError("No password on standard input.")
        return password
    if not stdin_is_interactive():
        raise CliError(
            "No password given: pass --password-stdin, or run the command in a terminal."
        )
    typed: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return typed


@click.command("create-user")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    default=Role.participant.value,
    show_default=True,
    help="Site-wide role of the new account.",
)
@click.option("--name", "display_name", help="Display name (default: the part before the @).")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
@with_appcontext
def create_user_command(
    email: str, role: str, display_name: str | None, password_stdin: bool
) -> None:
    """Create an account with a password."""
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise CliError(f"Invalid e-mail address: {exc}") from None
    local = email.split("@", 1)[0]
    name = (display_name or (local if len(local) >= 2 else email)).strip()
    if not 2 <= len(name) <= 80:
        raise CliError("The display name must have 2 to 80 characters.")
    if find_user_by_email(email) is not None:
        raise CliError(f"An account with the e-mail {email.lower()} already exists.")
    password = _read_password(password_stdin)
    try:
        user = create_account(email, name, password, role=Role(role), verified=True)
    except ConsultError as exc:
        raise fail(exc) from None
    db.session.commit()
    click.echo(f"Created {user.role.value} account {user.email} (id {user.id}).")


@click.command("create-token")
@click.argument("email")
@click.option("--name", default="cli", show_default=True, help="A name to recognise the token.")
@with_appcontext
def create_token_command(email: str, name: str) -> None:
    """Print a new personal API token for an account (shown once)."""
    user = find_user_by_email(email)
    if user is None:
        raise CliError(f"No account with the e-mail {email.strip().lower()}.")
    _row, token = create_api_token(user, name)
    db.session.commit()
    click.echo(token)


commands = [create_user_command, create_token_command]
