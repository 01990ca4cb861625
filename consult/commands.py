"""Commands that span domains: ``kenes seed-demo`` (the demo consultations, and with
``--abuse`` the moderation workload). Domain commands live in each domain's ``cli.py``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from consult.auth.cli import fail
from consult.consultations.demo import DEMO_PASSWORD, DEMO_SLUG, seed_demo
from consult.errors import ConsultError
from consult.extensions import db
from consult.moderation.cli import run_seed_abuse


@click.command("seed-demo")
@click.option(
    "--if-empty", is_flag=True, help="Seed only when the database has no consultation yet."
)
@click.option(
    "--abuse", is_flag=True, help="Also add a moderation workload (see kenes seed-abuse)."
)
@with_appcontext
def seed_demo_command(if_empty: bool, abuse: bool) -> None:
    """Create the demo consultations, accounts and votes (idempotent)."""
    try:
        result = seed_demo(if_empty=if_empty)
    except ConsultError as exc:
        raise fail(exc) from None
    if result.skipped:
        click.echo("The database already has consultations: demo not seeded.")
        return
    db.session.commit()
    if abuse:
        click.echo(run_seed_abuse(DEMO_SLUG))
    for consultation in result.created:
        click.echo(
            f"Created {consultation.status.value} consultation: {consultation.title} "
            f"(/consultations/{consultation.slug})"
        )
    for consultation in result.existing:
        click.echo(f"Already there: {consultation.title} (/consultations/{consultation.slug})")
    if result.created:
        click.echo(f"Demo votes: {result.votes}.")
    new_accounts = [user for user, created in result.accounts if created]
    if new_accounts:
        click.echo("")
        click.echo(f"Demo accounts (password: {DEMO_PASSWORD}):")
        for user in new_accounts:
            click.echo(f"  {user.role.value:<12} {user.email}")
        click.echo("Demo accounts are for trying Kenes out: never seed a production database.")
    else:
        click.echo("Demo accounts already exist (see README for their password).")


commands = [seed_demo_command]
