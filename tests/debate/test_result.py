"""The typed analysis result (debate.result): exact round trip, clear errors, tolerant reading."""

import copy
import functools
import json
from pathlib import Path

import pytest

from debate.analysis import analyse
from debate.errors import DebateError
from debate.polis import read_polis_export
from debate.result import AnalysisResult, Excluded, group_label
from debate.types import Claim, Relation, RelationKind, VoteMatrix

DATA = Path(__file__).resolve().parents[1] / "data" / "polis"


@functools.cache
def brexit():
    return analyse(read_polis_export(DATA / "brexit-consensus").matrix, seed=0)


def small():
    votes = [[1, 1, -1, 1, 0]] * 9 + [[-1, -1, 1, 1, None]] * 7 + [[None, 1, None, None, None]]
    claims = [Claim(str(i), kind="position") for i in range(5)]
    relations = [Relation("1", "0", RelationKind.SUPPORT), Relation("2", "0", RelationKind.ATTACK)]
    matrix = VoteMatrix.from_dense(votes)
    matrix = VoteMatrix(
        matrix.participants,
        matrix.statements,
        matrix.rows,
        matrix.cols,
        matrix.values,
        moderated_out=frozenset({4}),
    )
    return analyse(matrix, claims=claims, relations=relations)


@pytest.mark.parametrize("document", [small, brexit], ids=["small", "brexit"])
def test_result_round_trip_is_exact(document):
    original = document()
    result = AnalysisResult.from_json(copy.deepcopy(original))
    assert result.to_json() == original
    # and through JSON text, as the database and the API store it
    assert AnalysisResult.from_json(json.loads(json.dumps(result.to_json()))) == result


def test_result_reads_every_field_into_its_type():
    result = AnalysisResult.from_json(small())
    assert result.k == 2 and len(result.groups) == 2
    group = result.groups[0]
    assert (group.label, group.size, len(group.center)) == ("A", 9, 2)
    rep = group.representative[0]
    assert rep.direction in {"agree", "disagree"} and isinstance(rep.best_agree, bool)
    assert result.consensus.agree[0].statement == "3"
    unclustered = len(result.participants) - result.n_clustered
    assert result.excluded == Excluded(statements=("4",), meta=(), participants=unclustered)
    assert result.pca.statements == ("0", "1", "2", "3", "4") and len(result.pca.components) == 2
    assert result.statements["0"].meta is False and len(result.statements["0"].projection) == 2
    assert result.excluded.n_statements == 1
    stats = result.statements["0"]
    assert (stats.agree, stats.disagree, stats.seen) == (9, 7, 16)
    assert [g.seen for g in stats.groups] == [9, 6]  # the clustered ones
    assert stats.groups[1].shares == (0.0, 1.0, 0.0)
    clustered = {p for p, g in result.participants.items() if g is not None}
    assert set(result.map.participants) == clustered
    assert result.group_of("16") is None and result.counts.clustered == len(clustered) == 15
    assert result.counts.votes == 9 * 5 + 7 * 4 + 1  # passes are votes
    assert set(result.strength) == {"0", "1", "2", "3"}  # moderated-out "4" left out


def test_result_keeps_fields_it_does_not_know():
    document = small()
    document["future_score"] = {"0": 0.5}
    document["groups"][0]["representative"][0]["novelty"] = 3
    document["consensus"]["note"] = "kept"
    result = AnalysisResult.from_json(document)
    assert result.extra == {"future_score": {"0": 0.5}}
    assert result.groups[0].representative[0].extra == {"novelty": 3}
    assert result.to_json() == document


def test_result_missing_fields_take_their_empty_defaults():
    result = AnalysisResult.from_json({"consensus": {"agree": [{"statement": "7"}]}})
    assert result.consensus.agree[0].agree == 0.0
    assert (result.groups, result.controversy, result.map.participants) == ((), None, {})
    assert result.to_json()["consensus"]["agree"][0]["statement"] == "7"


def test_result_keeps_the_web_apps_excluded_counts():
    document = dict(small(), excluded={"statements": 3, "participants": 1})
    result = AnalysisResult.from_json(document)
    assert result.excluded.statements == 3 and result.excluded.n_statements == 3
    assert result.to_json()["excluded"] == {"statements": 3, "participants": 1}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(k="2"), r"^k: expected an integer, got '2'"),
        (lambda d: d.update(groups={}), r"^groups: expected a list"),
        (lambda d: d["groups"][1].update(size=True), r"^groups\[1\]\.size: expected an integer"),
        (
            lambda d: d["groups"][0]["representative"][2].update(agree="high"),
            r"^groups\[0\]\.representative\[2\]\.agree: expected a number, got 'high'",
        ),
        (
            lambda d: d["consensus"]["agree"][0].pop("statement"),
            r"consensus\.agree\[0\]\.statement",
        ),
        (lambda d: d["map"]["participants"].update(x=[1.0]), r"^map\.participants\.x\[0\]"),
        (lambda d: d["map"]["participants"].update(x="far"), r"expected a list of numbers"),
        (lambda d: d["participants"].update(x="A"), r"^participants\.x: expected an integer"),
        (lambda d: d["statements"]["0"].update(moderated="no"), r"expected true or false"),
        (lambda d: d.update(excluded={"statements": "all"}), r"^excluded\.statements"),
        (lambda d: d.update(controversy=None, timings=[]), r"^timings: expected an object"),
    ],
)
def test_result_malformed_document_names_the_place(change, message):
    document = small()
    change(document)
    if message.startswith(r"^map\.participants\.x\[0\]"):
        document["map"]["participants"]["x"] = ["left", 1.0]
    with pytest.raises(DebateError, match=message):
        AnalysisResult.from_json(document)


@pytest.mark.parametrize("document", [None, [], "analysis", 3])
def test_result_refuses_a_document_that_is_not_an_object(document):
    with pytest.raises(DebateError, match="the analysis: expected an object"):
        AnalysisResult.from_json(document)


@pytest.mark.parametrize(
    ("group", "label"), [(0, "A"), (25, "Z"), (26, "27"), ("1", "B"), (None, ""), ("x", "x")]
)
def test_group_label(group, label):
    assert group_label(group) == label
