import json
import re

import networkx as nx
import pytest

from debate.cli_graph import main
from debate.errors import InputError
from debate.kialo import (
    argument_outline,
    kialo_discussion,
    kialo_graph,
    kialo_text,
    read_kialo,
)
from debate.types import Claim, Relation, RelationKind

SUPPORT, ATTACK = RelationKind.SUPPORT, RelationKind.ATTACK

EXPORT = """Discussion Title: Should the city build a tram line?

1. The city should build a tram line.
1.1. Pro: Trams cut car traffic in the centre.
1.1.1. Con: Only if the network is dense
enough to be an alternative to the car.
1.1.2. Pro: Lyon's tram cut central traffic by a quarter.
1.2. Con: It costs more than buses.
1.2.1. Con: Trams last three times longer than buses.
1.3. Con: -> See 1.1.1.
1.2.2. Pro: -> See 1.1.1.
"""


def relations(d):
    return [(r.source, r.target, r.relation.value) for r in d.relations]


class TestKialoDiscussion:
    def test_kialo_discussion_title_and_claims(self):
        d = kialo_discussion(EXPORT)
        assert d.title == "Should the city build a tram line?"
        assert [(c.id, c.kind) for c in d.claims] == [
            ("1", "position"),
            ("1.1", "argument"),
            ("1.1.1", "argument"),
            ("1.1.2", "argument"),
            ("1.2", "argument"),
            ("1.2.1", "argument"),
        ]

    def test_kialo_discussion_multiline_claim(self):
        d = kialo_discussion(EXPORT)
        assert d.claims[2] == Claim(
            "1.1.1",
            "Only if the network is dense\nenough to be an alternative to the car.",
            "argument",
        )

    def test_kialo_discussion_pro_supports_con_attacks_and_cross_links(self):
        assert relations(kialo_discussion(EXPORT)) == [
            ("1.1", "1", "support"),
            ("1.1.1", "1.1", "attack"),
            ("1.1.2", "1.1", "support"),
            ("1.2", "1", "attack"),
            ("1.2.1", "1.2", "attack"),
            ("1.1.1", "1", "attack"),  # 1.3 is a cross-link to 1.1.1
            ("1.1.1", "1.2", "support"),  # and so is 1.2.2
        ]

    def test_kialo_graph_one_argument_several_targets(self):
        G = kialo_graph(EXPORT)
        assert G.graph["title"] == "Should the city build a tram line?"
        assert sorted(G.successors("1.1.1")) == ["1", "1.1", "1.2"]
        assert G.number_of_nodes() == 6

    def test_kialo_discussion_without_title_and_with_crlf_and_bom(self):
        d = kialo_discussion("\ufeff1. Tax sugar\r\n1.1. Con: It hits the poor\r\n")
        assert d.title == ""
        assert relations(d) == [("1.1", "1", "attack")]

    def test_kialo_discussion_indented_lines_and_case(self):
        d = kialo_discussion("1. A\n    1.1. pro: B\n        1.1.1. CON:   C\n")
        assert relations(d) == [("1.1", "1", "support"), ("1.1.1", "1.1", "attack")]
        assert [c.text for c in d.claims] == ["A", "B", "C"]

    def test_kialo_discussion_forward_cross_link(self):
        d = kialo_discussion("1. A\n1.1. Pro: -> See 1.2.1.\n1.2. Con: B\n1.2.1. Con: C")
        assert relations(d) == [("1.2", "1", "attack"), ("1.2.1", "1.2", "attack"),
                                ("1.2.1", "1", "support")]  # fmt: skip

    def test_kialo_discussion_duplicate_cross_link_is_harmless(self):
        d = kialo_discussion("1. A\n1.1. Pro: B\n1.1.1. Con: C\n1.2. Con: -> See 1.1.1.\n"
                             "1.3. Con: -> See 1.1.1.")  # fmt: skip
        assert relations(d).count(("1.1.1", "1", "attack")) == 1

    def test_kialo_discussion_several_theses(self):
        d = kialo_discussion("1. A\n1.1. Pro: B\n2. C\n2.1. Con: -> See 1.1.")
        assert relations(d) == [("1.1", "1", "support"), ("1.1", "2", "attack")]

    @pytest.mark.parametrize(
        ("text", "row", "message"),
        [
            ("Discussion Title: T\nhello\n1. A", 2, "expected 'Discussion Title:' or a numbered"),
            ("1. A\n1.1. B", 2, "claim 1.1 needs 'Pro:' or 'Con:'"),
            ("1. Pro: A", 1, "the thesis 1 cannot be a Pro"),
            ("1. A\n1.1. Pro: B\n1.1. Con: C", 3, "duplicate claim 1.1"),
            ("1. A\n1.1. Pro: B\n1.2.1. Con: C", 3, "replies to 1.2, which does not exist"),
            ("1. A\n1.1. Pro:\n1.2. Con: C", 2, "claim 1.1 is empty"),
            ("1. A\n1.1. Pro: -> See 1.9.", 2, "cross-link to unknown claim 1.9"),
            ("1. A\n1.1. Pro: B\n1.1.1. Con: -> See 1.1.", 3, "links 1.1 to itself"),
            ("1. A\n1.1. Pro: -> See 1.2.\n1.2. Con: -> See 1.1.", 2, "cross-links of 1.1 loop"),
            ("1. A\n1.1. Pro: B\n1.2. Con: -> See 1.1.", 3, "1.1 would both support and attack 1"),
            ("1. -> See 1.", 1, "the thesis 1 cannot be a cross-link"),
            ("1. A\n1.1. Pro: -> See 1.\nmore text", 2, "text after the cross-link of 1.1"),
        ],
    )
    def test_kialo_discussion_malformed_reports_line(self, text, row, message):
        with pytest.raises(InputError, match=rf"^d\.txt:{row}: .*{re.escape(message)}") as info:
            kialo_discussion(text, source="d.txt")
        assert info.value.row == row and info.value.source == "d.txt"

    @pytest.mark.parametrize("text", ["", "\n\n", "Discussion Title: Empty\n"])
    def test_kialo_discussion_without_claims(self, text):
        with pytest.raises(InputError, match="no claims found"):
            kialo_discussion(text)


