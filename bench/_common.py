"""What the benchmark scripts share: the command line of the database benchmarks, bulk inserts
of generated rows, and the participant accounts they create."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert

ROOT = Path(__file__).resolve().parents[1]
# The shared data next to the project (../shared from /work/main, ../../shared from a worktree).
SHARED = next(
    (p / "shared" for p in ROOT.parents if (p / "shared" / "data").is_dir()), ROOT.parent / "shared"
)

#: Rows a bulk INSERT sends at once (PostgreSQL takes at most 65,535 parameters a statement).
CHUNK = 20_000


def bench_parser(doc: str | None, default_db: str) -> argparse.ArgumentParser:
    """The parser of a benchmark on its own PostgreSQL database: ``--database-url`` (default
    ``$KENES_BENCH_DATABASE_URL`` or ``default_db``), ``--json`` and ``--keep-database``."""
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default=os.environ.get("KENES_BENCH_DATABASE_URL", default_db)
    )
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--keep-database", action="store_true")
    return parser


def insert_ids(session: Any, model: Any, rows: Sequence[dict[str, Any]]) -> list[int]:
    """INSERT the rows of a model in chunks of :data:`CHUNK`: the new ids in the rows' order."""
    ids: list[int] = []
    for start in range(0, len(rows), CHUNK):
        ids += session.scalars(
            insert(model).returning(model.id, sort_by_parameter_order=True),
            rows[start : start + CHUNK],
        )
    return ids


def account_rows(
    n: int,
    role: Any,
    created: datetime,
    name: Callable[[int], str],
    email: Callable[[int], str | None],
) -> list[dict[str, Any]]:
    """The rows of ``n`` accounts with ``role``: ``name(i)`` and ``email(i)`` for the i-th; an
    account without an e-mail address is an imported one."""
    return [
        {
            "email": email(i),
            "display_name": name(i),
            "role": role,
            "created_at": created,
            "is_imported": email(i) is None,
            "session_version": 0,
        }
        for i in range(n)
    ]


def write_json(path: Path, data: Any) -> None:
    """Write a results file (indented JSON), making its folder, and say so."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
    print(f"wrote {path}")
