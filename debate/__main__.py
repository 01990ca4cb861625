"""``python -m debate``: see :mod:`debate.cli`."""

from debate.cli import main

raise SystemExit(main())
