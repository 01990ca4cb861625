import json

import networkx as nx
import pytest

from debate.argdown import argdown_json, argdown_text, graph_from_argdown
from debate.errors import GraphError, InputError

# Trimmed from what `argdown json` writes for Argdown's own example document.
ARGDOWN_EXPORT = {
    "arguments": {
        "Another argument": {
            "type": "argument",
            "relations": [],
            "members": [
                {
                    "type": "statement",
                    "role": "argument-description",
                    "text": "This arguments attacks @[Statement 2]. #tag",
                    "title": "Another argument",
                }
            ],
            "pcs": [],
            "title": "Another argument",
        },
        "Argument 1": {
            "type": "argument",
            "relations": [],
            "members": [
                {
                    "type": "statement",
                    "role": "argument-description",
                    "text": "",
                    "title": "Argument 1",
                    "isReference": True,
                },
            ],  # fmt: skip
            "pcs": [],
            "title": "Argument 1",
        },
    },
    "statements": {
        "Intro": {
            "type": "equivalence-class",
            "title": "Intro",
            "relations": [],
            "members": [
                {
                    "type": "statement",
                    "role": "top-level-statement",
                    "isTopLevel": True,
                    "title": "Intro",
                    "text": "Argdown is a simple syntax for defining argumentative structures.",
                },
                {"type": "statement", "title": "Intro", "isReference": True, "text": " "},
            ],
            "isUsedAsTopLevelStatement": True,
        },
        "Untitled 1": {
            "type": "equivalence-class",
            "title": "Untitled 1",
            "members": [{"type": "statement", "text": "Writing pros & cons is simple."}],
        },
        "Statement 2": {
            "type": "equivalence-class",
            "title": "Statement 2",
            "members": [{"type": "statement", "text": "Statements can share a title."}],
        },
        "Untitled 12": {
            "type": "equivalence-class",
            "title": "Untitled 12",
            "members": [{"type": "statement", "text": "And now the conclusion"}],
        },
        "Untitled 13": {
            "type": "equivalence-class",
            "title": "Untitled 13",
            "members": [{"type": "statement", "text": "Outgoing relations of the conclusion."}],
        },
    },
    "relations": [
        {
            "type": "relation",
            "relationType": "support",
            "from": "Untitled 1",
            "fromType": "equivalence-class",
            "to": "Intro",
            "toType": "equivalence-class",
        },
        {
            "type": "relation",
            "relationType": "attack",
            "from": "Another argument",
            "fromType": "argument",
            "to": "Statement 2",
            "toType": "equivalence-class",
        },
        {
            "type": "relation",
            "relationType": "attack",
            "from": "Intro",
            "fromType": "equivalence-class",
            "to": "Argument 1",
            "toType": "argument",
        },
        {
            "type": "relation",
            "relationType": "contrary",
            "from": "Untitled 12",
            "fromType": "equivalence-class",
            "to": "Untitled 13",
            "toType": "equivalence-class",
        },
        {
            "type": "relation",
            "relationType": "entails",
            "from": "Statement 2",
            "fromType": "equivalence-class",
            "to": "Untitled 12",
            "toType": "equivalence-class",
        },
    ],  # fmt: skip
}


def sample_graph():
    G = nx.DiGraph()
    G.add_node("p", text="Build the tram", kind="position")
    G.add_node("q", text="Widen the road", kind="position")
    G.add_node("a", text="Less traffic", kind="argument")
    G.add_node("b", text="Too expensive", kind="argument")
    G.add_edge("a", "p", relation="support")
    G.add_edge("a", "q", relation="attack")
    G.add_edge("b", "p", relation="attack")
    G.add_edge("p", "b", relation="attack")
    return G


