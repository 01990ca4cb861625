"""``kenes export`` and ``kenes import-json``."""

from __future__ import annotations

import os
import sys

import click
from sqlalchemy.exc import SQLAlchemyError

from consult.auth.services import find_user_by_email
from consult.consultations.imports import ImportFailed
from consult.consultations.services import get_consultation_by_slug
from consult.extensions import db
from consult.reports.exporters import FORMATS, export_chunks
from consult.reports.importer import import_export, load_export


def _error(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    raise SystemExit(2)


@click.command("export")
@click.argument("slug")
@click.option(
    "--format", "fmt", type=click.Choice(list(FORMATS)), default="json", show_default=True
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write to this file (default: standard output).",
)
def export_command(slug: str, fmt: str, output: str | None) -> None:
    """Export a consultation's report or data (json, csv, xlsx, md, html, pdf, aif, argdown)."""
    consultation = get_consultation_by_slug(slug)
    if consultation is None:
        _error(f"no consultation with slug {slug!r}")
        return
    chunks = export_chunks(consultation, fmt)
    if output:
        tmp = output + ".part"
        try:
            with open(tmp, "wb") as handle:
                for chunk in chunks:
                    handle.write(chunk)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        os.replace(tmp, output)
    else:
        out = sys.stdout.buffer
        for chunk in chunks:
            out.write(chunk)
        out.flush()
    db.session.commit()  # the analysis cache may have been refreshed


@click.command("import-json")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--owner", default=None, help="E-mail of the policymaker who will own it.")
def import_json_command(path: str, owner: str | None) -> None:
    """Import a Kenes JSON export as a new consultation; prints its slug."""
    owner_user = None
    if owner:
        owner_user = find_user_by_email(owner)
        if owner_user is None:
            _error(f"no account with e-mail {owner!r}")
    try:
        with open(path, "rb") as handle:
            data = load_export(handle)
        summary = import_export(data, owner=owner_user)
        db.session.commit()
    except ImportFailed as exc:
        db.session.rollback()
        _error(f"{path}: {exc}")
        return
    except OSError as exc:
        db.session.rollback()
        _error(f"{path}: {exc.strerror or exc}")
        return
    except SQLAlchemyError as exc:
        db.session.rollback()
        cause = getattr(exc, "orig", None) or exc
        _error(f"{path}: the database refused the data ({type(cause).__name__})")
        return
    click.echo(summary.consultation.slug)


commands = [export_command, import_json_command]
