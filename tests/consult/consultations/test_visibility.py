"""Pages and the API see the same consultations: one visibility query serves both."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from consult.auth.models import Role, User
from consult.consultations.models import Consultation, ConsultationStatus
from tests.clients import Caller

VIEWERS = ["anonymous", "participant", "other policymaker", "owner", "admin"]
SEES_DRAFT = {"owner", "admin"}


@pytest.fixture
def call(client: FlaskClient, create_token: Callable[[User], str]) -> Caller:
    return Caller(client, create_token)


def viewer(name: str, owner: User, create_user: Callable[..., User]) -> User | None:
    roles = {"participant": Role.participant, "other policymaker": Role.policymaker}
    if name == "anonymous":
        return None
    if name == "owner":
        return owner
    return create_user(role=roles.get(name, Role.admin))


@pytest.mark.parametrize("name", VIEWERS)
def test_draft_is_visible_on_pages_exactly_where_the_api_shows_it(
    call: Caller, create_user: Any, create_consultation: Any, name: str
) -> None:
    owner = create_user(role=Role.policymaker)
    draft: Consultation = create_consultation(owner=owner, status=ConsultationStatus.draft)
    public: Consultation = create_consultation(owner=owner)
    who = viewer(name, owner, create_user)
    expected = 200 if name in SEES_DRAFT else 404

    for path in ("", "/insights", "/responses"):
        page = call.page("GET", f"/consultations/{draft.slug}{path}", who)
        assert page.status_code == expected, path
    assert call.api("GET", f"/api/v1/consultations/{draft.id}", who).status_code == expected
    assert call.api("GET", f"/api/v1/consultations/{draft.id}/analysis", who).status_code in (
        (200, 202) if expected == 200 else (404,)
    )

    listed = {c["slug"] for c in call.api("GET", "/api/v1/consultations", who).get_json()["items"]}
    index = call.page("GET", "/", who).get_data(as_text=True)
    assert public.slug in listed and f"/consultations/{public.slug}" in index
    assert (draft.slug in listed) is (name in SEES_DRAFT)
    assert (f'/consultations/{draft.slug}"' in index) is (name in SEES_DRAFT)
