"""One rule decides "common ground" or "divides opinion" (consult/analysis/roles.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from consult.analysis.insights import build_insights
from consult.analysis.roles import DIVIDES_MIN_SPREAD, statement_roles
from consult.analysis.services import get_analysis_result
from consult.analysis.views import statement_badges
from consult.consultations import demo
from consult.consultations.models import Consultation
from consult.reports.services import build_report
from debate.result import AnalysisResult


def test_statement_roles_never_overlap_and_divide_outweighs_majority() -> None:
    result = AnalysisResult.from_json(
        {
            "consensus": {
                "agree": [{"statement": "1", "agree": 0.8}, {"statement": "2", "agree": 0.7}],
                "disagree": [],
            },
            "divisive": [
                {"statement": "2", "spread": 0.4, "agree": {"0": 0.9, "1": 0.5}},
                {"statement": "3", "spread": 0.1, "agree": {"0": 0.5, "1": 0.4}},
            ],
        }
    )
    roles = statement_roles(result)
    assert roles.common_ground == {"1"} and roles.divisive == {"2"}
    assert DIVIDES_MIN_SPREAD == 0.3


def test_demo_closed_consultation_labels_each_statement_once(app: Any, db: Any) -> None:
    demo.seed_demo()
    closed = db.session.scalar(select(Consultation).where(Consultation.slug == demo.CLOSED_SLUG))
    result, _meta = get_analysis_result(closed, wait=True)
    assert result is not None
    with app.test_request_context():
        data = build_insights(closed, result)
        report = build_report(closed)
    common = {c["statement"].id for side in ("agree", "disagree") for c in data["common"][side]}
    common |= {c["statement"].id for c in data["gic"]}
    divides = {d["statement"].id for d in data["divisive"]} | {
        c["statement"].id for c in data["cruxes"]
    }
    assert common and divides and not common & divides
    badges = statement_badges(result)
    assert not [sid for sid, b in badges.items() if {"common-ground", "divisive"} <= set(b)]
    report_common = {e["statement"] for e in report["consensus"]["agree"]}
    report_common |= {e["statement"] for e in report["consensus"]["disagree"]}
    report_common |= {e["statement"] for e in report["group_informed_consensus"]}
    report_divides = {e["statement"] for e in report["divisive"] + report["cruxes"]}
    assert report_common and report_divides and not report_common & report_divides
