"""The assembled analysis document (debate.analysis)."""

import functools
import json
from pathlib import Path

import numpy as np
import pytest

import debate.bridging
from debate.analysis import analyse, vote_base_scores
from debate.bridging import bridging_process
from debate.errors import InputError
from debate.groups import assigned_groups
from debate.polis import read_polis_export
from debate.types import Claim, Relation, RelationKind, VoteMatrix
from tests.debate.helpers import ANALYSIS_KEYS

DATA = Path(__file__).resolve().parents[1] / "data" / "polis"

API_KEYS = ANALYSIS_KEYS


@functools.cache
def seattle(seed=0):
    return analyse(read_polis_export(DATA / "15-per-hour-seattle").matrix, seed=seed)


def two_camps(n_a=12, n_b=8, moderated_out=()):
    """Camp A agrees with 0 and 1, B disagrees; everyone agrees with 2; 3 is passed a lot."""
    rows = [[1, 1, 1, 0 if i % 2 else 1, 1] for i in range(n_a)]
    rows += [[-1, -1, 1, 0, -1] for _ in range(n_b)]
    return VoteMatrix.from_dense(rows, moderated_out=moderated_out)


class TestAnalyse:
    def test_analyse_has_the_api_shape(self):
        result = seattle()
        assert set(result) >= API_KEYS
        json.dumps(result, allow_nan=False)  # plain JSON, no NaN
        assert result["k"] == len(result["groups"]) == 2
        assert result["seed"] == 0
        assert set(result["timings"]) >= {"load_s", "analysis_s"}
        group = result["groups"][0]
        assert set(group) >= {"id", "size", "representative"}
        rep = group["representative"][0]
        assert set(rep) >= {"statement", "direction", "agree", "disagree", "pass", "repness"}
        assert rep["agree"] + rep["disagree"] + rep["pass"] == pytest.approx(1.0)
        assert isinstance(result["controversy"], float)
        for entry in result["divisive"]:
            assert set(entry) >= {"statement", "spread"}
        for entry in result["uncertain"]:
            assert entry["pass"] >= 0.3
        for entry in result["cruxes"]:
            assert set(entry) == {"statement", "score"}

    def test_analyse_participants_cover_everyone(self):
        exported = read_polis_export(DATA / "15-per-hour-seattle")
        result = seattle()
        assert list(result["participants"]) == list(exported.matrix.participants)
        groups = [g for g in result["participants"].values() if g is not None]
        assert len(groups) == 138  # the participants with at least 7 votes
        assert sorted({*groups}) == [0, 1]
        sizes = [g["size"] for g in result["groups"]]
        assert sizes == [groups.count(0), groups.count(1)]
        assert sizes == sorted(sizes, reverse=True)

    def test_analyse_map_has_positions_of_clustered_participants(self):
        result = seattle()
        clustered = {p for p, g in result["participants"].items() if g is not None}
        assert set(result["map"]["participants"]) == clustered
        assert set(result["map"]["groups"]) == {"0", "1"}
        assert all(len(xy) == 2 for xy in result["map"]["participants"].values())

    def test_analyse_never_reports_moderated_statements(self):
        exported = read_polis_export(DATA / "15-per-hour-seattle")
        moderated = {exported.matrix.statements[j] for j in exported.matrix.moderated_out}
        result = seattle()
        reported = {r["statement"] for g in result["groups"] for r in g["representative"]}
        reported |= {c["statement"] for side in result["consensus"].values() for c in side}
        reported |= {d["statement"] for d in result["divisive"]}
        reported |= {u["statement"] for u in result["uncertain"]}
        reported |= {c["statement"] for c in result["cruxes"]}
        for key in ("group_informed_consensus", "bridging", "strength", "priority"):
            reported |= set(result[key])
        assert reported
        assert not reported & moderated
        assert sorted(result["excluded"]["statements"], key=int) == sorted(moderated, key=int)
        assert all(result["statements"][s]["moderated"] for s in moderated)

    def test_analyse_is_the_same_across_seeds_but_for_the_seed(self):
        a, b = seattle(0), seattle(4)
        assert a["participants"] == b["participants"]
        assert a["groups"] == b["groups"]
        assert a["consensus"] == b["consensus"]
        assert b["seed"] == 4

    def test_analyse_statistics_on_two_camps(self):
        result = analyse(two_camps())
        assert result["k"] == 2
        assert [g["size"] for g in result["groups"]] == [12, 8]
        assert result["participants"]["0"] == 0 and result["participants"]["19"] == 1
        assert [c["statement"] for c in result["consensus"]["agree"]][0] == "2"
        assert result["divisive"][0]["statement"] in {"0", "1", "4"}
        assert result["divisive"][0]["spread"] == pytest.approx(13 / 14 - 1 / 10, abs=1e-6)
        assert [u["statement"] for u in result["uncertain"]] == ["3"]
        gic = result["group_informed_consensus"]
        assert max(gic, key=gic.get) == "2"
        assert gic["2"] == pytest.approx(13 / 14 * 9 / 10, abs=1e-6)
        assert result["statements"]["3"] == {
            **result["statements"]["3"],
            "agree": 6,
            "disagree": 0,
            "pass": 14,
            "seen": 20,
        }

    def test_analyse_strength_uses_the_argument_graph(self):
        matrix = two_camps()
        claims = [Claim("2"), Claim("0"), Claim("x", kind="argument")]
        relations = [
            Relation("0", "2", RelationKind.ATTACK),
            Relation("x", "2", RelationKind.SUPPORT),
        ]
        result = analyse(matrix, claims=claims, relations=relations)
        base = vote_base_scores(matrix)
        assert set(result["strength"]) == {"0", "2", "x"}
        assert result["strength"]["0"] == pytest.approx(base["0"], abs=1e-6)  # unattacked
        assert result["strength"]["x"] == pytest.approx(0.5)  # no votes: base 0.5
        assert result["strength"]["2"] != pytest.approx(base["2"])

    def test_analyse_strength_without_graph_is_the_base_score(self):
        result = analyse(two_camps(moderated_out=[4]))
        base = vote_base_scores(two_camps(moderated_out=[4]))
        assert result["strength"] == pytest.approx(base)
        assert "4" not in result["strength"]

    @pytest.mark.parametrize(
        "dense",
        [
            [],
            [[None, None]],
            [[1, -1, 0]],
            [[0, 0, 0, 0]] * 25,
            [[1, 1, 1]] * 30,
        ],
        ids=["empty", "no votes", "one participant", "all passes", "unanimous"],
    )
    def test_analyse_degenerate_inputs_give_no_groups(self, dense):
        result = analyse(VoteMatrix.from_dense(dense))
        json.dumps(result, allow_nan=False)
        assert set(result) >= API_KEYS
        assert result["groups"] == [] and result["k"] == 0
        assert all(g is None for g in result["participants"].values())
        assert result["cruxes"] == [] and result["group_informed_consensus"] == {}
        assert 0.0 <= result["controversy"] <= 1.0

    def test_analyse_single_statement_gives_no_groups(self):
        result = analyse(VoteMatrix.from_dense([[1], [-1], [1], [0], [1]]))
        json.dumps(result, allow_nan=False)
        assert result["k"] == 0 and result["groups"] == []
        assert result["statements"]["0"]["seen"] == 5
        assert [c["statement"] for c in result["consensus"]["agree"]] == []

    def test_analyse_statements_without_votes(self):
        m = VoteMatrix(
            participants=("a",),
            statements=("s1", "s2"),
            rows=np.zeros(0, dtype=np.int32),
            cols=np.zeros(0, dtype=np.int32),
            values=np.zeros(0, dtype=np.int8),
        )
        result = analyse(m)
        assert result["statements"]["s1"]["seen"] == 0
        assert result["priority"]["s1"] > 0  # new statements are shown first


