import math

import networkx as nx
import pytest

from debate.errors import GraphError, InputError
from debate.graph import (
    argument_graph,
    base_scores,
    graph_from_json,
    graph_to_json,
    relation_kind,
)
from debate.types import Claim, Relation, RelationKind

SUPPORT, ATTACK = RelationKind.SUPPORT, RelationKind.ATTACK

CLAIMS = [
    Claim("p1", "Build the tram"),
    Claim("p2", "Widen the road"),
    Claim("a", "Trams cut car traffic", kind="argument"),
    Claim("b", "It costs too much", kind="argument"),
]


class TestArgumentGraph:
    def test_argument_graph_nodes_carry_text_and_kind(self):
        G = argument_graph(CLAIMS, [])
        assert list(G.nodes(data=True)) == [
            ("p1", {"text": "Build the tram", "kind": "position"}),
            ("p2", {"text": "Widen the road", "kind": "position"}),
            ("a", {"text": "Trams cut car traffic", "kind": "argument"}),
            ("b", {"text": "It costs too much", "kind": "argument"}),
        ]

    def test_argument_graph_argument_targets_several_statements(self):
        G = argument_graph(
            CLAIMS,
            [
                Relation("a", "p1", SUPPORT),
                Relation("a", "p2", ATTACK),
                Relation("b", "p1", ATTACK),
            ],
        )
        assert sorted(G.edges(data="relation")) == [
            ("a", "p1", "support"),
            ("a", "p2", "attack"),
            ("b", "p1", "attack"),
        ]

    def test_argument_graph_repeated_relation_is_harmless(self):
        G = argument_graph(CLAIMS, [Relation("a", "p1", SUPPORT)] * 2)
        assert G.number_of_edges() == 1

    def test_argument_graph_accepts_relation_names(self):
        G = argument_graph(CLAIMS, [Relation("a", "p1", "attack")])  # type: ignore[arg-type]
        assert G.edges["a", "p1"]["relation"] == "attack"

    def test_argument_graph_rejects_self_link(self):
        with pytest.raises(GraphError, match="self-link on 'a'"):
            argument_graph(CLAIMS, [Relation("a", "a", ATTACK)])

    @pytest.mark.parametrize(
        ("source", "target", "unknown"), [("zz", "p1", "zz"), ("a", "nowhere", "nowhere")]
    )
    def test_argument_graph_rejects_unknown_node(self, source, target, unknown):
        with pytest.raises(GraphError, match=f"unknown claim '{unknown}'"):
            argument_graph(CLAIMS, [Relation(source, target, SUPPORT)])

    def test_argument_graph_rejects_support_and_attack_of_same_pair(self):
        with pytest.raises(GraphError, match="both supports and attacks"):
            argument_graph(CLAIMS, [Relation("a", "p1", SUPPORT), Relation("a", "p1", ATTACK)])

    def test_argument_graph_rejects_conflicting_duplicate_claims(self):
        with pytest.raises(GraphError, match="listed twice"):
            argument_graph([Claim("x", "one"), Claim("x", "two")], [])

    def test_argument_graph_allows_identical_duplicate_claims(self):
        assert argument_graph([Claim("x", "one"), Claim("x", "one")], []).number_of_nodes() == 1


class TestRelationKind:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [("support", SUPPORT), ("ATTACK", ATTACK), (" attack ", ATTACK), (SUPPORT, SUPPORT)],
    )
    def test_relation_kind_parses(self, value, expected):
        assert relation_kind(value) is expected

    @pytest.mark.parametrize("value", ["rebut", "", None, 1])
    def test_relation_kind_rejects(self, value):
        with pytest.raises(GraphError, match="unknown relation"):
            relation_kind(value)


class TestJson:
    DATA = {
        "nodes": {"a": {"base": 0.5, "text": "Tram"}, "b": {"base": 0.9}, "c": {}},
        "edges": [
            {"source": "b", "target": "a", "relation": "attack"},
            {"source": "c", "target": "a", "relation": "support"},
        ],
    }

    def test_graph_from_json_reads_nodes_and_edges(self):
        G = graph_from_json(self.DATA)
        assert dict(G.nodes(data="base")) == {"a": 0.5, "b": 0.9, "c": None}
        assert G.nodes["a"]["text"] == "Tram"
        assert list(G.edges(data="relation")) == [("b", "a", "attack"), ("c", "a", "support")]

    def test_graph_from_json_round_trips(self):
        assert graph_to_json(graph_from_json(self.DATA)) == self.DATA

    @pytest.mark.parametrize(
        "nodes",
        [["a", "b"], [{"id": "a"}, {"id": "b", "base": 0.2}], {"a": None, "b": {"base": 0.2}}],
    )
    def test_graph_from_json_accepts_node_lists(self, nodes):
        G = graph_from_json({"nodes": nodes, "edges": [{"source": "a", "target": "b"}]})
        assert list(G) == ["a", "b"]
        assert G.edges["a", "b"]["relation"] == "support"

    def test_graph_from_json_integer_ids_become_strings(self):
        G = graph_from_json({"nodes": {"1": {}, "2": {}}, "edges": [{"source": 1, "target": 2}]})
        assert list(G.edges) == [("1", "2")]

    @pytest.mark.parametrize("base", [1.5, -0.1, "0.5", True, math.nan, math.inf])
    def test_graph_from_json_rejects_bad_base(self, base):
        with pytest.raises(InputError, match="g.json: node 'a': base must be a number"):
            graph_from_json({"nodes": {"a": {"base": base}}, "edges": []}, source="g.json")

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ([1, 2], "expected a JSON object"),
            ({"nodes": 3, "edges": []}, "'nodes' must be an object or a list"),
            ({"nodes": {}, "edges": {}}, "'edges' must be a list"),
            ({"nodes": {"a": {}}, "edges": [{"source": "a"}]}, "edge 0 needs"),
            ({"nodes": [{"base": 1}], "edges": []}, "needs an 'id'"),
            ({"nodes": {"a": 5}, "edges": []}, "attributes must be an object"),
            ({"nodes": [["a"]], "edges": []}, "node ids must be strings"),
            ({"nodes": ["a", "a"], "edges": []}, "duplicate node 'a'"),
        ],
    )
    def test_graph_from_json_rejects_bad_shape(self, data, message):
        with pytest.raises(InputError, match=message):
            graph_from_json(data)

    def test_graph_from_json_rejects_edge_to_unknown_node(self):
        with pytest.raises(GraphError, match="unknown claim 'z'"):
            graph_from_json({"nodes": {"a": {}}, "edges": [{"source": "a", "target": "z"}]})

    def test_graph_to_json_base_overrides_attributes(self):
        G = nx.DiGraph()
        G.add_node("a", base=0.1)
        assert graph_to_json(G, base={"a": 0.7}) == {"nodes": {"a": {"base": 0.7}}, "edges": []}


class TestBaseScores:
    def test_base_scores_default_fills_missing(self):
        G = graph_from_json({"nodes": {"a": {"base": 0.25}, "b": {}}, "edges": []})
        assert base_scores(G, default=0.75) == {"a": 0.25, "b": 0.75}
