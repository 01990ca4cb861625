"""No error message in consult/ reaches a user in English (scripts/untranslated_errors.py)."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "untranslated_errors.py"


def _script_module() -> Any:
    spec = importlib.util.spec_from_file_location("untranslated_errors", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_error_message_in_consult_is_a_plain_string() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--verbose"], capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines() == [
        "domain errors raised with a plain string: 0",
        "API and HTTP errors with a plain string: 0",
    ], result.stdout


def test_the_script_finds_plain_api_and_http_messages() -> None:
    module = _script_module()
    source = """
def view():
    abort(400, description="Not a statement id.")
    abort(403, description=_l("Fine."))
    raise not_found("Statement")
    raise not_found(_l("Statement not found."))
    raise forbid(f"Not {who}.")
    raise ApiError(422, "validation_error", _l("Invalid."), fields={"x": ["Required."]})
    raise ApiError(422, "validation_error", _l("Invalid."), fields={"x": [_l("Required.")]})
    return json_error(503, "unavailable", "Retry shortly.")
    raise Conflict("Already on.")
    raise Conflict(_l("Already on."))
"""
    tree = ast.parse(source)
    assert module.plain_strings(tree, kind="http") == [3, 5, 7, 8, 10]
    assert module.plain_strings(tree, kind="domain") == [11]