def test_vote_base_scores_ignore_passes_and_moderated():
    m = VoteMatrix.from_dense([[1, 0, 1], [1, 0, -1], [-1, 0, None]], moderated_out=[2])
    assert vote_base_scores(m) == {"0": pytest.approx(3 / 5), "1": 0.5}


def test_analyse_holds_blas_to_one_thread_and_restores_it(monkeypatch):
    from threadpoolctl import threadpool_info

    import debate.analysis

    before = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    seen = []
    inner = debate.analysis._analyse

    def spy(*args):
        seen.append([lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"])
        return inner(*args)

    monkeypatch.setattr(debate.analysis, "_analyse", spy)
    analyse(VoteMatrix.from_dense([[1, -1, 1], [1, 1, -1], [-1, 1, 1]]))
    assert seen and all(n == 1 for n in seen[0])
    assert [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"] == before


class TestAnalyseGivenGroupsAndMeta:
    def test_analyse_given_groups_keep_their_ids(self):
        m = two_camps()
        given = {p: (7 if int(p) < 12 else 3) for p in m.participants}
        result = analyse(m, groups=assigned_groups(m, given))
        assert [g["id"] for g in result["groups"]] == [3, 7]
        assert [g["size"] for g in result["groups"]] == [8, 12]
        assert result["participants"]["0"] == 7 and result["participants"]["19"] == 3
        assert set(result["divisive"][0]["agree"]) == {"3", "7"}
        assert set(result["map"]["groups"]) == {"3", "7"}

    def test_analyse_meta_statements_are_left_out_but_routed_first(self):
        rows = [[1, 1, -1, 1], [1, -1, 1, 1], [-1, 1, 1, 0]] * 6
        m = VoteMatrix.from_dense(rows, meta=[3])
        result = analyse(m)
        assert result["excluded"]["meta"] == ["3"]
        assert result["excluded"]["statements"] == []
        assert result["statements"]["3"]["meta"] is True
        assert result["priority"]["3"] == 49
        assert "3" not in result["group_informed_consensus"]
        assert "3" not in result["map"]["statements"]
        assert result["statements"]["3"]["extremity"] == 0
        reported = {r["statement"] for g in result["groups"] for r in g["representative"]}
        assert "3" not in reported

    def test_analyse_pca_block_and_statement_projection(self):
        m = two_camps()
        result = analyse(m)
        pca = result["pca"]
        assert pca["statements"] == list(m.statements)
        assert len(pca["center"]) == len(pca["components"][0]) == len(m.statements)
        assert np.linalg.norm(pca["components"][0]) == pytest.approx(1.0)
        for j, sid in enumerate(pca["statements"]):
            x, y = result["statements"][sid]["projection"]
            assert np.hypot(x, y) == pytest.approx(result["statements"][sid]["extremity"])
            # The projection of a virtual participant agreeing with that statement only.
            scale = np.sqrt(len(m.statements))
            assert x == pytest.approx((1 - pca["center"][j]) * pca["components"][0][j] * scale)

    def test_analyse_polis_figures_are_not_rounded(self):
        result = analyse(two_camps())
        values = list(result["group_informed_consensus"].values())
        # (1 + 1) / (8 + 2) * (12 + 1) / (12 + 2) and the like: more than 6 decimals.
        assert any(round(v, 6) != v for v in values)
        assert all(round(r["agree"], 6) == r["agree"] for r in result["consensus"]["agree"])


class TestAnalyseWithBridgingProcess:
    def test_analyse_with_bridging_process_gives_the_same_document(self):
        m = read_polis_export(DATA / "15-per-hour-seattle").matrix
        with bridging_process(m, seed=2) as running:
            found = analyse(m, seed=2, bridging=running)
        expected = analyse(m, seed=2)
        found.pop("timings")
        expected.pop("timings")
        assert json.dumps(found) == json.dumps(expected)  # same values, same key order

    def test_analyse_fits_here_when_the_bridging_process_failed(self, monkeypatch):
        monkeypatch.setattr(debate.bridging, "_CHILD_CODE", "import sys; sys.exit(1)")
        m = two_camps()
        with bridging_process(m) as running:
            found = analyse(m, bridging=running)
        expected = analyse(m)
        assert found["bridging"] == expected["bridging"]
        assert found["controversy"] == expected["controversy"]

    @pytest.mark.parametrize("other", ["seed", "matrix"])
    def test_analyse_rejects_a_bridging_process_of_other_input(self, monkeypatch, other):
        monkeypatch.setattr(debate.bridging, "_CHILD_CODE", "pass")
        m = two_camps()
        fitted = two_camps(n_a=10) if other == "matrix" else m
        with (
            bridging_process(fitted, seed=1 if other == "seed" else 0) as running,
            pytest.raises(InputError, match="another vote matrix or seed"),
        ):
            analyse(m, bridging=running)
