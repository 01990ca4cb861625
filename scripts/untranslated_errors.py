"""Count error messages in consult/ that reach users in English (not a lazy gettext).

    python scripts/untranslated_errors.py            # the two counts
    python scripts/untranslated_errors.py --verbose  # and where they are

Two kinds are counted:

* domain errors (``ValidationFailed``, ``NotAllowed``, ``NotFound``, ``Conflict``, ``invalid``,
  ``too_long``) raised with a message or field message written as a string literal or an
  f-string: services pass ``_l("...", name=value)`` instead;
* API and HTTP errors: ``ApiError``, ``forbid``, ``not_found``, ``json_error`` and ``abort``
  given such a message (or field messages, or a ``description=``), anywhere in consult/ (the
  API modules and the error handlers). The message is passed whole, ``not_found(_l("Statement
  not found."))``, so that a translation is a sentence and not English built around a noun.

A message inside ``_()``/``_l()``/``ngettext()`` counts as translated; the API answers in the
language of the request (``?lang=`` or ``Accept-Language``, docs/api.md).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRANSLATORS = {"_", "_l", "gettext", "lazy_gettext", "ngettext"}

#: domain errors: which positional arguments are messages (None: all of them)
DOMAIN_ERRORS: dict[str, tuple[int, ...] | None] = {
    "ValidationFailed": None,
    "NotAllowed": None,
    "NotFound": None,
    "Conflict": None,
    "invalid": (0, 2, 3, 4, 5),  # (message, field name, details...)
    "too_long": (0,),
}
#: API and HTTP errors: positional message arguments and the keywords that hold messages
HTTP_ERRORS: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {
    "ApiError": ((2,), ("message", "fields")),
    "forbid": ((0,), ("message",)),
    "not_found": ((0,), ("message",)),
    "json_error": ((2, 3), ("message", "fields")),
    "abort": ((1,), ("description",)),
}


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _messages(call: ast.Call, positions: tuple[int, ...] | None, keywords: tuple[str, ...]):
    args = [a for i, a in enumerate(call.args) if positions is None or i in positions]
    return [*args, *(k.value for k in call.keywords if k.arg in keywords)]


def plain_strings(tree: ast.AST, *, kind: str = "domain") -> list[int]:
    """Lines of the error calls of one kind ("domain" or "http") whose messages are plain."""
    found = []
    for node in ast.walk(tree):
        if kind == "domain":
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            call = node.exc
            name = _name(call.func)
            if not isinstance(call.func, ast.Name) or name not in DOMAIN_ERRORS:
                continue
            values = _messages(call, DOMAIN_ERRORS[name], ("fields",))
        else:
            if not isinstance(node, ast.Call):
                continue
            call = node
            name = _name(call.func)
            if name not in HTTP_ERRORS:
                continue
            values = _messages(call, *HTTP_ERRORS[name])
        keys = {
            id(k) for v in values for d in ast.walk(v) if isinstance(d, ast.Dict) for k in d.keys
        }
        if any(_plain(value, keys) for value in values):
            found.append(node.lineno)
    return found


def _plain(value: ast.AST, keys: set[int]) -> bool:
    """Whether a message (or a dict/list of them) holds text outside a gettext call."""
    translated = {
        id(sub)
        for call in ast.walk(value)
        if isinstance(call, ast.Call) and _name(call.func) in TRANSLATORS
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


def counts(verbose: bool = False) -> dict[str, int]:
    """The number of plain messages of each kind in consult/ (printing where, if verbose)."""
    totals = {"domain": 0, "http": 0}
    for path in sorted((ROOT / "consult").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for kind in totals:
            for line in plain_strings(tree, kind=kind):
                totals[kind] += 1
                if verbose:
                    print(f"{path.relative_to(ROOT)}:{line} ({kind})")
    return totals


def main() -> None:
    totals = counts("--verbose" in sys.argv)
    print(f"domain errors raised with a plain string: {totals['domain']}")
    print(f"API and HTTP errors with a plain string: {totals['http']}")


if __name__ == "__main__":
    main()
