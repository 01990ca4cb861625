"""Coordinated voting against the analysis: the demo, the demo with ``--abuse``, and the exclusion.

Seeds the demo (``kenes seed-demo``) into a fresh SQLite database and computes the analysis of
its open consultation (the clean reference), adds the moderation workload with its planted
brigade (``kenes seed-abuse``: 200 flagged statements, 12 accounts created within 20 minutes
that vote alike), reads the data-quality panel, computes the analysis with the brigade counted,
then excludes the panel's suspected group as the consultation's policymaker would and computes
it again. Prints, for each state: the number of groups, the adjusted Rand index of the groups
against the clean demo's (over the clean demo's clustered participants), and the division score
(controversy x 100).

    .venv/bin/python bench/quality.py            # prints a Markdown table
    .venv/bin/python bench/quality.py --json

The numbers go to docs/benchmarks.md ("Coordinated voting and the exclusion").
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def measure(url: str) -> dict[str, Any]:
    """Run the three states on the database at ``url`` (empty) and return the figures."""
    from sklearn.metrics import adjusted_rand_score
    from sqlalchemy import select

    from consult import create_app
    from consult.analysis import quality
    from consult.analysis.services import get_analysis_result
    from consult.auth.models import User
    from consult.consultations.demo import DEMO_SLUG, seed_demo
    from consult.consultations.services import get_consultation_by_slug
    from consult.extensions import db
    from consult.moderation.demo import ABUSE_DOMAIN, seed_abuse

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        db.create_all()
        seed_demo()
        db.session.commit()
        consultation = get_consultation_by_slug(DEMO_SLUG)
        assert consultation is not None
        clean, _ = get_analysis_result(consultation, wait=True)
        db.session.commit()
        seed_abuse(consultation)
        db.session.commit()
        panel = quality.data_quality(consultation)
        brigade = {
            u.id
            for u in db.session.scalars(
                select(User).where(User.email.like(f"brigade-%@{ABUSE_DOMAIN}"))
            )
        }
        abused, _ = get_analysis_result(consultation, wait=True)
        db.session.commit()
        owner = db.session.scalar(select(User).where(User.email == "policymaker@demo.kenes.kz"))
        group = panel.groups[0]
        quality.exclude_group(consultation, owner, group.key, reason="bench")
        db.session.commit()
        excluded, _ = get_analysis_result(consultation, wait=True)
        db.session.commit()
        assert clean is not None and abused is not None and excluded is not None
        reference = {p: g for p, g in clean.participants.items() if g is not None}

        def ari(result: Any) -> float:
            common = [p for p in reference if result.participants.get(p) is not None]
            return float(
                adjusted_rand_score(
                    [reference[p] for p in common], [result.participants[p] for p in common]
                )
            )

        def row(name: str, result: Any) -> dict[str, Any]:
            return {
                "state": name,
                "groups": len(result.groups),
                "participants": len(result.participants),
                "ari_vs_clean": round(ari(result), 3),
                "division": round(100 * (result.controversy or 0.0), 1),
            }

        return {
            "panel": {
                "suspected_groups": len(panel.groups),
                "accounts": group.size,
                "planted_brigade_named": set(group.user_ids) == brigade,
                "share_of_votes": round(group.share, 3),
                "flagged_unreviewed": panel.flagged_unreviewed,
                "pending": panel.pending,
            },
            "rows": [
                row("clean demo", clean),
                row("demo + abuse, brigade counted", abused),
                row("demo + abuse, brigade excluded", excluded),
            ],
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        figures = measure(f"sqlite:///{tmp}/quality.db")
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    p = figures["panel"]
    print(
        f"Panel: {p['suspected_groups']} suspected group, {p['accounts']} accounts, "
        f"planted brigade named: {p['planted_brigade_named']}, {100 * p['share_of_votes']:.1f} % "
        f"of votes; {p['flagged_unreviewed']} flagged unreviewed, {p['pending']} pending."
    )
    print()
    print("| state | groups | participants | ARI vs clean demo | division score |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for r in figures["rows"]:
        print(
            f"| {r['state']} | {r['groups']} | {r['participants']} | {r['ari_vs_clean']:.3f} "
            f"| {r['division']:.1f} |"
        )


if __name__ == "__main__":
    main()
