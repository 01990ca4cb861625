"""Moderation commands: seed an abuse workload, end suspensions, report coordinated voting."""

from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import with_appcontext

from consult.auth.standing import expire_suspensions
from consult.consultations.models import Consultation
from consult.consultations.services import get_consultation_by_slug
from consult.extensions import db
from consult.moderation.brigades.services import detect_brigades
from consult.moderation.demo import seed_abuse

DEFAULT_SLUG = "almaty-winter-air"


def _consultation(slug: str) -> Consultation:
    consultation = get_consultation_by_slug(slug)
    if consultation is None:
        raise click.ClickException(f"no consultation with the slug {slug!r}")
    return consultation


def run_seed_abuse(slug: str, *, items: int = 200) -> str:
    """Seed the moderation workload into a consultation, commit, and say what was done."""
    consultation = _consultation(slug)
    result = seed_abuse(consultation, items=items)
    if result.skipped:
        return f"{slug}: the abuse workload is already there."
    db.session.commit()
    return (
        f"{slug}: {result.statements} flagged statements ({result.flags} flags, "
        f"{result.auto_hidden} hidden by flags), a brigade of {result.brigade} accounts "
        f"({result.brigade_votes} votes). Review them at /moderation."
    )


@click.command("seed-abuse")
@click.argument("slug", default=DEFAULT_SLUG)
@click.option("--items", default=200, show_default=True, help="Flagged statements to add.")
@with_appcontext
def seed_abuse_command(slug: str, items: int) -> None:
    """Add a realistic moderation workload to a consultation (demo data; idempotent)."""
    click.echo(run_seed_abuse(slug, items=items))


@click.command("expire-suspensions")
@with_appcontext
def expire_suspensions_command() -> None:
    """End the suspensions whose time is up and restore what they hid (run it from cron)."""
    count = expire_suspensions()
    db.session.commit()
    click.echo(f"{count} suspension(s) ended.")


@click.command("detect-brigades")
@click.argument("slug")
@click.option("--window-minutes", type=click.IntRange(1, 10080), default=None)
@click.option("--min-shared", type=click.IntRange(2, 1000), default=None)
@with_appcontext
def detect_brigades_command(slug: str, window_minutes: int | None, min_shared: int | None) -> None:
    """Report suspected coordinated voting in a consultation (nothing is blocked)."""
    consultation = _consultation(slug)
    reports = detect_brigades(
        consultation,
        window=timedelta(minutes=window_minutes) if window_minutes else None,
        min_shared=min_shared,
    )
    if not reports:
        click.echo("No suspected coordinated voting.")
        return
    for n, report in enumerate(reports, 1):
        click.echo(
            f"Group {n}: {report.size} accounts created within {report.span}, "
            f"{report.similarity:.1%} identical answers on {len(report.statements)} shared "
            "statements"
        )
        for user in report.members:
            click.echo(
                f"  #{user.id} {user.display_name} (created {user.created_at:%Y-%m-%d %H:%M})"
            )


commands = [seed_abuse_command, expire_suspensions_command, detect_brigades_command]
