"""The data-quality panel and excluding a suspected group's votes (service, page, API)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from consult.analysis import adapters, quality
from consult.analysis.models import VoteExclusion
from consult.analysis.services import get_analysis_result
from consult.audit.models import AuditEntry
from consult.auth.models import Role, User
from consult.consultations.models import Consultation, ConsultationMember, MemberRole
from consult.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from consult.statements.models import Statement
from consult.types import utcnow
from consult.votes.models import Vote
from tests.clients import Caller


@dataclass
class Brigaded:
    consultation: Consultation
    statements: list[Statement]
    citizens: list[User]
    brigade: list[User]


@pytest.fixture
def caller(client: Any, create_token: Any) -> Caller:
    return Caller(client, create_token)


@pytest.fixture
def make_brigaded(
    create_consultation: Callable[..., Consultation],
    create_statement: Callable[..., Statement],
    create_user: Callable[..., User],
    create_vote: Callable[..., Any],
) -> Callable[..., Brigaded]:
    """Citizens who joined days apart and vote variously, and a brigade joined in minutes."""

    def factory(citizens: int = 6, brigade: int = 4) -> Brigaded:
        consultation = create_consultation()
        statements = [
            create_statement(consultation=consultation, text=f"Proposal number {n}.")
            for n in range(12)
        ]
        now = utcnow()
        people = [create_user(created_at=now - timedelta(days=3 * n + 2)) for n in range(citizens)]
        for i, person in enumerate(people):
            for j, statement in enumerate(statements):
                create_vote(statement, value=1 if (i + j) % 3 else -1, user=person)
        members = [
            create_user(created_at=now - timedelta(hours=5, minutes=n)) for n in range(brigade)
        ]
        for member in members:
            for statement in statements:
                create_vote(statement, value=-1, user=member)
        return Brigaded(consultation, statements, people, members)

    return factory


def _moderator_of(consultation: Consultation, create_user: Any, db: Any) -> User:
    moderator = create_user(role=Role.moderator)
    db.session.add(
        ConsultationMember(
            consultation_id=consultation.id, user_id=moderator.id, role=MemberRole.moderator
        )
    )
    db.session.flush()
    return moderator


def _brigade_excluded(make_brigaded: Any, db: Any) -> tuple[Any, User]:
    """A brigaded consultation whose owner excluded its first suspect group ("Planted
    accounts"); the consultation's data and the owner."""
    data = make_brigaded()
    owner = _owner(data.consultation, db)
    key = quality.data_quality(data.consultation).groups[0].key
    quality.exclude_group(data.consultation, owner, key, reason="Planted accounts")
    return data, owner


def _owner(consultation: Consultation, db: Any) -> User:
    return db.session.scalar(
        select(User)
        .join(ConsultationMember, ConsultationMember.user_id == User.id)
        .where(
            ConsultationMember.consultation_id == consultation.id,
            ConsultationMember.role == MemberRole.owner,
        )
    )


def test_data_quality_names_the_suspected_group(db: Any, make_brigaded: Any) -> None:
    data = make_brigaded()
    panel = quality.data_quality(data.consultation)
    assert len(panel.groups) == 1
    group = panel.groups[0]
    assert group.size == 4 and set(group.user_ids) == {u.id for u in data.brigade}
    assert group.votes == 4 * 12 and group.share == pytest.approx(48 / (48 + 72))
    assert group.first_vote_at is not None and not group.excluded
    assert group.key == quality.group_key(u.id for u in data.brigade)


def test_data_quality_counts_unreviewed_flags_and_pending(
    db: Any, make_brigaded: Any, create_statement: Any, create_user: Any
) -> None:
    from consult.moderation.models import Flag, FlagReason
    from consult.statements.models import StatementStatus

    data = make_brigaded()
    create_statement(consultation=data.consultation, text="Wait.", status=StatementStatus.pending)
    flagged = data.statements[0]
    db.session.add(Flag(statement_id=flagged.id, user_id=create_user().id, reason=FlagReason.spam))
    db.session.add(
        Flag(
            statement_id=data.statements[1].id,
            user_id=create_user().id,
            reason=FlagReason.spam,
            resolved_at=utcnow(),
        )
    )
    db.session.flush()
    panel = quality.data_quality(data.consultation)
    assert (panel.flagged_unreviewed, panel.pending) == (1, 1)


def test_exclude_group_leaves_votes_out_of_the_analysis_and_keeps_them(
    db: Any, make_brigaded: Any
) -> None:
    data = make_brigaded()
    owner = _owner(data.consultation, db)
    before = db.session.scalar(select(func.count(Vote.id)))
    key = quality.data_quality(data.consultation).groups[0].key
    exclusion = quality.exclude_group(data.consultation, owner, key, reason="Planted accounts")
    assert db.session.scalar(select(func.count(Vote.id))) == before  # votes kept
    assert set(exclusion.user_ids) == {u.id for u in data.brigade}
    matrix = adapters.analysis_input(data.consultation).matrix
    brigade_ids = {adapters.participant_id(data.consultation.id, u.id) for u in data.brigade}
    assert len(matrix.participants) == len(data.citizens)
    assert not brigade_ids & set(matrix.participants)
    result, _meta = get_analysis_result(data.consultation, wait=True)
    assert result is not None and not brigade_ids & set(result.participants)
    group = quality.data_quality(data.consultation).groups[0]
    assert group.excluded and group.exclusion is exclusion
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "exclude_votes"))
    assert entry.actor_id == owner.id and entry.reason == "Planted accounts"
    assert sorted(entry.after["accounts"]) == sorted(u.id for u in data.brigade)


