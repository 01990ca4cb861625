"""Importance by opinion group on the Insights page, in the report and in the table exports."""

from __future__ import annotations

import json
import re

from flask import render_template
from flask_babel import refresh

from consult.analysis.importance import importance_by_group
from consult.analysis.opinion_map import group_styles
from consult.analysis.services import get_analysis_result
from consult.languages.models import StatementTranslation
from consult.reports.exporters import export_chunks, export_tables
from consult.reports.services import build_report
from consult.votes.importance import mark_important


def _marked(make_opinions):
    opinions = make_opinions(n=8)
    trams = opinions.statements[0]
    for person in opinions.camp_a[:3]:
        mark_important(trams, person)
    mark_important(trams, opinions.camp_b[0])
    mark_important(opinions.statements[2], opinions.camp_b[1])
    return opinions, trams


def test_importance_by_group_counts_each_groups_marks(db, make_opinions):
    opinions, trams = _marked(make_opinions)
    result, _meta = get_analysis_result(opinions.consultation)

    items = importance_by_group(opinions.consultation, result, group_styles(result))

    assert [i.statement.id for i in items] == [trams.id, opinions.statements[2].id]
    first = items[0]
    assert first.marks == 4
    assert sorted(g.marks for g in first.groups) == [1, 3]
    assert {round(g.share, 3) for g in first.groups} == {round(1 / 8, 3), round(3 / 8, 3)}


def test_insights_report_and_export_show_importance(client, db, make_opinions):
    opinions, trams = _marked(make_opinions)
    db.session.commit()

    html = client.get(f"/consultations/{opinions.consultation.slug}/insights").get_data(
        as_text=True
    )
    section = re.search(
        r'<section class="card insights-section" id="importance".*?</section>', html, re.S
    )
    assert section and trams.text in section.group(0)
    assert "4 people marked it important" in section.group(0)
    assert "(38% of the group)" in section.group(0)

    report = build_report(opinions.consultation)
    assert report["importance"][0]["statement"] == trams.id
    assert report["importance"][0]["marks"] == 4
    for fold in (False, True):
        page = render_template("reports/_importance.html", report=report, fold=fold)
        assert "4 people marked it important" in page and "(38% of the group)" in page

    tables = {
        name: (header, list(rows)) for name, header, rows in export_tables(opinions.consultation)
    }
    header, rows = tables["importance"]
    assert header == ["statement", "group", "marks", "group_share"]
    assert sorted(r[2] for r in rows if r[0] == trams.id) == [1, 3]


def test_no_importance_section_without_marks(client, db, make_opinions):
    opinions = make_opinions(n=4)
    db.session.commit()
    html = client.get(f"/consultations/{opinions.consultation.slug}/insights").get_data(
        as_text=True
    )
    assert 'id="importance"' not in html


def test_json_export_has_importance_by_group(db, make_opinions):
    opinions, trams = _marked(make_opinions)
    data = json.loads(b"".join(export_chunks(opinions.consultation, "json")))
    by_statement = {item["statement"]: item for item in data["importance"]}
    assert set(by_statement) == {trams.id, opinions.statements[2].id}
    item = by_statement[trams.id]
    assert item["marks"] == 4 and item["ungrouped"] == 0
    assert sorted(g["marks"] for g in item["groups"]) == [1, 3]
    assert {g["group_share"] for g in item["groups"]} == {round(1 / 8, 4), round(3 / 8, 4)}
    assert sorted(g["group"] for g in item["groups"]) == ["A", "B"]


def test_importance_chart_by_group_with_its_numbers_in_words(client, db, make_opinions):
    opinions, trams = _marked(make_opinions)
    db.session.add(
        StatementTranslation(statement_id=trams.id, language="kk", text="Трамвай керек.")
    )
    db.session.commit()
    refresh()
    html = client.get(
        f"/consultations/{opinions.consultation.slug}/insights", headers={"Accept-Language": "kk"}
    ).get_data(as_text=True)
    refresh()
    section = re.search(
        r'<section class="card insights-section" id="importance".*?</section>', html, re.S
    ).group(0)
    # One bar per group and statement, filled to the group's share; the words beside it say it.
    widths = re.findall(
        r'<rect class="bar-fill g\d" x="0" y="0" height="10" width="(\d+)">', section
    )
    assert sorted(widths)[:2] == ["0", "12"] and "38" in widths
    assert section.count('aria-hidden="true" focusable="false"') == len(widths)
    # The statement in the reader's language, here and in the other sections.
    assert '<span lang="kk">Трамвай керек.</span>' in section
    assert trams.text not in section
    report = build_report(opinions.consultation, language="kk")
    page = render_template("reports/_importance.html", report=report, fold=False)
    assert 'lang="kk">Трамвай керек.' in page
    assert re.search(r'class="bar-fill g\d"[^>]*width="38"', page)
