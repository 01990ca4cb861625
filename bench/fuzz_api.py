"""Fuzz the JSON API from its OpenAPI document with schemathesis: no answer may be a 5xx.

Every operation of ``/api/v1/openapi.json`` gets cases generated from its schema, negative
(invalid bodies, parameters and ids) and positive, sent in-process (WSGI) as an administrator
with a bearer token, on a fresh SQLite database with the demo consultation. Prints the number of
cases, the answers by status class and every 5xx; exits 1 if there was one. Hypothesis stops
early on operations with few distinct inputs, so the run makes somewhat fewer cases than
``--cases``.

    .venv/bin/python bench/fuzz_api.py --cases 6000
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from consult import create_app  # noqa: E402
from consult.auth.models import Role  # noqa: E402
from consult.auth.services import create_token, create_user  # noqa: E402
from consult.consultations.demo import seed_demo  # noqa: E402
from consult.extensions import db  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=6000, help="cases to aim for in all")
    parser.add_argument("--out", default=str(ROOT / "bench/results/fuzz_api.json"))
    args = parser.parse_args()

    path = Path(tempfile.mkdtemp()) / "fuzz.sqlite3"
    app = create_app(
        {
            "SECRET_KEY": "fuzz",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "RATELIMIT_ENABLED": False,
            "JOBS_BACKEND": "eager",
            "ANALYSIS_BACKGROUND": False,
            "LOG_REQUESTS": False,
            "LOG_LEVEL": "ERROR",
            "SESSION_COOKIE_SECURE": False,
        }
    )
    with app.app_context():
        db.create_all()
        seed_demo()
        admin = create_user("fuzz-admin@example.org", "Fuzz Admin", None, role=Role.admin)
        _row, token = create_token(admin, "fuzz")
        db.session.commit()

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    per_operation = max(1, -(-args.cases // len(operations)))
    counts: collections.Counter[str] = collections.Counter()
    failures: list[dict[str, Any]] = []
    skipped: list[str] = []
    headers = {"Authorization": f"Bearer {token}"}
    started = time.perf_counter()

    current = {"label": ""}
    for operation in operations:
        current["label"] = operation.label
        for mode in (GenerationMode.NEGATIVE, GenerationMode.POSITIVE):
            examples = per_operation // 2 + (
                per_operation % 2 if mode is GenerationMode.NEGATIVE else 0
            )
            strategy = operation.as_strategy(generation_mode=mode)

            @given(case=strategy)
            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def run(case: Any) -> None:
                response = case.call(headers=headers)
                counts[f"{response.status_code // 100}xx"] += 1
                counts["cases"] += 1
                if response.status_code >= 500:
                    failures.append(
                        {
                            "operation": current["label"],
                            "status": response.status_code,
                            "body": response.text[:300],
                            "curl": case.as_curl_command(),
                        }
                    )

            try:
                run()
            except Unsatisfiable:
                skipped.append(f"{operation.label} ({mode.value})")

    seconds = time.perf_counter() - started
    result = {
        "operations": len(operations),
        "cases": counts["cases"],
        "by_status": {k: v for k, v in sorted(counts.items()) if k.endswith("xx")},
        "no_cases_possible": skipped,
        "server_errors": len(failures),
        "failures": failures[:50],
        "seconds": round(seconds, 1),
        "schemathesis": schemathesis.__version__,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "failures"}, indent=2))
    for failure in failures[:10]:
        print(failure["operation"], failure["status"], failure["curl"], file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
