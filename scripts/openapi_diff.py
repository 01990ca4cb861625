"""Dump the OpenAPI document, or check that a new one only adds to an old one.

    python scripts/openapi_diff.py dump > before.json           # on main
    python scripts/openapi_diff.py check before.json            # on a branch: exit 1 on removals

``check`` lists every path, key or value of the old document that the new one lacks or changed
(what would break a client); additions are counted, not listed. Lists compare as sets of their
JSON items (order carries no meaning in OpenAPI's lists of parameters, tags or enums).
"""

from __future__ import annotations

import json
import sys
from typing import Any


def current_spec() -> dict[str, Any]:
    """The OpenAPI document of an app built with the test configuration."""
    from consult import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.test_client() as client:
        spec: dict[str, Any] = client.get("/api/v1/openapi.json").get_json()
    return spec


def removals(old: Any, new: Any, path: str = "") -> tuple[list[str], int]:
    """(what ``new`` lost or changed from ``old``, how many things it added)."""
    if isinstance(old, dict) and isinstance(new, dict):
        lost: list[str] = []
        added = len(set(new) - set(old))
        for key, value in old.items():
            if key not in new:
                lost.append(f"{path}/{key}: removed")
                continue
            sub_lost, sub_added = removals(value, new[key], f"{path}/{key}")
            lost += sub_lost
            added += sub_added
        return lost, added
    if isinstance(old, list) and isinstance(new, list):
        old_items = {json.dumps(v, sort_keys=True) for v in old}
        new_items = {json.dumps(v, sort_keys=True) for v in new}
        gone = sorted(old_items - new_items)
        return [f"{path}: lost {item}" for item in gone], len(new_items - old_items)
    if old != new:
        return [f"{path}: {old!r} -> {new!r}"], 0
    return [], 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["dump"]:
        json.dump(current_spec(), sys.stdout, indent=1, sort_keys=True)
        return 0
    if argv[:1] == ["check"] and len(argv) == 2:
        with open(argv[1], encoding="utf-8") as handle:
            old = json.load(handle)
        lost, added = removals(old, current_spec())
        for line in lost:
            print(line)
        print(f"{len(lost)} removals or changes, {added} additions")
        return 1 if lost else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
