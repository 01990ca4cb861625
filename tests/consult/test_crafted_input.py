"""Crafted input at the edge: every case answers 4xx, never 5xx (SQLite and PostgreSQL).

NUL bytes in paths, query strings, form fields and JSON bodies; ids beyond the PostgreSQL
``integer`` range in paths, forms and bodies; Unicode digits that pass ``str.isdigit`` but not
``int``; page numbers written in scientific notation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient

from consult.auth.models import Role, User
from consult.consultations.models import Consultation
from consult.moderation.models import ReasonTemplate
from consult.statements.models import Statement
from consult.web import IdConverter, coerce_id, ids_from, parse_id, parse_int
from tests.clients import Caller

BIG = "2147483648"
HUGE = "9" * 5000  # more digits than int() converts by default


@dataclass
class World:
    participant: User
    moderator: User
    admin: User
    policymaker: User
    consultation: Consultation
    statement: Statement
    template: ReasonTemplate


@pytest.fixture
def call(client: FlaskClient, create_token: Callable[[User], str]) -> Caller:
    return Caller(client, create_token)


@pytest.fixture
def world(create_user, create_consultation, create_statement, db) -> World:
    participant = create_user()
    moderator = create_user(role=Role.moderator)
    admin = create_user(role=Role.admin)
    policymaker = create_user(role=Role.policymaker)
    consultation = create_consultation(owner=policymaker, moderators=[moderator])
    statement = create_statement(consultation=consultation)
    template = ReasonTemplate(action="hide", text="Spam.")
    db.session.add(template)
    db.session.flush()
    return World(participant, moderator, admin, policymaker, consultation, statement, template)


# (id, who, kind, method, url(world), body(world))
PAGE, API = "page", "api"
Case = tuple[str, str, str, str, Callable[[World], str], Callable[[World], Any] | None]
NUL = "bad\x00value"

CASES: list[Case] = [
    # NUL bytes
    ("nul-slug", "anonymous", PAGE, "GET", lambda w: "/consultations/air%00quality", None),
    ("nul-slug-report", "anonymous", PAGE, "GET", lambda w: "/consultations/a%00/report", None),
    ("nul-audit-action", "moderator", PAGE, "GET", lambda w: "/moderation/audit?action=a%00", None),
    (
        "nul-audit-target-type",
        "moderator",
        PAGE,
        "GET",
        lambda w: "/moderation/audit?target_type=%00",
        None,
    ),
    (
        "nul-api-audit",
        "moderator",
        API,
        "GET",
        lambda w: "/api/v1/moderation/audit?action=%00",
        None,
    ),
    ("nul-admin-search", "admin", PAGE, "GET", lambda w: "/admin/users?q=a%00b", None),
    (
        "nul-login-email",
        "anonymous",
        PAGE,
        "POST",
        lambda w: "/login",
        lambda w: {"email": "a\x00@example.org", "password": "x" * 12},
    ),
    (
        "nul-register-name",
        "anonymous",
        PAGE,
        "POST",
        lambda w: "/register",
        lambda w: {
            "email": "new@example.org",
            "display_name": NUL,
            "password": "a long enough passphrase",
            "confirm": "a long enough passphrase",
        },
    ),
    (
        "nul-token-name",
        "participant",
        PAGE,
        "POST",
        lambda w: "/account/tokens",
        lambda w: {"name": NUL},
    ),
    (
        "nul-block-reason",
        "moderator",
        PAGE,
        "POST",
        lambda w: f"/moderation/users/{w.participant.id}/block",
        lambda w: {"kind": "block", "reason": NUL},
    ),
    (
        "nul-api-block-reason",
        "moderator",
        API,
        "POST",
        lambda w: f"/api/v1/users/{w.participant.id}/blocks",
        lambda w: {"kind": "block", "reason": NUL},
    ),
    (
        "nul-reason-template",
        "moderator",
        PAGE,
        "POST",
        lambda w: "/moderation/reasons",
        lambda w: {"action": "hide", "text": NUL},
    ),
    (
        "nul-reason-template-edit",
        "moderator",
        PAGE,
        "POST",
        lambda w: f"/moderation/reasons/{w.template.id}",
        lambda w: {f"t{w.template.id}-action": "hide", f"t{w.template.id}-text": NUL},
    ),
    (
        "nul-decision-reason",
        "moderator",
        PAGE,
        "POST",
        lambda w: f"/moderation/statements/{w.statement.id}",
        lambda w: {"action": "hide", "reason": NUL},
    ),
    (
        "nul-api-decision-reason",
        "moderator",
        API,
        "POST",
        lambda w: f"/api/v1/statements/{w.statement.id}/moderation",
        lambda w: {"action": "hide", "reason": NUL},
    ),
    (
        "nul-api-flag-note",
        "participant",
        API,
        "POST",
        lambda w: f"/api/v1/statements/{w.statement.id}/flags",
        lambda w: {"reason": "other", "note": NUL},
    ),
    (
        "nul-api-json-key",
        "participant",
        API,
        "PUT",
        lambda w: f"/api/v1/statements/{w.statement.id}/vote",
        lambda w: {"value": "agree", NUL: 1},
    ),
    # ids over the integer range
    ("big-statement", "anonymous", PAGE, "GET", lambda w: f"/statements/{BIG}", None),
    ("huge-statement", "anonymous", PAGE, "GET", lambda w: f"/statements/{HUGE}", None),
    ("big-vote", "participant", PAGE, "POST", lambda w: f"/statements/{BIG}/vote", None),
    ("big-flag", "participant", PAGE, "GET", lambda w: f"/statements/{BIG}/flag", None),
    ("big-review", "moderator", PAGE, "GET", lambda w: f"/moderation/statements/{BIG}", None),
    (
        "big-decide",
        "moderator",
        PAGE,
        "POST",
        lambda w: f"/moderation/statements/{BIG}",
        lambda w: {"action": "hide", "reason": "Spam."},
    ),
    ("big-user-record", "moderator", PAGE, "GET", lambda w: f"/moderation/users/{BIG}", None),
    ("big-response-edit", "policymaker", PAGE, "GET", lambda w: f"/responses/{BIG}/edit", None),
    (
        "big-role",
        "admin",
        PAGE,
        "POST",
        lambda w: f"/admin/users/{BIG}/role",
        lambda w: {"role": "admin"},
    ),
    (
        "big-bulk-form",
        "moderator",
        PAGE,
        "POST",
        lambda w: "/moderation/bulk",
        lambda w: {"statements": [BIG], "action": "hide", "reason": "Spam."},
    ),
    (
        "big-merge-into",
        "moderator",
        PAGE,
        "POST",
        lambda w: f"/moderation/statements/{w.statement.id}/merge",
        lambda w: {"into": BIG, "reason": "Duplicate."},
    ),
    (
        "big-notification-form",
        "participant",
        PAGE,
        "POST",
        lambda w: "/notifications/read",
        lambda w: {"id": BIG},
    ),
    (
        "big-argument-target",
        "participant",
        PAGE,
        "POST",
        lambda w: f"/consultations/{w.consultation.slug}/statements",
        lambda w: {"kind": "argument", "text": "Because.", "relation": "support", "target": BIG},
    ),
    ("big-api-statement", "anonymous", API, "GET", lambda w: f"/api/v1/statements/{BIG}", None),
    (
        "big-api-vote",
        "participant",
        API,
        "PUT",
        lambda w: f"/api/v1/statements/{BIG}/vote",
        lambda w: {"value": "agree"},
    ),
    (
        "big-api-responses",
        "policymaker",
        API,
        "GET",
        lambda w: f"/api/v1/statements/{BIG}/responses",
        None,
    ),
    (
        "big-api-bulk",
        "moderator",
        API,
        "POST",
        lambda w: "/api/v1/moderation/bulk",
        lambda w: {"statements": [int(BIG)], "action": "hide", "reason": "Spam."},
    ),
    (
        "big-api-notifications",
        "participant",
        API,
        "POST",
        lambda w: "/api/v1/notifications/read",
        lambda w: {"ids": [int(BIG)]},
    ),
    (
        "big-api-cluster-response",
        "policymaker",
        API,
        "POST",
        lambda w: f"/api/v1/consultations/{w.consultation.id}/responses",
        lambda w: {"decision": "noted", "text": "Noted.", "statements": [int(BIG)]},
    ),
    # Unicode digits and scientific notation in page numbers and filters
    ("superscript-page-queue", "moderator", PAGE, "GET", lambda w: "/moderation?page=²", None),
    (
        "superscript-page-audit",
        "moderator",
        PAGE,
        "GET",
        lambda w: "/moderation/audit?page=²",
        None,
    ),
    ("superscript-page-notes", "participant", PAGE, "GET", lambda w: "/notifications?page=²", None),
    (
        "superscript-filter",
        "moderator",
        PAGE,
        "GET",
        lambda w: "/moderation?consultation=²",
        None,
    ),
    (
        "superscript-api-page",
        "anonymous",
        API,
        "GET",
        lambda w: "/api/v1/consultations?page=²",
        None,
    ),
    (
        "superscript-api-filter",
        "moderator",
        API,
        "GET",
        lambda w: "/api/v1/moderation/audit?actor=²",
        None,
    ),
    ("exp-page-queue", "moderator", PAGE, "GET", lambda w: "/moderation?page=1e20", None),
    ("exp-page-audit", "moderator", PAGE, "GET", lambda w: "/moderation/audit?page=1e20", None),
    ("huge-page-notes", "participant", PAGE, "GET", lambda w: f"/notifications?page={HUGE}", None),
    ("exp-api-page", "anonymous", API, "GET", lambda w: "/api/v1/consultations?page=1e20", None),
    (
        "big-api-per-page",
        "anonymous",
        API,
        "GET",
        lambda w: f"/api/v1/consultations?per_page={BIG}",
        None,
    ),
    (
        "big-next-voted",
        "participant",
        PAGE,
        "GET",
        lambda w: f"/consultations/{w.consultation.slug}/next?voted={BIG}",
        None,
    ),
]

# Pages that ignore a bad page number or filter and show the first page answer 200.
IGNORED = {
    "superscript-page-queue",
    "superscript-page-audit",
    "superscript-page-notes",
    "superscript-filter",
    "exp-page-queue",
    "exp-page-audit",
    "huge-page-notes",
    "big-next-voted",
}


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_crafted_input_answers_4xx(call: Caller, world: World, case: Case) -> None:
    name, who, kind, method, url, body = case
    user = None if who == "anonymous" else getattr(world, who)
    if kind == PAGE:
        response = call.page(method, url(world), user, data=body(world) if body else None)
    else:
        response = call.api(method, url(world), user, json=body(world) if body else None)

    status = response.status_code
    if name in IGNORED:
        assert status == 200, response.get_data(as_text=True)[:300]
    else:
        assert 400 <= status < 500, (status, response.get_data(as_text=True)[:300])
    if kind == API:
        assert response.is_json
    else:
        assert "Werkzeug" not in response.get_data(as_text=True)


def test_crafted_input_changes_nothing(call: Caller, world: World, db) -> None:
    call.page(
        "POST",
        f"/moderation/users/{world.participant.id}/block",
        world.moderator,
        data={"kind": "block", "reason": NUL},
    )
    call.page("POST", "/account/tokens", world.participant, data={"name": NUL})

    assert world.participant.tokens == []
    from consult.auth.standing import active_block

    assert active_block(world.participant) is None


def test_error_page_after_a_failed_statement_renders_on_a_clean_transaction(
    app, client: FlaskClient, db
) -> None:
    from sqlalchemy import text
    from werkzeug.exceptions import BadRequest

    @app.route("/_test/failed-statement")
    def failed_statement() -> Any:
        try:
            db.session.execute(text("SELECT * FROM no_such_table"))
        except Exception:  # noqa: BLE001 - the transaction is now failed (PostgreSQL)
            raise BadRequest("bad") from None
        return "unreachable"

    response = client.get("/_test/failed-statement")

    assert response.status_code == 400
    assert "Werkzeug" not in response.get_data(as_text=True)
    assert "<html" in response.get_data(as_text=True).lower()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", 1), ("2147483647", 2147483647), ("0", None), (BIG, None), ("²", None), ("٣", None)],
)
def test_parse_id_accepts_ascii_ids_in_range(raw: str, expected: int | None) -> None:
    assert parse_id(raw) == expected


def test_parse_int_refuses_scientific_and_unicode_digits() -> None:
    assert parse_int("1e20", minimum=1, maximum=10**6) is None
    assert parse_int("²", minimum=1, maximum=10**6) is None
    assert parse_int(HUGE, minimum=1, maximum=10**6) is None
    assert parse_int("12", minimum=1, maximum=10**6) == 12


def test_id_helpers_refuse_out_of_range_values() -> None:
    assert ids_from(["1", "2"], limit=10) == [1, 2]
    assert ids_from(["1", BIG], limit=10) is None
    with pytest.raises(ValueError, match="not an id"):
        coerce_id(BIG)
    assert coerce_id("5") == 5
    assert IdConverter.regex == "[0-9]+"