class TestKialoText:
    def same_graph(self, G, H):
        return nx.is_isomorphic(
            G, H,
            node_match=lambda a, b: a["text"] == b["text"],
            edge_match=lambda a, b: a["relation"] == b["relation"],
        )  # fmt: skip

    def test_kialo_text_round_trips_export(self):
        G = kialo_graph(EXPORT)
        text = kialo_text(G)
        assert text.startswith("Discussion Title: Should the city build a tram line?\n\n1. ")
        assert self.same_graph(kialo_graph(text), G)

    def test_kialo_text_writes_cross_links(self):
        G = nx.DiGraph(title="Tram?")
        G.add_node("t", text="Build it")
        G.add_node("a", text="Less traffic\nin the centre")
        G.add_node("b", text="Too expensive")
        G.add_edge("a", "t", relation="support")
        G.add_edge("b", "a", relation="attack")
        G.add_edge("b", "t", relation="attack")
        assert kialo_text(G, title="") == (
            "1. Build it\n"
            "1.1. Pro: Less traffic\n"
            "in the centre\n"
            "1.1.1. Con: Too expensive\n"
            "1.2. Con: -> See 1.1.1.\n"
        )

    def test_kialo_text_cyclic_graph_round_trips(self):
        G = nx.DiGraph()
        for n in "abcd":
            G.add_node(n, text=f"claim {n}")
        G.add_edges_from([("a", "b"), ("b", "c"), ("c", "a")], relation="attack")
        G.add_edge("d", "a", relation="support")
        H = kialo_graph(kialo_text(G))
        assert self.same_graph(H, G)

    def test_kialo_text_uses_id_when_text_is_missing(self):
        G = nx.DiGraph()
        G.add_edge("x", "y", relation="support")
        assert kialo_text(G) == "1. y\n1.1. Pro: x\n"


class TestReadAndOutline:
    def test_read_kialo_file(self, tmp_path):
        path = tmp_path / "tram.txt"
        path.write_text(EXPORT, encoding="utf-8")
        assert read_kialo(path) == kialo_discussion(EXPORT, source=str(path))

    def test_read_kialo_errors_name_the_file(self, tmp_path):
        path = tmp_path / "bad.txt"
        path.write_text("1. A\n1.1. B\n", encoding="utf-8")
        with pytest.raises(InputError, match=r"bad.txt:2: claim 1.1 needs"):
            read_kialo(path)

    @pytest.mark.parametrize(
        ("content", "message"), [(None, "no such file"), (b"1. \xff\xfe", "not UTF-8 text")]
    )
    def test_read_kialo_unreadable(self, tmp_path, content, message):
        path = tmp_path / "x.txt"
        if content is not None:
            path.write_bytes(content)
        with pytest.raises(InputError, match=message):
            read_kialo(path)

    def test_argument_outline(self):
        assert argument_outline(kialo_graph(EXPORT)) == (
            "Should the city build a tram line?\n"
            "[1] The city should build a tram line.\n"
            "  + [1.1] Trams cut car traffic in the centre.\n"
            "    - [1.1.1] Only if the network is dense enough to be an alternative to the car.\n"
            "    + [1.1.2] Lyon's tram cut central traffic by a quarter.\n"
            "  - [1.2] It costs more than buses.\n"
            "    - [1.2.1] Trams last three times longer than buses.\n"
            "    + (see [1.1.1])\n"
            "  - (see [1.1.1])\n"
            "6 statements, 7 links (2 cross-links)\n"
        )


class TestCli:
    def test_cli_kialo_prints_outline(self, tmp_path, capsys):
        path = tmp_path / "tram.txt"
        path.write_text(EXPORT, encoding="utf-8")
        assert main(["kialo", str(path)]) == 0
        assert capsys.readouterr().out == argument_outline(kialo_graph(EXPORT))

    def test_cli_kialo_json(self, tmp_path, capsys):
        path = tmp_path / "tram.txt"
        path.write_text(EXPORT, encoding="utf-8")
        assert main(["kialo", str(path), "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["title"] == "Should the city build a tram line?"
        assert out["nodes"]["1.2"] == {"text": "It costs more than buses.", "kind": "argument"}
        assert {"source": "1.1.1", "target": "1", "relation": "attack"} in out["edges"]
        assert len(out["edges"]) == 7

    def test_cli_kialo_malformed_exits_2_with_line(self, tmp_path, capsys):
        path = tmp_path / "bad.txt"
        path.write_text("1. A\n1.1. Pro: B\n1.1.2.1. Con: C\n", encoding="utf-8")
        assert main(["kialo", str(path)]) == 2
        err = capsys.readouterr().err
        assert err == f"error: {path}:3: claim 1.1.2.1 replies to 1.1.2, which does not exist\n"


def test_kialo_discussion_graph_matches_claims_and_relations():
    d = kialo_discussion("1. A\n1.1. Con: B")
    assert d.claims == (Claim("1", "A", "position"), Claim("1.1", "B", "argument"))
    assert d.relations == (Relation("1.1", "1", ATTACK),)
    assert list(d.graph().edges(data="relation")) == [("1.1", "1", "attack")]
