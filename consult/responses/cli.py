"""``kenes holidays``: the public holidays skipped by response deadlines."""

from __future__ import annotations

from datetime import date

import click
from flask import current_app
from sqlalchemy import select

from consult.consultations.models import Holiday
from consult.extensions import db
from consult.responses.calendar import parse_public_holidays


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


@click.group("holidays")
def holidays() -> None:
    """List, add or remove public holidays (response deadlines skip them)."""


@holidays.command("list")
def list_holidays() -> None:
    """Print every public holiday: the table, then KENES_PUBLIC_HOLIDAYS."""
    for row in db.session.scalars(select(Holiday).order_by(Holiday.day)):
        click.echo(f"{row.day.isoformat()}  {row.name}")
    for day in sorted(parse_public_holidays(current_app.config.get("PUBLIC_HOLIDAYS") or ())):
        click.echo(f"{day.isoformat()}  (KENES_PUBLIC_HOLIDAYS)")


@holidays.command("add")
@click.argument("day")
@click.argument("name", required=False, default="")
def add_holiday(day: str, name: str) -> None:
    """Add a public holiday (YYYY-MM-DD) with an optional name."""
    parsed = _parse_day(day)
    existing = db.session.scalar(select(Holiday).where(Holiday.day == parsed))
    if existing is not None:
        existing.name = name or existing.name
    else:
        db.session.add(Holiday(day=parsed, name=name))
    db.session.commit()
    click.echo(f"{parsed.isoformat()}  {name}".rstrip())


@holidays.command("remove")
@click.argument("day")
def remove_holiday(day: str) -> None:
    """Remove a public holiday."""
    parsed = _parse_day(day)
    existing = db.session.scalar(select(Holiday).where(Holiday.day == parsed))
    if existing is None:
        click.echo(f"error: {parsed.isoformat()} is not a listed holiday", err=True)
        raise SystemExit(2)
    db.session.delete(existing)
    db.session.commit()


commands = [holidays]