class TestGraphFromArgdown:
    def test_graph_from_argdown_nodes(self):
        G = graph_from_argdown(ARGDOWN_EXPORT)
        assert dict(G.nodes(data="kind")) == {
            "Intro": "position",
            "Untitled 1": "position",
            "Statement 2": "position",
            "Untitled 12": "position",
            "Untitled 13": "position",
            "Another argument": "argument",
            "Argument 1": "argument",
        }
        assert G.nodes["Intro"]["text"].startswith("Argdown is a simple syntax")
        assert G.nodes["Argument 1"]["text"] == ""

    def test_graph_from_argdown_maps_logical_relations(self):
        G = graph_from_argdown(ARGDOWN_EXPORT)
        assert sorted(G.edges(data="relation")) == [
            ("Another argument", "Statement 2", "attack"),
            ("Intro", "Argument 1", "attack"),
            ("Statement 2", "Untitled 12", "support"),  # entails
            ("Untitled 1", "Intro", "support"),
            ("Untitled 12", "Untitled 13", "attack"),  # contrary, both ways
            ("Untitled 13", "Untitled 12", "attack"),
        ]

    def test_graph_from_argdown_uses_embedded_relations_without_top_level_list(self):
        data = json.loads(json.dumps(ARGDOWN_EXPORT))
        relations = data.pop("relations")
        data["statements"]["Intro"]["relations"] = relations[:1] + relations[2:3]
        data["arguments"]["Another argument"]["relations"] = relations[1:2] * 2
        G = graph_from_argdown(data)
        assert sorted(G.edges) == [
            ("Another argument", "Statement 2"),
            ("Intro", "Argument 1"),
            ("Untitled 1", "Intro"),
        ]

    def test_graph_from_argdown_title_shared_by_statement_and_argument(self):
        data = {
            "statements": {"X": {"members": [{"text": "statement"}]}},
            "arguments": {"X": {"members": [{"text": "argument"}]}},
            "relations": [{"relationType": "support", "from": "X", "fromType": "argument",
                           "to": "X", "toType": "equivalence-class"}],
        }  # fmt: skip
        G = graph_from_argdown(data)
        assert list(G.edges(data="relation")) == [("<X>", "X", "support")]
        assert G.nodes["<X>"] == {"text": "argument", "kind": "argument"}

    @pytest.mark.parametrize(
        ("data", "error", "message"),
        [
            ([], InputError, "expected the JSON object"),
            ({"statements": []}, InputError, "'statements' must map titles to objects"),
            ({"statements": {}, "relations": {}}, InputError, "'relations' must be a list"),
            ({"statements": {"A": {}}, "relations": [{"relationType": "rebuts", "from": "A",
              "to": "A"}]}, InputError, "unknown relationType 'rebuts'"),
            ({"statements": {"A": {}}, "relations": [{"relationType": "support", "from": "A",
              "to": "B"}]}, InputError, "relation to unknown title 'B'"),
            ({"statements": {"A": {}}, "relations": [{"relationType": "support", "from": "A"}]},
             InputError, "a relation has no 'to'"),
            ({"statements": {"A": {}}, "relations": [{"relationType": "support", "from": "A",
              "to": "A"}]}, GraphError, "self-link on 'A'"),
        ],
    )  # fmt: skip
    def test_graph_from_argdown_rejects(self, data, error, message):
        with pytest.raises(error, match=message):
            graph_from_argdown(data, source="map.json")


class TestArgdownJson:
    def test_argdown_json_shape(self):
        data = argdown_json(sample_graph())
        assert list(data) == ["arguments", "statements", "relations"]
        assert list(data["statements"]) == ["p", "q"]
        assert list(data["arguments"]) == ["a", "b"]
        assert data["arguments"]["a"]["members"] == [
            {"type": "statement", "role": "argument-description", "title": "a",
             "text": "Less traffic"}
        ]  # fmt: skip
        assert {
            "type": "relation",
            "relationType": "support",
            "from": "a",
            "fromType": "argument",
            "to": "p",
            "toType": "equivalence-class",
        } in data["relations"]
        assert len(data["relations"]) == 4
        assert len(data["statements"]["p"]["relations"]) == 3

    def test_argdown_json_round_trips(self):
        G = sample_graph()
        H = graph_from_argdown(json.loads(json.dumps(argdown_json(G))))
        assert dict(H.nodes(data=True)) == dict(G.nodes(data=True))
        assert sorted(H.edges(data="relation")) == sorted(G.edges(data="relation"))


class TestArgdownText:
    def test_argdown_text(self):
        G = sample_graph()
        G.nodes["b"]["text"] = "Costs [too] much #money\nto build"
        assert argdown_text(G, title='The "tram"') == (
            '===\ntitle: "The \\"tram\\""\n===\n\n'
            "[p]: Build the tram\n\n"
            "[q]: Widen the road\n\n"
            "<a>: Less traffic\n\n"
            "<b>: Costs \\[too\\] much \\#money to build\n\n"
            "[p]\n    + <a>\n    - <b>\n\n"
            "[q]\n    - <a>\n\n"
            "<b>\n    - [p]\n"
        )

    def test_argdown_text_brackets_in_ids(self):
        G = nx.DiGraph()
        G.add_node("x [1]", kind="position")
        assert argdown_text(G) == "[x (1)]\n"
