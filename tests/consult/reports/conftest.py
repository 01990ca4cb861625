"""Fixtures of the report tests (the debate builder is shared with the responses tests)."""

from __future__ import annotations

import importlib.util
from collections import defaultdict
from typing import Any

import pytest

from tests.consult.responses.conftest import make_debate  # noqa: F401  (fixture)

HAVE_ANALYSIS = importlib.util.find_spec("debate.analysis") is not None


def _stand_in_analysis(matrix: Any, *, claims: Any = (), relations: Any = (), seed: int = 0) -> Any:
    """A crude §4 analysis, used only while ``debate.analysis`` is not installed."""
    votes: dict[int, dict[int, int]] = defaultdict(dict)
    for r, c, v in zip(
        matrix.rows.tolist(), matrix.cols.tolist(), matrix.values.tolist(), strict=True
    ):
        votes[r][c] = v
    group_of = {r: (0 if row.get(0, 0) >= 0 else 1) for r, row in votes.items()}
    participants = {
        matrix.participants[r]: group_of.get(r) for r in range(len(matrix.participants))
    }
    shares: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    overall: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for r, row in votes.items():
        for c, v in row.items():
            shares[(group_of[r], c)][{1: 0, -1: 1, 0: 2}[v]] += 1
            overall[c][{1: 0, -1: 1, 0: 2}[v]] += 1

    def frac(t: list[int], i: int) -> float:
        return t[i] / sum(t) if sum(t) else 0.0

    sids = matrix.statements
    groups = []
    for g in (0, 1):
        rep = sorted(
            (
                {
                    "statement": sids[c],
                    "direction": "agree" if frac(shares[(g, c)], 0) >= 0.5 else "disagree",
                    "agree": frac(shares[(g, c)], 0),
                    "disagree": frac(shares[(g, c)], 1),
                    "pass": frac(shares[(g, c)], 2),
                    "repness": abs(frac(shares[(g, c)], 0) - frac(shares[(1 - g, c)], 0)),
                }
                for c in range(len(sids))
            ),
            key=lambda e: -e["repness"],
        )[:3]
        groups.append(
            {"id": g, "size": sum(1 for x in group_of.values() if x == g), "representative": rep}
        )
    spread = {c: abs(frac(shares[(0, c)], 0) - frac(shares[(1, c)], 0)) for c in range(len(sids))}
    return {
        "participants": participants,
        "groups": groups,
        "consensus": {
            "agree": [
                {"statement": sids[c], "agree": frac(t, 0)}
                for c, t in overall.items()
                if frac(t, 0) >= 0.8
            ],
            "disagree": [
                {"statement": sids[c], "disagree": frac(t, 1)}
                for c, t in overall.items()
                if frac(t, 1) >= 0.8
            ],
        },
        "group_informed_consensus": {
            sids[c]: (shares[(0, c)][0] + 1)
            / (sum(shares[(0, c)]) + 2)
            * (shares[(1, c)][0] + 1)
            / (sum(shares[(1, c)]) + 2)
            for c in range(len(sids))
        },
        "divisive": [
            {"statement": sids[c], "spread": s}
            for c, s in sorted(spread.items(), key=lambda t: -t[1])
            if s > 0.5
        ],
        "uncertain": [],
        "bridging": {sids[c]: 0.0 for c in range(len(sids))},
        "strength": {sids[c]: frac(overall[c], 0) for c in range(len(sids))},
        "cruxes": [
            {"statement": sids[c], "score": s}
            for c, s in sorted(spread.items(), key=lambda t: -t[1])[:2]
        ],
        "controversy": 0.8,
        "k": 2,
        "seed": seed,
        "timings": {"load_s": 0.0, "analysis_s": 0.0},
    }


@pytest.fixture(autouse=True)
def analysis_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Use the real ``debate.analysis``; a stand-in only while it is not installed yet."""
    if not HAVE_ANALYSIS:
        from consult.analysis import services

        monkeypatch.setattr(services, "_analyse", _stand_in_analysis)
