"""WSGI entry point: ``gunicorn wsgi:app``."""

import sys

from consult import MissingSetting, create_app

try:
    app = create_app()
except MissingSetting as exc:
    print(f"Error: {exc}", file=sys.stderr)
    sys.exit(3)  # gunicorn's "worker failed to boot": it stops instead of respawning workers