def test_lift_exclusion_brings_the_votes_back(db: Any, make_brigaded: Any) -> None:
    data = make_brigaded()
    owner = _owner(data.consultation, db)
    key = quality.data_quality(data.consultation).groups[0].key
    exclusion = quality.exclude_group(data.consultation, owner, key)
    quality.lift_exclusion(data.consultation, owner, exclusion.id, reason="False alarm")
    assert not exclusion.is_active and exclusion.lifted_by is owner
    matrix = adapters.analysis_input(data.consultation).matrix
    assert len(matrix.participants) == len(data.citizens) + len(data.brigade)
    assert db.session.scalar(
        select(AuditEntry.id).where(AuditEntry.action == "lift_vote_exclusion")
    )
    with pytest.raises(Conflict):
        quality.lift_exclusion(data.consultation, owner, exclusion.id)


def test_exclude_group_twice_is_a_conflict(db: Any, make_brigaded: Any) -> None:
    data = make_brigaded()
    owner = _owner(data.consultation, db)
    key = quality.data_quality(data.consultation).groups[0].key
    quality.exclude_group(data.consultation, owner, key)
    with pytest.raises(Conflict):
        quality.exclude_group(data.consultation, owner, key)


def test_exclude_unknown_group_is_not_found(db: Any, make_brigaded: Any) -> None:
    data = make_brigaded()
    with pytest.raises(NotFound):
        quality.exclude_group(data.consultation, _owner(data.consultation, db), "0123456789ab")


def test_exclude_group_refuses_to_leave_fewer_than_two_participants(
    db: Any, make_brigaded: Any
) -> None:
    data = make_brigaded(citizens=1)
    key = quality.data_quality(data.consultation).groups[0].key
    with pytest.raises(ValidationFailed, match="fewer than two participants"):
        quality.exclude_group(data.consultation, _owner(data.consultation, db), key)
    assert db.session.scalar(select(func.count(VoteExclusion.id))) == 0


def test_exclude_group_by_a_participant_is_not_allowed(
    db: Any, make_brigaded: Any, create_user: Any
) -> None:
    data = make_brigaded()
    key = quality.data_quality(data.consultation).groups[0].key
    with pytest.raises(NotAllowed):
        quality.exclude_group(data.consultation, create_user(), key)


def test_exclusion_page_form_excludes_for_a_moderator(
    db: Any, make_brigaded: Any, caller: Caller, create_user: Any
) -> None:
    data = make_brigaded()
    moderator = _moderator_of(data.consultation, create_user, db)
    key = quality.data_quality(data.consultation).groups[0].key
    slug = data.consultation.slug
    page = caller.page("GET", f"/consultations/{slug}/insights", moderator)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="data-quality"' in html and f'value="{key}"' in html
    response = caller.page(
        "POST", f"/consultations/{slug}/exclusions", moderator, data={"group": key}
    )
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(VoteExclusion.id))) == 1
    html = caller.page("GET", f"/consultations/{slug}/insights", moderator).get_data(as_text=True)
    assert "Left out of the analysis" in html and moderator.display_name in html


def test_exclusion_page_form_is_forbidden_to_participants(
    db: Any, make_brigaded: Any, caller: Caller, create_user: Any
) -> None:
    data = make_brigaded()
    key = quality.data_quality(data.consultation).groups[0].key
    response = caller.page(
        "POST",
        f"/consultations/{data.consultation.slug}/exclusions",
        create_user(),
        data={"group": key},
    )
    assert response.status_code == 403
    html = caller.page(
        "GET", f"/consultations/{data.consultation.slug}/insights", create_user()
    ).get_data(as_text=True)
    assert "Leave these votes out" not in html


