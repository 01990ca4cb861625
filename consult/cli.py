"""The ``kenes`` command: the Flask CLI with the app loaded, plus the project's commands.

Each domain adds its commands in its ``init_app`` (``consult/<domain>/cli.py``); commands stay
thin: parse, call services, commit once.
"""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup

from consult import MissingSetting, create_app


def _create_app() -> Flask:
    """Create the app; a missing production setting ends the command with one line."""
    try:
        return create_app()
    except MissingSetting as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)


@click.group(cls=FlaskGroup, create_app=_create_app, help="Kenes command line.")
def main() -> None:
    """Run the Kenes CLI."""
