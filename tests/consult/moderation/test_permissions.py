"""Every moderation route x every role: anonymous, participant, moderator of another
consultation, the consultation's moderator, admin."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

from consult.moderation.blocks.services import block_user
from consult.moderation.flags.services import flag_statement
from consult.statements.models import StatementStatus

from .conftest import ROLES


@dataclass
class World:
    """The objects every case acts on."""

    consultation: Any
    statement: Any  # flagged once, by someone else
    duplicate: Any
    author: Any
    admin: Any


@pytest.fixture
def world(consultation, statement, create_statement, author, people, as_role) -> World:
    duplicate = create_statement(consultation=consultation, text="Ban coal heating by 2028!")
    flag_statement(statement, people[0], reason="spam")
    return World(consultation, statement, duplicate, author, as_role("admin"))


def _block_author(world: World) -> None:
    block_user(world.author, world.admin, kind="block", reason="Spam.")


# Each route: name, method, url (its {placeholders} are the ids of World's objects), then the
# status expected for anonymous, participant, other_moderator, moderator, admin. The "api ..."
# routes are called as the API (their url under /api/v1), the others as pages.
TABLE = """
queue              GET    /moderation                                       302 403 200 200 200
queue filtered     GET    /moderation?consultation={consultation}           302 403 403 200 200
bulk               POST   /moderation/bulk                                  302 403 403 303 303
review             GET    /moderation/statements/{statement}                302 403 403 200 200
decide             POST   /moderation/statements/{statement}                302 403 403 303 303
merge              POST   /moderation/statements/{duplicate}/merge          302 403 403 303 303
user record        GET    /moderation/users/{author}                        302 403 403 200 200
block              POST   /moderation/users/{author}/block                  302 403 403 303 303
unblock            POST   /moderation/users/{author}/unblock                302 403 403 303 303
audit              GET    /moderation/audit                                 302 403 200 200 200
audit filtered     GET    /moderation/audit?consultation={consultation}     302 403 403 200 200
audit csv          GET    /moderation/audit?format=csv                      302 403 200 200 200
reasons            GET    /moderation/reasons                               302 403 200 200 200
add reason         POST   /moderation/reasons                               302 403 303 303 303
brigades           GET    /moderation/brigades?consultation={consultation}  302 403 403 200 200
flag page          POST   /statements/{duplicate}/flag                      302 303 303 303 303
api flag           POST   /statements/{duplicate}/flags                     401 201 201 201 201
api queue          GET    /moderation/queue                                 401 403 200 200 200
api queue filtered GET    /moderation/queue?consultation={consultation}     401 403 403 200 200
api decide         POST   /statements/{statement}/moderation                401 403 403 200 200
api bulk           POST   /moderation/bulk                                  401 403 403 200 200
api merge          POST   /statements/{duplicate}/merge                     401 403 403 200 200
api blocks         GET    /users/{author}/blocks                            401 403 403 200 200
api block          POST   /users/{author}/blocks                            401 403 403 201 201
api unblock        DELETE /users/{author}/blocks                            401 403 403 200 200
api audit          GET    /moderation/audit                                 401 403 200 200 200
api audit filtered GET    /moderation/audit?consultation={consultation}     401 403 403 200 200
api brigades       GET    /moderation/brigades?consultation={consultation}  401 403 403 200 200
api reasons        GET    /moderation/reasons                               401 403 200 200 200
api similar        GET    /consultations/{consultation}/similar?text=coal   200 200 200 200 200
"""
ROW = re.compile(r"(.+?)\s+(GET|POST|DELETE)\s+(\S+)\s+((?:\d{3} ){4}\d{3})")


def _row(line: str) -> tuple[str, tuple[str, str, str]]:
    match = ROW.fullmatch(line)
    assert match is not None, line
    name, method, url, statuses = match.groups()
    return name, (method, url, statuses)


CASES = dict(_row(line) for line in TABLE.strip().splitlines())

HIDE = {"action": "hide", "reason": "Spam."}
#: the body of each write (its {placeholders} too); the same for the page and the API
BODIES: dict[str, dict[str, Any]] = {
    "bulk": {"statements": ["{statement}"], **HIDE},
    "decide": HIDE,
    "merge": {"into": "{statement}", "reason": "Duplicate."},
    "block": {"kind": "suspend", "days": "7", "reason": "Spam."},
    "unblock": {"reason": "Fine."},
    "add reason": {"action": "hide", "text": "Spam."},
    "flag page": {"reason": "spam"},
    "api flag": {"reason": "spam"},
    "api decide": HIDE,
    "api bulk": {"statements": ["{statement}"], **HIDE},
    "api merge": {"into": "{statement}", "reason": "Duplicate."},
    "api block": {"kind": "block", "reason": "Spam."},
    "api unblock": {"reason": "Fine."},
}
#: cases that need the author blocked first
BLOCKED_FIRST = {"unblock", "api unblock"}

MATRIX = [
    pytest.param(name, role, int(expected), id=f"{name}-{role}")
    for name, (_method, _url, statuses) in CASES.items()
    for role, expected in zip(ROLES, statuses.split(), strict=True)
]


def _fill(value: Any, world: World) -> Any:
    """The value with its {placeholders} replaced by the ids of the world's objects."""
    if isinstance(value, dict):
        return {key: _fill(item, world) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, world) for item in value]
    ids = {
        name: getattr(world, name).id
        for name in ("consultation", "statement", "duplicate", "author")
    }
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    return value.format(**ids) if isinstance(value, str) else value


@pytest.mark.parametrize(("name", "role", "expected"), MATRIX)
def test_route_permissions(call, world, as_role, name, role, expected):
    method, url_template, _statuses = CASES[name]
    if name in BLOCKED_FIRST:
        _block_author(world)
    user = as_role(role)
    url, body = _fill(url_template, world), _fill(BODIES.get(name), world)

    if name.startswith("api "):
        response = call.api(method, f"/api/v1{url}", user, json=body)
    else:
        response = call.page(method, url, user, data=body)

    assert response.status_code == expected, response.get_data(as_text=True)[:300]
    if not name.startswith("api ") and expected == 302:
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["participant", "other_moderator"])
def test_forbidden_decisions_change_nothing(call, world, as_role, role):
    user = as_role(role)

    call.page("POST", f"/moderation/statements/{world.statement.id}", user, data={
        "action": "hide", "reason": "Spam."})  # fmt: skip
    call.api("POST", f"/api/v1/statements/{world.statement.id}/moderation", user, json={
        "action": "hide", "reason": "Spam."})  # fmt: skip

    assert world.statement.status is StatementStatus.visible


def test_queue_of_another_consultations_moderator_does_not_list_the_statement(
    call, world, other_moderator
):
    body = call.api("GET", "/api/v1/moderation/queue", other_moderator).get_json()

    assert body["items"] == [] and body["total"] == 0


def test_moderator_cannot_moderate_own_statement(call, create_statement, consultation, moderator):
    own = create_statement(consultation=consultation, author=moderator)

    page = call.page("POST", f"/moderation/statements/{own.id}", moderator, data={
        "action": "hide", "reason": "Spam."})  # fmt: skip
    api = call.api("POST", f"/api/v1/statements/{own.id}/moderation", moderator, json={
        "action": "hide", "reason": "Spam."})  # fmt: skip

    assert page.status_code == 403
    assert api.status_code == 403
    assert own.status is StatementStatus.visible