@pytest.mark.parametrize("via", ["page", "api"])
def test_exclusion_refusal_is_a_422_that_says_why(
    db: Any, make_brigaded: Any, caller: Caller, via: str
) -> None:
    data = make_brigaded(citizens=1)
    key = quality.data_quality(data.consultation).groups[0].key
    owner = _owner(data.consultation, db)
    if via == "page":
        url = f"/consultations/{data.consultation.slug}/exclusions"
        response = caller.page("POST", url, owner, data={"group": key})
        message = response.get_data(as_text=True)
    else:
        url = f"/api/v1/consultations/{data.consultation.id}/exclusions"
        response = caller.api("POST", url, owner, json={"group": key})
        message = response.json["error"]["message"]
    assert response.status_code == 422
    assert "fewer than two participants" in message


def test_exclusion_page_lift_brings_votes_back(db: Any, make_brigaded: Any, caller: Caller) -> None:
    data = make_brigaded()
    owner = _owner(data.consultation, db)
    key = quality.data_quality(data.consultation).groups[0].key
    exclusion = quality.exclude_group(data.consultation, owner, key)
    response = caller.page(
        "POST",
        f"/consultations/{data.consultation.slug}/exclusions/{exclusion.id}/lift",
        owner,
        data={},
    )
    assert response.status_code == 302
    db.session.refresh(exclusion)
    assert exclusion.lifted_at is not None


def test_data_quality_api_lists_groups_without_names(
    db: Any, make_brigaded: Any, caller: Caller
) -> None:
    data = make_brigaded()
    body = caller.api("GET", f"/api/v1/consultations/{data.consultation.id}/data-quality").json
    assert body["consultation"] == data.consultation.id
    (group,) = body["suspected_groups"]
    assert group["accounts"] == 4 and group["votes"] == 48 and group["excluded"] is False
    assert "members" not in group and data.brigade[0].display_name not in str(body)


def test_exclusion_api_excludes_and_lifts(db: Any, make_brigaded: Any, caller: Caller) -> None:
    data = make_brigaded()
    owner = _owner(data.consultation, db)
    cid = data.consultation.id
    key = quality.data_quality(data.consultation).groups[0].key
    created = caller.api(
        "POST", f"/api/v1/consultations/{cid}/exclusions", owner, json={"group": key}
    )
    assert created.status_code == 201
    body = created.json
    assert body["accounts"] == 4 and body["active"] is True
    assert body["excluded_by"] == owner.display_name
    panel = caller.api("GET", f"/api/v1/consultations/{cid}/data-quality").json
    assert panel["suspected_groups"][0]["excluded"] is True
    again = caller.api(
        "POST", f"/api/v1/consultations/{cid}/exclusions", owner, json={"group": key}
    )
    assert again.status_code == 409
    lifted = caller.api(
        "POST", f"/api/v1/consultations/{cid}/exclusions/{body['id']}/lift", owner, json={}
    )
    assert lifted.status_code == 200 and lifted.json["active"] is False


def test_exclusion_api_permissions(
    db: Any, make_brigaded: Any, caller: Caller, create_user: Any
) -> None:
    data = make_brigaded()
    url = f"/api/v1/consultations/{data.consultation.id}/exclusions"
    key = quality.data_quality(data.consultation).groups[0].key
    assert caller.api("POST", url, None, json={"group": key}).status_code == 401
    assert caller.api("POST", url, create_user(), json={"group": key}).status_code == 403
    assert caller.api("POST", url, _owner(data.consultation, db), json={}).status_code == 422
    assert (
        caller.api(
            "POST", "/api/v1/consultations/999999/exclusions", create_user(), json={}
        ).status_code
        == 404
    )


@pytest.mark.parametrize("fmt", ["md", "html", "json", "csv", "xlsx", "aif", "argdown"])
def test_every_export_states_what_was_excluded_and_by_whom(
    db: Any, make_brigaded: Any, fmt: str
) -> None:
    import io
    import zipfile

    from consult.reports.exporters import export_chunks

    data, owner = _brigade_excluded(make_brigaded, db)
    raw = b"".join(export_chunks(data.consultation, fmt))
    if fmt in ("csv", "xlsx"):
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            raw = b"".join(archive.read(name) for name in archive.namelist())
    text = raw.decode("utf-8", errors="replace")
    assert owner.display_name in text
    assert "Planted accounts" in text


def test_pdf_export_carries_the_data_quality_section(app: Any, db: Any, make_brigaded: Any) -> None:
    from consult.reports.documents import render_report_html

    data, owner = _brigade_excluded(make_brigaded, db)
    with app.test_request_context():
        html = render_report_html(data.consultation, pdf=True)
    assert 'id="data-quality"' in html and "Planted accounts" in html


