"""The ``kenes`` command: the Flask CLI with the app loaded, plus the project's commands.

Each domain package may define ``cli.py`` with ``commands``, a list of click commands; they are
added here. Commands stay thin: parse, call services, commit once.
"""

from __future__ import annotations

import importlib

import click
from flask import Flask
from flask.cli import FlaskGroup


def init_app(app: Flask) -> None:
    """Register every domain's commands on the app's CLI."""
    from consult import DOMAINS

    for name in DOMAINS:
        try:
            module = importlib.import_module(f"consult.{name}.cli")
        except ModuleNotFoundError as exc:
            if exc.name != f"consult.{name}.cli":
                raise
            continue
        for command in getattr(module, "commands", []):
            app.cli.add_command(command)


def _create_app() -> Flask:
    from consult import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, help="Kenes command line.")
def main() -> None:
    """Run the Kenes CLI."""
