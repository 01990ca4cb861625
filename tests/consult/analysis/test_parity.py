"""The engine alone, the API and the insights page give the same analysis for the same votes.

A real Polis conversation is imported with ``kenes import-polis``; its analysis is then read from
the API and from the insights page's data, and compared with ``python -m debate polis DIR
--json`` run on the export folder itself. Statement ids map through ``external_id`` (the Polis
comment-id), participants through the imported accounts' names (which carry the voter-id) and
the opaque analysis ids.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sklearn.metrics import adjusted_rand_score
from sqlalchemy import select

from consult.analysis.adapters import participant_id
from consult.analysis.imports import PARTICIPANT_NAME
from consult.analysis.services import get_analysis
from consult.auth.models import User
from consult.consultations.models import Consultation
from consult.statements.models import Statement
from debate.polis import read_polis_export
from tests.debate.helpers import ANALYSIS_KEYS, run_debate_polis

ROOT = Path(__file__).resolve().parents[3]
META = {
    "consultation",
    "computed_at",
    "stale",
    "refreshing",
    "vote_exclusions",
    "statement_roles",
}
#: What the engine prints and the API returns alike (the API adds its seed and timings).
ENGINE_KEYS = (ANALYSIS_KEYS - {"seed", "timings"}) | {"priority"}


_ENGINE: dict[str, dict] = {}


@pytest.fixture
def engine_result(polis_dir):
    """``python -m debate polis DIR --json``, run as a separate process (once per folder: it
    replays the votes through Pol.is's updates, which takes a while)."""
    if str(polis_dir) in _ENGINE:
        return _ENGINE[str(polis_dir)]
    _ENGINE[str(polis_dir)] = json.loads(run_debate_polis(polis_dir).stdout)
    return _ENGINE[str(polis_dir)]


@pytest.fixture
def imported(runner, db, polis_dir):
    """The Polis folder imported as a consultation, with the id maps back to Polis ids."""
    return import_polis(runner, db, polis_dir)


def import_polis(runner, db, polis_dir):
    """Import a Polis folder; the consultation and the id maps back to Polis ids."""
    outcome = runner.invoke(args=["import-polis", str(polis_dir)])
    assert outcome.exit_code == 0, outcome.output
    slug = outcome.stdout.split()[-1]
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
    statements = {
        str(s.id): s.external_id
        for s in db.session.scalars(
            select(Statement).where(Statement.consultation_id == consultation.id)
        )
    }
    prefix = PARTICIPANT_NAME.format("")
    people = {
        participant_id(consultation.id, u.id): u.display_name[len(prefix) :]
        for u in db.session.scalars(select(User).where(User.is_imported.is_(True)))
    }
    return consultation, statements, people


def _to_polis(result, statements, people):
    """Rewrite an API analysis with Polis ids, as the engine reports them."""

    def sid(value):
        return statements[str(value)]

    return {
        "participants": {people[p]: g for p, g in result["participants"].items()},
        "groups": [
            dict(
                g,
                representative=[
                    dict(r, statement=sid(r["statement"])) for r in g["representative"]
                ],
            )
            for g in result["groups"]
        ],
        "consensus": {
            side: [dict(c, statement=sid(c["statement"])) for c in rows]
            for side, rows in result["consensus"].items()
        },
        "group_informed_consensus": {
            sid(k): v for k, v in result["group_informed_consensus"].items()
        },
        "divisive": [dict(d, statement=sid(d["statement"])) for d in result["divisive"]],
        "uncertain": [dict(u, statement=sid(u["statement"])) for u in result["uncertain"]],
        "bridging": {sid(k): v for k, v in result["bridging"].items()},
        "strength": {sid(k): v for k, v in result["strength"].items()},
        "cruxes": [dict(c, statement=sid(c["statement"])) for c in result["cruxes"]],
        "priority": {sid(k): v for k, v in result["priority"].items()},
        "controversy": result["controversy"],
        "k": result["k"],
    }


def _engine_part(result):
    return {key: result[key] for key in ENGINE_KEYS}


def test_api_and_engine_agree_on_a_real_polis_conversation(
    client, imported, engine_result, polis_dir
):
    consultation, statements, people = imported
    response = client.get(f"/api/v1/consultations/{consultation.id}/analysis")
    assert response.status_code == 200
    api = response.get_json()
    assert api["stale"] is False

    mapped = _to_polis(api, statements, people)
    engine = _engine_part(engine_result)
    # Same opinion groups, participant by participant (ARI 1), and the same group sizes.
    shared = sorted(set(mapped["participants"]) & set(engine["participants"]))
    assert len(shared) == len(engine["participants"]) == len(mapped["participants"])
    clustered = [p for p in shared if engine["participants"][p] is not None]
    ari = adjusted_rand_score(
        [engine["participants"][p] for p in clustered],
        [-1 if mapped["participants"][p] is None else mapped["participants"][p] for p in clustered],
    )
    assert ari == pytest.approx(1.0)
    assert mapped["k"] == engine["k"] >= 2
    assert [g["size"] for g in mapped["groups"]] == [g["size"] for g in engine_result["groups"]]
    # The same consensus, representative statements, divisive and uncertain statements.
    assert mapped["consensus"] == engine["consensus"]
    assert mapped["groups"] == engine["groups"]
    assert mapped["divisive"] == engine["divisive"]
    assert mapped["uncertain"] == engine["uncertain"]
    assert mapped["cruxes"] == engine["cruxes"]
    # And the same scores everywhere (rounded to 6 decimals by the engine).
    assert mapped == engine

    # The engine's own reading of the folder holds the same votes the API was computed from.
    export = read_polis_export(polis_dir)
    assert api["excluded"]["statements"] == len(export.matrix.moderated_out)


def test_insights_page_shows_the_engine_result(client, imported, engine_result, polis_dir):
    consultation, statements, people = imported
    result, meta = get_analysis(consultation)
    api = client.get(f"/api/v1/consultations/{consultation.id}/analysis").get_json()
    assert result == {k: v for k, v in api.items() if k not in META}
    assert not meta.stale

    html = client.get(f"/consultations/{consultation.slug}/insights").get_data(as_text=True)
    texts = read_polis_export(polis_dir).texts
    for letter, group in zip("ABCDE", engine_result["groups"], strict=False):
        assert f"Group {letter}: {group['size']} people." in html  # the map's description
    from markupsafe import escape

    # Shown by the one labelling rule (consult/analysis/roles.py): common ground, or divisive.
    common, divisive = api["statement_roles"]["common_ground"], api["statement_roles"]["divisive"]
    assert not set(common) & set(divisive)
    for row in engine_result["consensus"]["agree"]:
        if row["statement"] in common:
            assert str(escape(texts[row["statement"]].strip())) in html
    for row in [d for d in engine_result["divisive"] if d["statement"] in divisive][:5]:
        assert str(escape(texts[row["statement"]].strip())) in html


POLIS_MATH = ROOT / "tests" / "data" / "polis-math" / "below-100-ptpts"


def test_import_starts_the_groups_where_the_command_replay_ends(client, runner, db):
    """A Pol.is JSON conversation (tests/data/polis-math, see its README): ``kenes import-polis``
    stores the replayed state, so the API's first analysis has the command's groups, ids and
    numbers."""
    engine_result = json.loads(run_debate_polis(POLIS_MATH).stdout)
    assert engine_result["replay"]["updates"] > 1  # the default: a replay
    consultation, statements, people = import_polis(runner, db, POLIS_MATH)
    api = client.get(f"/api/v1/consultations/{consultation.id}/analysis").get_json()
    assert api["group_updates"]["origin"] == "replay"
    mapped = _to_polis(api, statements, people)
    engine_part = _engine_part(engine_result)
    assert mapped["participants"] == engine_part["participants"]  # the same ids, person by person
    assert mapped["groups"] == engine_part["groups"]
    assert mapped["consensus"] == engine_part["consensus"]
    assert mapped["group_informed_consensus"] == engine_part["group_informed_consensus"]
    assert mapped["k"] == engine_part["k"]
    assert [(e["id"], e["label"]) for e in api["group_registry"]] == [
        (g["id"], "ABCDE"[g["id"]]) for g in engine_result["groups"]
    ]
