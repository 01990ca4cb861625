"""GET /api/v1/consultations/{id}/analysis."""

from __future__ import annotations

import re

from consult.analysis import tasks
from consult.analysis.adapters import participant_id
from consult.consultations.models import ConsultationStatus
from tests.debate.helpers import ANALYSIS_KEYS

SECTION_4 = ANALYSIS_KEYS


def _get(client, consultation_id, **kwargs):
    return client.get(f"/api/v1/consultations/{consultation_id}/analysis", **kwargs)


def test_analysis_api_returns_the_section_4_json(client, db, make_opinions):
    opinions = make_opinions(n=6)
    db.session.commit()
    response = _get(client, opinions.consultation.id)
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) >= SECTION_4
    assert body["stale"] is False and body["refreshing"] is False
    assert body["consultation"] == opinions.consultation.id
    assert body["computed_at"]
    assert body["excluded"] == {"statements": 0, "participants": 0}
    assert len(body["participants"]) == 12
    assert all(re.fullmatch(r"p[0-9a-f]{16}", pid) for pid in body["participants"])
    user = opinions.camp_a[0]
    assert participant_id(opinions.consultation.id, user.id) in body["participants"]
    assert str(user.id) not in body["participants"]
    statement_ids = {str(s.id) for s in opinions.statements}
    for group in body["groups"]:
        assert {r["statement"] for r in group["representative"]} <= statement_ids


def test_analysis_api_draft_is_404(client, db, create_consultation):
    draft = create_consultation(status=ConsultationStatus.draft)
    db.session.commit()
    response = _get(client, draft.id)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_analysis_api_draft_visible_to_its_owner_with_a_token(
    client, db, create_consultation, dummy_policymaker, create_token
):
    draft = create_consultation(owner=dummy_policymaker, status=ConsultationStatus.draft)
    token = create_token(dummy_policymaker)
    db.session.commit()
    response = _get(client, draft.id, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_analysis_api_unknown_consultation_is_404(client, db):
    response = _get(client, 999)
    assert response.status_code == 404
    assert response.is_json


def test_analysis_api_closed_consultation_open_to_anyone(client, db, make_opinions):
    opinions = make_opinions(n=3, status=ConsultationStatus.closed)
    db.session.commit()
    assert _get(client, opinions.consultation.id).status_code == 200


def test_analysis_api_202_while_first_analysis_is_computed(client, db, app, make_opinions):
    app.config.update(ANALYSIS_BACKGROUND=True, ANALYSIS_INLINE_MAX_VOTES=0)
    opinions = make_opinions(n=3)
    db.session.commit()
    response = _get(client, opinions.consultation.id)
    tasks.wait_for_refreshes(timeout=30)
    assert response.status_code == 202
    assert response.headers["Retry-After"] == "5"
    assert response.get_json()["status"] == "computing"
    later = _get(client, opinions.consultation.id)
    assert later.status_code == 200
    assert later.get_json()["stale"] is False


def test_analysis_api_stale_result_while_refreshing(
    client, db, app, make_opinions, create_user, create_vote
):
    opinions = make_opinions(n=4)
    first = _get(client, opinions.consultation.id).get_json()
    app.config.update(ANALYSIS_BACKGROUND=True, ANALYSIS_INLINE_MAX_VOTES=0)
    create_vote(opinions.statements[0], 1, create_user())
    db.session.commit()
    response = _get(client, opinions.consultation.id)
    tasks.wait_for_refreshes(timeout=30)
    body = response.get_json()
    assert response.status_code == 200
    assert body["stale"] is True and body["refreshing"] is True
    assert body["participants"] == first["participants"]


def test_analysis_api_in_openapi(client, db):
    spec = client.get("/api/v1/openapi.json").get_json()
    path = spec["paths"]["/api/v1/consultations/{consultation_id}/analysis"]["get"]
    assert set(path["responses"]) >= {"200", "202", "404"}
    assert "AnalysisSchema" in spec["components"]["schemas"]
    assert "stale" in spec["components"]["schemas"]["AnalysisSchema"]["properties"]


def test_analysis_api_checks_a_stored_result_once_and_follows_each_recomputation(
    client, db, app, make_opinions, create_user, monkeypatch
):
    from consult.analysis import api as analysis_api
    from consult.votes.services import cast_vote

    app.config.update(ANALYSIS_STALE_GRACE_SECONDS=0)
    opinions = make_opinions(n=3)
    db.session.commit()
    parsed = []
    real = analysis_api.AnalysisResult.from_json
    monkeypatch.setattr(
        analysis_api.AnalysisResult,
        "from_json",
        staticmethod(lambda data: parsed.append(1) or real(data)),
    )
    first = _get(client, opinions.consultation.id).get_json()
    again = _get(client, opinions.consultation.id).get_json()
    assert again == first
    assert len(parsed) == 1  # the second read reused the checked answer

    cast_vote(opinions.statements[0], create_user(), "agree")
    db.session.commit()
    changed = _get(client, opinions.consultation.id).get_json()

    assert changed["computed_at"] != first["computed_at"] and not changed["stale"]
    assert len(changed["participants"]) == len(first["participants"]) + 1
    assert len(parsed) == 2
