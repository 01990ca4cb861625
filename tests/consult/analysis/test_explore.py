"""Exploring the opinion map: a group chosen with ?group=X, its panel, and the map's selection."""

from __future__ import annotations

import re

from consult.analysis.adapters import participant_id
from consult.analysis.explore import group_by_label, group_detail
from consult.analysis.opinion_map import group_styles, map_layout
from consult.analysis.services import get_analysis_result


def _insights(client, consultation, query=""):
    return client.get(f"/consultations/{consultation.slug}/insights{query}")


def _svg(html):
    return re.search(r'<svg class="opinion-map.*?</svg>', html, re.S).group(0)


def test_group_detail_names_size_stands_and_shared_ground(db, make_opinions):
    opinions = make_opinions(n=8)
    result, _meta = get_analysis_result(opinions.consultation)
    styles = group_styles(result)
    gid = group_by_label(result, styles, "b")
    assert gid is not None and styles.of(gid).label == "B"

    detail = group_detail(opinions.consultation, result, gid, styles)

    assert detail.label == "B" and detail.size == 8 and detail.share == 50
    assert detail.stands_for, "a group that votes apart stands for something"
    # Both camps agree on publishing air-quality data: the one shared statement.
    assert [s.statement.id for s in detail.shared] == [opinions.statements[4].id]
    [shared] = detail.shared
    assert shared.direction == "agree" and shared.pct >= 60 and shared.others_pct >= 60
    assert not detail.is_mine


def test_group_detail_and_label_of_an_unknown_group(db, make_opinions):
    opinions = make_opinions(n=4)
    result, _meta = get_analysis_result(opinions.consultation)
    styles = group_styles(result)
    assert group_by_label(result, styles, "Q") is None
    assert group_detail(opinions.consultation, result, 99, styles) is None


def test_map_layout_fades_everyone_outside_the_selected_group(db, make_opinions):
    opinions = make_opinions(n=8)
    result, _meta = get_analysis_result(opinions.consultation)
    gid = result.groups[1].id

    layout = map_layout(result, selected=gid)

    assert layout.selected == gid
    assert [g.is_selected for g in layout.groups] == [g.id == gid for g in result.groups]
    assert sum(not p.faded for p in layout.points) == 8
    assert map_layout(result, selected=42).selected is None  # unknown: nothing chosen
    assert not any(p.faded for p in map_layout(result).points)


def test_insights_page_explores_a_group_without_script(client, db, make_opinions):
    opinions = make_opinions(n=8)
    db.session.commit()
    plain = _insights(client, opinions.consultation).get_data(as_text=True)
    # Every group is a link, in the page and on the map (for the pointer, outside the tab order).
    for label in "AB":
        path = f"/consultations/{opinions.consultation.slug}/insights"
        assert f"{path}?group={label}#map-explore-panel" in plain
    assert 'class="map-pick' in plain
    assert 'tabindex="-1" aria-hidden="true"' in _svg(plain)
    assert 'id="map-explore-panel"' not in plain  # nobody chosen, anonymous

    response = _insights(client, opinions.consultation, "?group=B")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    panel = re.search(r'<section class="map-explore-panel.*?</section>', html, re.S).group(0)
    assert "Group B" in panel and "8 people" in panel and "50% of participants" in panel
    assert opinions.statements[4].text in panel  # where it agrees with the other group
    assert "Where it agrees with the other groups" in panel
    assert re.search(r'class="map-pick [^"]*is-selected"[^>]*aria-current="true"', html)
    svg = _svg(html)
    assert "has-selection" in svg
    assert len(re.findall(r'class="pt g\d is-faded"', svg)) == 8
    assert "<desc" in svg  # the text alternative stays
    assert '<table class="table group-table">' in html


def test_insights_page_unknown_or_malformed_group(client, db, make_opinions):
    opinions = make_opinions(n=4)
    db.session.commit()
    response = _insights(client, opinions.consultation, "?group=Z")
    assert response.status_code == 200
    assert "There is no group Z in the current analysis" in response.get_data(as_text=True)
    assert _insights(client, opinions.consultation, "?group=%3Cscript%3E").status_code == 400


def test_participant_sees_their_group_and_where_they_are(client, auth, db, make_opinions):
    opinions = make_opinions(n=8)
    db.session.commit()
    me = opinions.camp_a[0]
    auth.login(me)
    html = _insights(client, opinions.consultation).get_data(as_text=True)
    result, _meta = get_analysis_result(opinions.consultation)
    mine = result.group_of(participant_id(opinions.consultation.id, me.id))
    label = group_styles(result).of(mine).label
    panel = re.search(r'<section class="map-explore-panel.*?</section>', html, re.S).group(0)
    assert f"Group {label}" in panel and "Your group" in panel
    assert "What your group stands for" in panel and "You are here" in panel
    assert "You are here" in _svg(html)
    assert "is-faded" not in _svg(html)  # their own group, without fading the others