def test_report_never_shows_hidden_statements(
    db: Any, make_brigaded: Any, create_statement: Any
) -> None:
    from consult.reports.services import build_report
    from consult.statements.models import StatementStatus

    data = make_brigaded()
    hidden = data.statements[0]
    hidden.status = StatementStatus.hidden
    db.session.flush()
    report = build_report(data.consultation)
    assert hidden.id not in report["statements"]
    named = [e["statement"] for key in ("divisive", "uncertain", "cruxes") for e in report[key]]
    named += [e["statement"] for e in report["consensus"]["agree"]]
    named += [e["statement"] for e in report["group_informed_consensus"]]
    assert hidden.id not in named


def test_demo_abuse_brigade_is_named_and_excluding_it_restores_the_clean_groups(
    app: Any, db: Any
) -> None:
    from sklearn.metrics import adjusted_rand_score

    from consult.consultations.demo import DEMO_SLUG, seed_demo
    from consult.consultations.services import get_consultation_by_slug
    from consult.moderation.cli import run_seed_abuse
    from consult.moderation.demo import ABUSE_DOMAIN

    seed_demo()
    db.session.commit()
    consultation = get_consultation_by_slug(DEMO_SLUG)
    clean, _meta = get_analysis_result(consultation, wait=True)
    db.session.commit()
    run_seed_abuse(DEMO_SLUG)  # what `kenes seed-demo --abuse` adds
    panel = quality.data_quality(consultation)
    brigade = set(
        db.session.scalars(select(User.id).where(User.email.like(f"brigade-%@{ABUSE_DOMAIN}")))
    )
    assert len(brigade) == 12
    assert [set(g.user_ids) for g in panel.groups] == [brigade]
    assert panel.groups[0].share > 0.1 and not panel.groups[0].excluded
    owner = db.session.scalar(select(User).where(User.email == "policymaker@demo.kenes.kz"))
    abused, _meta = get_analysis_result(consultation, wait=True)
    quality.exclude_group(consultation, owner, panel.groups[0].key, reason="Planted brigade")
    db.session.commit()
    excluded, _meta = get_analysis_result(consultation, wait=True)
    assert clean is not None and abused is not None and excluded is not None
    reference = {p: g for p, g in clean.participants.items() if g is not None}

    def ari(result: Any) -> float:
        common = [p for p in reference if result.participants.get(p) is not None]
        assert len(common) == len(reference)
        return float(
            adjusted_rand_score(
                [reference[p] for p in common], [result.participants[p] for p in common]
            )
        )

    assert ari(abused) < 0.95  # the brigade steers the groups while it is counted
    assert ari(excluded) >= 0.95
    assert len(excluded.groups) == len(clean.groups)
    assert abs(100 * excluded.controversy - 100 * clean.controversy) <= 5


def test_analysis_api_states_the_active_exclusions_and_roles(
    db: Any, make_brigaded: Any, caller: Caller
) -> None:
    data, owner = _brigade_excluded(make_brigaded, db)
    body = caller.api("GET", f"/api/v1/consultations/{data.consultation.id}/analysis").json
    (exclusion,) = body["vote_exclusions"]
    assert exclusion["accounts"] == 4 and exclusion["excluded_by"] == owner.display_name
    roles = body["statement_roles"]
    assert not set(roles["common_ground"]) & set(roles["divisive"])
    brigade = {adapters.participant_id(data.consultation.id, u.id) for u in data.brigade}
    assert not brigade & set(body["participants"])


def test_analyse_command_prints_the_data_quality_panel(
    db: Any, make_brigaded: Any, runner: Any
) -> None:
    data = make_brigaded()
    owner = _owner(data.consultation, db)
    key = quality.data_quality(data.consultation).groups[0].key
    quality.exclude_group(data.consultation, owner, key)
    db.session.commit()
    out = runner.invoke(args=["analyse", data.consultation.slug]).output
    assert f"suspected coordinated group {key}: 4 accounts, 48 votes" in out
    assert "left out of the analysis" in out and owner.display_name in out


def test_report_page_keeps_the_data_quality_section_open_while_a_group_counts(
    db: Any, make_brigaded: Any, caller: Caller
) -> None:
    data = make_brigaded()
    owner = _owner(data.consultation, db)
    slug = data.consultation.slug

    html = caller.page("GET", f"/consultations/{slug}/report", owner).get_data(as_text=True)
    section = html.split('id="data-quality"', 1)[1].split("</section>", 1)[0]
    assert '<details class="report-fold" open>' in section

    key = quality.data_quality(data.consultation).groups[0].key
    quality.exclude_group(data.consultation, owner, key, reason="Planted accounts")
    db.session.commit()
    html = caller.page("GET", f"/consultations/{slug}/report", owner).get_data(as_text=True)
    section = html.split('id="data-quality"', 1)[1].split("</section>", 1)[0]
    assert '<details class="report-fold">' in section and "Planted accounts" in section
