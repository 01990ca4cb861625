import json

import networkx as nx
import pytest

from debate.aif import aif_json, graph_from_aif
from debate.errors import GraphError, InputError


def sample_graph():
    G = nx.DiGraph()
    G.add_node("p", text="Build the tram", kind="position")
    G.add_node("a", text="Less traffic", kind="argument")
    G.add_node("b", text="Too expensive", kind="argument")
    G.add_edge("a", "p", relation="support")
    G.add_edge("b", "p", relation="attack")
    G.add_edge("b", "a", relation="attack")
    return G


class TestAifJson:
    def test_aif_json_support_is_ra_attack_is_ca(self):
        data = aif_json(sample_graph())
        assert data["nodes"] == [
            {"nodeID": "p", "text": "Build the tram", "type": "I"},
            {"nodeID": "a", "text": "Less traffic", "type": "I"},
            {"nodeID": "b", "text": "Too expensive", "type": "I"},
            {"nodeID": "RA1", "text": "Default Inference", "type": "RA"},
            {"nodeID": "CA2", "text": "Default Conflict", "type": "CA"},
            {"nodeID": "CA3", "text": "Default Conflict", "type": "CA"},
        ]
        assert [(e["edgeID"], e["fromID"], e["toID"]) for e in data["edges"]] == [
            ("1", "a", "RA1"),
            ("2", "RA1", "p"),
            ("3", "b", "CA2"),
            ("4", "CA2", "p"),
            ("5", "b", "CA3"),
            ("6", "CA3", "a"),
        ]
        assert data["locutions"] == []

    def test_aif_json_scheme_ids_avoid_claim_ids(self):
        G = nx.DiGraph()
        G.add_edge("RA1", "x", relation="support")
        ids = [n["nodeID"] for n in aif_json(G)["nodes"]]
        assert ids == ["RA1", "x", "RA2"]
        assert len(set(ids)) == len(ids)

    def test_aif_json_round_trips(self):
        G = sample_graph()
        H = graph_from_aif(json.loads(json.dumps(aif_json(G))))
        assert dict(H.nodes(data=True)) == dict(G.nodes(data=True))
        assert sorted(H.edges(data="relation")) == sorted(G.edges(data="relation"))


class TestGraphFromAif:
    AIFDB = {
        "nodes": [
            {"nodeID": 10, "text": "Build the tram", "type": "I", "timestamp": "2024-01-01"},
            {"nodeID": 11, "text": "Trams are fast", "type": "I"},
            {"nodeID": 12, "text": "Trams are clean", "type": "I"},
            {"nodeID": 13, "text": "Default Inference", "type": "RA"},
            {"nodeID": 14, "text": "Too expensive", "type": "I"},
            {"nodeID": 15, "text": "Default Conflict", "type": "CA"},
            {"nodeID": 16, "text": "Default Rephrase", "type": "MA"},
            {"nodeID": 17, "text": "Bob: trams are quick", "type": "L"},
            {"nodeID": 18, "text": "Default Conflict", "type": "CA"},
        ],
        "edges": [
            {"edgeID": 1, "fromID": 11, "toID": 13},
            {"edgeID": 2, "fromID": 12, "toID": 13},
            {"edgeID": 3, "fromID": 13, "toID": 10},
            {"edgeID": 4, "fromID": 14, "toID": 15},
            {"edgeID": 5, "fromID": 15, "toID": 10},
            {"edgeID": 6, "fromID": 11, "toID": 16},
            {"edgeID": 7, "fromID": 16, "toID": 12},
            {"edgeID": 8, "fromID": 17, "toID": 11},
            {"edgeID": 9, "fromID": 14, "toID": 18},  # undercut: CA -> RA, ignored
            {"edgeID": 10, "fromID": 18, "toID": 13},
        ],
        "locutions": [],
    }

    def test_graph_from_aif_linked_premises_each_support(self):
        G = graph_from_aif(self.AIFDB)
        assert sorted(G.edges(data="relation")) == [
            ("11", "10", "support"),
            ("12", "10", "support"),
            ("14", "10", "attack"),
        ]

    def test_graph_from_aif_keeps_only_i_nodes(self):
        G = graph_from_aif(self.AIFDB)
        assert dict(G.nodes(data="kind")) == {
            "10": "position",
            "11": "argument",
            "12": "argument",
            "14": "argument",
        }
        assert G.nodes["14"]["text"] == "Too expensive"

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ("nodes", "expected an AIF JSON object"),
            ({"nodes": []}, "needs 'nodes' and 'edges' lists"),
            ({"nodes": [{"text": "x"}], "edges": []}, "needs a 'nodeID'"),
            ({"nodes": [{"nodeID": 1}, {"nodeID": "1"}], "edges": []}, "duplicate nodeID '1'"),
            ({"nodes": [{"nodeID": 1}], "edges": [{"fromID": 1}]}, "needs 'fromID' and 'toID'"),
            ({"nodes": [{"nodeID": 1}], "edges": [{"fromID": 1, "toID": 2}]},
             "unknown node '2'"),
        ],
    )  # fmt: skip
    def test_graph_from_aif_rejects_bad_shape(self, data, message):
        with pytest.raises(InputError, match=message):
            graph_from_aif(data)

    def test_graph_from_aif_rejects_support_and_attack_of_same_pair(self):
        data = {
            "nodes": [{"nodeID": "a", "type": "I"}, {"nodeID": "b", "type": "I"},
                      {"nodeID": "r", "type": "RA"}, {"nodeID": "c", "type": "CA"}],
            "edges": [{"fromID": "a", "toID": "r"}, {"fromID": "r", "toID": "b"},
                      {"fromID": "a", "toID": "c"}, {"fromID": "c", "toID": "b"}],
        }  # fmt: skip
        with pytest.raises(GraphError, match="both supports and attacks"):
            graph_from_aif(data)
