"""The ``kenes`` command: the Flask CLI with the app loaded, plus the project's commands.

Each domain adds its commands in its ``init_app`` (``consult/<domain>/cli.py``); commands stay
thin: parse, call services, commit once.
"""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from consult import create_app


@click.group(cls=FlaskGroup, create_app=create_app, help="Kenes command line.")
def main() -> None:
    """Run the Kenes CLI."""
