"""What the benchmark scripts share: the command line of the database benchmarks, bulk inserts
of generated rows, and the participant accounts they create."""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Sequence
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


def doc_parser(doc: str | None) -> argparse.ArgumentParser:
    """A parser whose help is the script's docstring, as written."""
    return argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )


def bench_parser(doc: str | None, default_db: str) -> argparse.ArgumentParser:
    """The parser of a benchmark on its own PostgreSQL database: ``--database-url`` (default
    ``$KENES_BENCH_DATABASE_URL`` or ``default_db``), ``--json`` and ``--keep-database``."""
    parser = doc_parser(doc)
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


def insert_accounts(
    session: Any, user: Any, role: Any, n: int, created: datetime, name: str, email: str | None
) -> list[int]:
    """INSERT ``n`` accounts with ``role``: ``name`` and ``email`` are formats of their index
    ``{i}``; without an e-mail address they are imported accounts. Their ids, in order."""
    rows = [
        {
            "email": None if email is None else email.format(i=i),
            "display_name": name.format(i=i),
            "role": role,
            "created_at": created,
            "is_imported": email is None,
            "session_version": 0,
        }
        for i in range(n)
    ]
    return insert_ids(session, user, rows)


def first_tenth_positions(n: int, kinds: Any) -> tuple[int, list[Any]]:
    """The kinds of ``n`` generated statements (``kinds``: the StatementKind enumeration): the
    first tenth (at least one) positions, the others arguments; and the number of positions."""
    n_positions = max(1, n // 10)
    return n_positions, [kinds.position if i < n_positions else kinds.argument for i in range(n)]


def statement_row(
    consultation_id: int,
    kind: Any,
    text: str,
    key: str,
    author_id: int,
    created: datetime,
    updated: datetime,
    **columns: Any,
) -> dict[str, Any]:
    """The row of a generated statement (``columns``: any other column)."""
    return {
        "consultation_id": consultation_id,
        "kind": kind,
        "text": text,
        "text_key": key,
        "author_id": author_id,
        **columns,
        "created_at": created,
        "updated_at": updated,
    }


def write_json(path: Path, data: Any) -> None:
    """Write a results file (indented JSON), making its folder, and say so."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
    print(f"wrote {path}")


def append_run(path: Path, run: dict[str, Any]) -> None:
    """Add a run (stamped with the local time) to the JSON list of runs in ``path``."""
    runs = json.loads(path.read_text()) if path.exists() else []
    runs.append({"when": time.strftime("%Y-%m-%d %H:%M:%S"), **run})
    path.write_text(json.dumps(runs, indent=2) + "\n")
