"""Count domain errors raised with a plain string (not a lazy gettext) in consult/.

    python scripts/untranslated_errors.py            # the count
    python scripts/untranslated_errors.py --verbose  # and where they are

A message or field message written as a string literal or an f-string reaches Kazakh and
Russian users in English; services pass ``_l("...", name=value)`` instead.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ERRORS = {"ValidationFailed", "NotAllowed", "NotFound", "Conflict", "invalid", "too_long"}


def plain_strings(tree: ast.AST) -> list[int]:
    """Lines of the error raises whose message or field messages hold plain strings."""
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
            continue
        call = node.exc
        if not (isinstance(call.func, ast.Name) and call.func.id in ERRORS):
            continue
        args = list(call.args)
        if call.func.id in ("invalid", "too_long"):  # (message, field name, details...)
            args = args[:1] + args[2:]
        values = [*args, *(k.value for k in call.keywords if k.arg == "fields")]
        keys = {
            id(k) for v in values for d in ast.walk(v) if isinstance(d, ast.Dict) for k in d.keys
        }
        if any(_plain(value, keys) for value in values):
            found.append(node.lineno)
    return found


def _plain(value: ast.AST, keys: set[int]) -> bool:
    """Whether a message (or a dict/list of them) holds text outside ``_l()``/``_()``."""
    translated = {
        id(sub)
        for call in ast.walk(value)
        if isinstance(call, ast.Call) and getattr(call.func, "id", "") in ("_", "_l")
        for sub in ast.walk(call)
    }
    return any(
        id(sub) not in translated
        and id(sub) not in keys
        and (
            isinstance(sub, ast.JoinedStr)
            or (isinstance(sub, ast.Constant) and isinstance(sub.value, str))
        )
        for sub in ast.walk(value)
    )


def main() -> None:
    total = 0
    for path in sorted((ROOT / "consult").rglob("*.py")):
        for line in plain_strings(ast.parse(path.read_text(encoding="utf-8"))):
            total += 1
            if "--verbose" in sys.argv:
                print(f"{path.relative_to(ROOT)}:{line}")
    print(f"domain errors raised with a plain string: {total}")


if __name__ == "__main__":
    main()
