"""The signed-in thread page in-process: SQL statements, wall and CPU time per render.

Renders the demo consultation's thread page for the demo citizen (signed in with a server-side
session, as bench/stack.py does) with Flask's test client, on a PostgreSQL database prepared by
``bench/stack.py`` (``--prepare`` creates it: the demo and a few accounts), and prints the
statements per render and the median wall and CPU time. ``--app-root`` serves an older tree, for
before/after in one session (its translations must be compiled: ``pybabel compile -d
ROOT/consult/translations``)::

    .venv/bin/python bench/signed_in_page.py --prepare
    .venv/bin/python bench/signed_in_page.py --app-root /tmp/kenes-before --language ru
"""

from __future__ import annotations

import logging
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from _common import doc_parser

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/kenes_signed_in_page"
KEY = "bench-signed-in-page-" + "k" * 24


def main() -> None:
    parser = doc_parser(__doc__)
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--app-root", type=Path, default=ROOT)
    parser.add_argument("--language", default="en")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--prepare", action="store_true", help="create the database first")
    args = parser.parse_args()
    sys.path.insert(0, str(args.app_root))
    if args.prepare:
        from stack import fresh_postgres, prepare_database

        prepare_database(fresh_postgres(args.database_url), accounts=10, secret_key=KEY)

    from flask import session
    from flask_login import login_user
    from sqlalchemy import event, select

    from consult import create_app
    from consult.auth.models import User
    from consult.consultations.demo import DEMO_SLUG
    from consult.extensions import db

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": args.database_url, "SECRET_KEY": KEY, "ANALYSIS_ID_KEY": KEY}
    )
    logging.disable(logging.INFO)  # the request log line of every render
    sent: list[str] = []
    with app.app_context():
        citizen = db.session.scalar(select(User).where(User.email == "citizen@demo.kenes.kz"))
        with app.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.0.1"}):
            login_user(citizen)
            serializer: Any = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
            cookie = serializer.dumps(dict(session))
        db.session.commit()

        def record(*event_args: Any) -> None:
            sent.append(event_args[2])

        event.listen(db.engine, "before_cursor_execute", record)
    client = app.test_client()
    client.set_cookie("session", cookie, domain="localhost")
    path = f"/consultations/{DEMO_SLUG}"
    headers = {"Accept-Language": args.language}
    client.get(path, headers=headers)  # warm-up: templates compiled, caches filled
    wall, cpu, statements = [], [], []
    size = 0
    for _ in range(args.runs):
        sent.clear()
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(path, headers=headers)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        statements.append(len(sent))
        assert response.status_code == 200, response.status_code
        size = len(response.data)
    load = Path("/proc/loadavg").read_text().split()[0]
    print(
        f"{args.app_root}: {max(statements)} SQL statements, {size / 1000:.1f} KB, "
        f"median wall {1000 * statistics.median(wall):.1f} ms, "
        f"CPU {1000 * statistics.median(cpu):.1f} ms (load average {load})"
    )


if __name__ == "__main__":
    main()
