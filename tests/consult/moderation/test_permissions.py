"""Every moderation route x every role: anonymous, participant, moderator of another
consultation, the consultation's moderator, admin."""

from __future__ import annotations

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


# (name, kind, method, url(world), body(world), setup, expected by role)
# Expected: anonymous, participant, other_moderator, moderator, admin.
PAGE, API = "page", "api"
CASES: list[tuple[Any, ...]] = [
    ("queue", PAGE, "GET", lambda w: "/moderation", None, None, (302, 403, 200, 200, 200)),
    (
        "queue filtered",
        PAGE,
        "GET",
        lambda w: f"/moderation?consultation={w.consultation.id}",
        None,
        None,
        (302, 403, 403, 200, 200),
    ),
    (
        "bulk",
        PAGE,
        "POST",
        lambda w: "/moderation/bulk",
        lambda w: {"statements": [w.statement.id], "action": "hide", "reason": "Spam."},
        None,
        (302, 403, 403, 303, 303),
    ),
    (
        "review",
        PAGE,
        "GET",
        lambda w: f"/moderation/statements/{w.statement.id}",
        None,
        None,
        (302, 403, 403, 200, 200),
    ),
    (
        "decide",
        PAGE,
        "POST",
        lambda w: f"/moderation/statements/{w.statement.id}",
        lambda w: {"action": "hide", "reason": "Spam."},
        None,
        (302, 403, 403, 303, 303),
    ),
    (
        "merge",
        PAGE,
        "POST",
        lambda w: f"/moderation/statements/{w.duplicate.id}/merge",
        lambda w: {"into": w.statement.id, "reason": "Duplicate."},
        None,
        (302, 403, 403, 303, 303),
    ),
    (
        "user record",
        PAGE,
        "GET",
        lambda w: f"/moderation/users/{w.author.id}",
        None,
        None,
        (302, 403, 403, 200, 200),
    ),
    (
        "block",
        PAGE,
        "POST",
        lambda w: f"/moderation/users/{w.author.id}/block",
        lambda w: {"kind": "suspend", "days": "7", "reason": "Spam."},
        None,
        (302, 403, 403, 303, 303),
    ),
    (
        "unblock",
        PAGE,
        "POST",
        lambda w: f"/moderation/users/{w.author.id}/unblock",
        lambda w: {"reason": "Fine."},
        _block_author,
        (302, 403, 403, 303, 303),
    ),
    ("audit", PAGE, "GET", lambda w: "/moderation/audit", None, None, (302, 403, 200, 200, 200)),
    (
        "audit filtered",
        PAGE,
        "GET",
        lambda w: f"/moderation/audit?consultation={w.consultation.id}",
        None,
        None,
        (302, 403, 403, 200, 200),
    ),
    (
        "audit csv",
        PAGE,
        "GET",
        lambda w: "/moderation/audit?format=csv",
        None,
        None,
        (302, 403, 200, 200, 200),
    ),
    (
        "reasons",
        PAGE,
        "GET",
        lambda w: "/moderation/reasons",
        None,
        None,
        (302, 403, 200, 200, 200),
    ),
    (
        "add reason",
        PAGE,
        "POST",
        lambda w: "/moderation/reasons",
        lambda w: {"action": "hide", "text": "Spam."},
        None,
        (302, 403, 303, 303, 303),
    ),
    (
        "brigades",
        PAGE,
        "GET",
        lambda w: f"/moderation/brigades?consultation={w.consultation.id}",
        None,
        None,
        (302, 403, 403, 200, 200),
    ),
    (
        "flag page",
        PAGE,
        "POST",
        lambda w: f"/statements/{w.duplicate.id}/flag",
        lambda w: {"reason": "spam"},
        None,
        (302, 303, 303, 303, 303),
    ),
    (
        "api flag",
        API,
        "POST",
        lambda w: f"/api/v1/statements/{w.duplicate.id}/flags",
        lambda w: {"reason": "spam"},
        None,
        (401, 201, 201, 201, 201),
    ),
    (
        "api queue",
        API,
        "GET",
        lambda w: "/api/v1/moderation/queue",
        None,
        None,
        (401, 403, 200, 200, 200),
    ),
    (
        "api queue filtered",
        API,
        "GET",
        lambda w: f"/api/v1/moderation/queue?consultation={w.consultation.id}",
        None,
        None,
        (401, 403, 403, 200, 200),
    ),
    (
        "api decide",
        API,
        "POST",
        lambda w: f"/api/v1/statements/{w.statement.id}/moderation",
        lambda w: {"action": "hide", "reason": "Spam."},
        None,
        (401, 403, 403, 200, 200),
    ),
    (
        "api bulk",
        API,
        "POST",
        lambda w: "/api/v1/moderation/bulk",
        lambda w: {"statements": [w.statement.id], "action": "hide", "reason": "Spam."},
        None,
        (401, 403, 403, 200, 200),
    ),
    (
        "api merge",
        API,
        "POST",
        lambda w: f"/api/v1/statements/{w.duplicate.id}/merge",
        lambda w: {"into": w.statement.id, "reason": "Duplicate."},
        None,
        (401, 403, 403, 200, 200),
    ),
    (
        "api blocks",
        API,
        "GET",
        lambda w: f"/api/v1/users/{w.author.id}/blocks",
        None,
        None,
        (401, 403, 403, 200, 200),
    ),
    (
        "api block",
        API,
        "POST",
        lambda w: f"/api/v1/users/{w.author.id}/blocks",
        lambda w: {"kind": "block", "reason": "Spam."},
        None,
        (401, 403, 403, 201, 201),
    ),
    (
        "api unblock",
        API,
        "DELETE",
        lambda w: f"/api/v1/users/{w.author.id}/blocks",
        lambda w: {"reason": "Fine."},
        _block_author,
        (401, 403, 403, 200, 200),
    ),
    (
        "api audit",
        API,
        "GET",
        lambda w: "/api/v1/moderation/audit",
        None,
        None,
        (401, 403, 200, 200, 200),
    ),
    (
        "api audit filtered",
        API,
        "GET",
        lambda w: f"/api/v1/moderation/audit?consultation={w.consultation.id}",
        None,
        None,
        (401, 403, 403, 200, 200),
    ),
    (
        "api brigades",
        API,
        "GET",
        lambda w: f"/api/v1/moderation/brigades?consultation={w.consultation.id}",
        None,
        None,
        (401, 403, 403, 200, 200),
    ),
    (
        "api reasons",
        API,
        "GET",
        lambda w: "/api/v1/moderation/reasons",
        None,
        None,
        (401, 403, 200, 200, 200),
    ),
    (
        "api similar",
        API,
        "GET",
        lambda w: f"/api/v1/consultations/{w.consultation.id}/similar?text=coal",
        None,
        None,
        (200, 200, 200, 200, 200),
    ),
]

MATRIX = [
    pytest.param(case, role, expected, id=f"{case[0]}-{role}")
    for case in CASES
    for role, expected in zip(ROLES, case[6], strict=True)
]


@pytest.mark.parametrize(("case", "role", "expected"), MATRIX)
def test_route_permissions(call, world, as_role, case, role, expected):
    _name, kind, method, url, body, setup, _expected = case
    if setup is not None:
        setup(world)
    user = as_role(role)

    if kind == PAGE:
        response = call.page(method, url(world), user, data=body(world) if body else None)
    else:
        response = call.api(method, url(world), user, json=body(world) if body else None)

    assert response.status_code == expected, response.get_data(as_text=True)[:300]
    if kind == PAGE and expected == 302:
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
