"""``kenes analyse SLUG`` and ``kenes import-polis DIR``."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from consult.analysis import quality, services
from consult.analysis.imports import ImportFailed, import_polis
from consult.analysis.roles import statement_roles
from consult.auth.cli import CliError
from consult.auth.models import User
from consult.consultations.models import ConsultationStatus
from consult.consultations.services import get_consultation_by_slug
from consult.extensions import db
from consult.statements.models import Statement
from debate.result import AnalysisResult


@click.command("analyse")
@click.argument("slug")
@click.option("--json", "as_json", is_flag=True, help="Print the analysis JSON (API.md §4).")
@with_appcontext
def analyse_command(slug: str, as_json: bool) -> None:
    """Recompute the analysis of consultation SLUG, store it, and print it."""
    consultation = get_consultation_by_slug(slug)
    if consultation is None:
        raise CliError(f"No consultation with the slug {slug!r}.")
    result, meta = services.refresh_analysis(consultation)
    db.session.commit()
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True))
        return
    summary = _text_summary(
        consultation.title, AnalysisResult.from_json(result), meta.duration_s or 0.0
    )
    click.echo(summary)
    click.echo(_quality_summary(quality.data_quality(consultation)))


def _quality_summary(panel: quality.DataQuality) -> str:
    """The data-quality panel in a few lines."""
    lines = ["  data quality:"]
    for g in panel.groups:
        state = "left out of the analysis" if g.excluded else "counted in the analysis"
        lines.append(
            f"    suspected coordinated group {g.key}: {g.size} accounts, {g.votes} votes "
            f"({g.share:.1%} of all), {state}"
        )
    if not panel.groups:
        lines.append("    no suspected coordinated voting")
    lines.append(f"    flagged statements not yet reviewed: {panel.flagged_unreviewed}")
    lines.append(f"    statements awaiting moderation: {panel.pending}")
    for e in panel.exclusions:
        who = e.created_by.display_name if e.created_by else "a former account"
        when = f"{e.created_at:%Y-%m-%d %H:%M} UTC"
        line = f"    exclusion {e.id}: {len(e.user_ids)} accounts, {when} by {who}"
        if not e.is_active:
            line += f", lifted {e.lifted_at:%Y-%m-%d %H:%M} UTC" if e.lifted_at else ", lifted"
        lines.append(line)
    return "\n".join(lines)


def _text_summary(title: str, result: AnalysisResult, duration: float) -> str:
    """A human-readable digest: groups, common ground and divisions with statement texts."""
    ids = [int(k) for k in _mentioned(result) if k.isdigit()]
    texts = dict(
        db.session.execute(select(Statement.id, Statement.text).where(Statement.id.in_(ids))).all()
    )

    def show(key: str, extra: str = "") -> str:
        text = " ".join(str(texts.get(int(key), "")).split()) if key.isdigit() else ""
        text = text if len(text) <= 70 else text[:69] + "…"
        return f"      #{key} {text}{extra}"

    lines = [
        title,
        f"  participants: {len(result.participants)} ({result.n_clustered} in opinion groups)",
        f"  opinion groups: {len(result.groups)}",
    ]
    for group in result.groups:
        lines.append(f"    group {group.id}: {group.size} people, set apart by")
        for rep in group.representative[:3]:
            share = rep.agree if rep.direction == "agree" else rep.disagree
            lines.append(show(rep.statement, f" ({share:.0%} {rep.direction})"))
    roles = statement_roles(result)  # the labels of Insights and the report (docs/analysis.md)
    for side, entries in (
        ("agree", result.consensus.agree),
        ("disagree", result.consensus.disagree),
    ):
        rows = [c for c in entries if roles.is_common_ground(c.statement)]
        lines.append(f"  most {side}: {'-' if not rows else ''}".rstrip())
        lines += [
            show(c.statement, f" ({(c.agree if side == 'agree' else c.disagree):.0%})")
            for c in rows[:5]
        ]
    divisive = [d for d in result.divisive if roles.is_divisive(d.statement)][:5]
    lines.append(f"  divisive: {'-' if not divisive else ''}".rstrip())
    lines += [show(d.statement) for d in divisive]
    lines += [
        f"  controversy: {result.controversy} (0 one community, 1 two camps)",
        f"  left out by moderation: {result.excluded.n_statements} statements, "
        f"the votes of {result.excluded.participants} participants",
        f"  computed in {duration:.2f} s",
    ]
    return "\n".join(lines)


def _mentioned(result: AnalysisResult) -> set[str]:
    keys = {rep.statement for g in result.groups for rep in g.representative}
    keys |= {c.statement for c in (*result.consensus.agree, *result.consensus.disagree)}
    return keys | {d.statement for d in result.divisive}


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[Callable[[int], Callable[[int], None]]]:
    """Yield a progress factory for import_polis: a bar on a terminal's stderr, else nothing."""
    bars: list[Any] = []

    def factory(total: int) -> Callable[[int], None]:
        if not enabled:
            return lambda n: None
        bar = click.progressbar(length=total, label="Importing", file=sys.stderr)
        bar.__enter__()
        bars.append(bar)
        return bar.update

    try:
        yield factory
    finally:
        for bar in bars:
            bar.__exit__(None, None, None)


@click.command("import-polis")
@click.argument("directory", type=click.Path(file_okay=False, path_type=str))
@click.option("--title", help="Title of the new consultation (default: the Polis topic).")
@click.option("--owner", "owner_email", help="E-mail of the policymaker who will own it.")
@click.option(
    "--status",
    type=click.Choice(["open", "closed"]),
    default="closed",
    show_default=True,
    help="Open lets people keep voting; closed keeps it as a finished consultation.",
)
@with_appcontext
def import_polis_command(
    directory: str, title: str | None, owner_email: str | None, status: str
) -> None:
    """Import the Polis export folder DIRECTORY as a new consultation and print its slug."""
    owner = None
    if owner_email:
        owner = db.session.scalar(select(User).where(User.email == owner_email.strip().lower()))
        if owner is None or not owner.is_policymaker:
            raise CliError(f"No policymaker account {owner_email!r}.")
    try:
        with _progress_bar(sys.stderr.isatty()) as progress:
            summary = import_polis(
                directory,
                title=title,
                owner=owner,
                status=ConsultationStatus(status),
                progress=progress,
            )
        db.session.commit()
    except ImportFailed as exc:
        db.session.rollback()
        raise CliError(str(exc)) from None
    except Exception:
        db.session.rollback()
        raise
    click.echo(
        f"Imported {summary.statements} statements ({summary.hidden} hidden), "
        f"{summary.participants} participants and {summary.votes} votes.",
        err=True,
    )
    click.echo(summary.consultation.slug)


commands = [analyse_command, import_polis_command]
