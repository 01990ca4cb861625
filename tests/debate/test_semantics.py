import json
import math
import subprocess
import sys

import networkx as nx
import numpy as np
import pytest

from debate.cli_graph import main
from debate.errors import GraphError, InputError
from debate.semantics import SEMANTICS, StrengthResult, strength

GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0


def bag(base, attacks=(), supports=()):
    """A weighted bipolar argumentation graph in the notation of Uncertainpy's .bag files."""
    G = nx.DiGraph()
    G.add_nodes_from(base)
    G.add_edges_from(attacks, relation="attack")
    G.add_edges_from(supports, relation="support")
    return G


def h(e):
    return e * e / (1.0 + e * e)


def reference_update(G, s, w, v, semantics):
    """f(s) at node v, written directly from the published definitions."""
    att = [s[u] for u in G.predecessors(v) if G.edges[u, v]["relation"] == "attack"]
    sup = [s[u] for u in G.predecessors(v) if G.edges[u, v]["relation"] == "support"]
    if semantics == "quadratic-energy":
        energy = sum(sup) - sum(att)
        return w[v] + (1 - w[v]) * h(energy) if energy > 0 else w[v] - w[v] * h(energy)
    if semantics == "df-quad":
        va = 1.0 - math.prod(1.0 - x for x in att)
        vs = 1.0 - math.prod(1.0 - x for x in sup)
        return w[v] - w[v] * abs(vs - va) if va >= vs else w[v] + (1 - w[v]) * abs(vs - va)
    return w[v] / (1.0 + sum(att))


def reference_acyclic(G, w, semantics):
    s = dict(w)
    for v in nx.topological_sort(G):
        s[v] = reference_update(G, s, w, v, semantics)
    return s


def random_graph(n, extra, seed, *, acyclic=True):
    rng = np.random.default_rng(seed)
    names = [f"n{i}" for i in range(n)]
    kinds = np.array(["support", "attack"])
    G = nx.DiGraph()
    G.add_nodes_from(names)
    # A random tree pointing to the root n0...
    parents = (rng.random(n - 1) * np.arange(1, n)).astype(int)
    relations = kinds[rng.integers(0, 2, n - 1)]
    G.add_edges_from(
        (names[i], names[p], {"relation": r})
        for i, p, r in zip(range(1, n), parents, relations, strict=True)
    )
    # ...plus cross-links (backwards ones make cycles).
    pairs = rng.integers(0, n, (extra, 2))
    if acyclic:
        pairs.sort(axis=1)
        pairs = pairs[:, ::-1]
    for (i, j), r in zip(pairs.tolist(), kinds[rng.integers(0, 2, extra)], strict=True):
        if i != j and not G.has_edge(names[j], names[i]):
            G.add_edge(names[i], names[j], relation=r)
    base = {v: float(x) for v, x in zip(G, rng.random(n), strict=True)}
    return G, base


# The running QuAD example of Rago et al. (KR 2016), shipped with Uncertainpy as
# RagoEtAlEDemocracy.bag: A1 <- P1, P2 (support); P2 <- C2, C3, C4 and A2 <- C1 (attack); A2 <- P3.
RAGO_BASE = {"A1": 0.5, "A2": 0.5, "P1": 0.7, "P2": 0.5, "P3": 0.9,
             "C1": 0.2, "C2": 0.2, "C3": 0.6, "C4": 0.5}  # fmt: skip
RAGO = bag(
    RAGO_BASE,
    attacks=[("C1", "A2"), ("C2", "P2"), ("C3", "P2"), ("C4", "P2")],
    supports=[("P1", "A1"), ("P2", "A1"), ("P3", "A2")],
)

# Potyka's stock example (Uncertainpy example.bag): Buy and Sell attack each other.
STOCK_BASE = {"Buy": 0.5, "Sell": 0.5, "1": 0.8, "2": 0.7, "3": 0.3, "4": 0.9, "5": 0.9}
STOCK = bag(
    STOCK_BASE,
    attacks=[("Buy", "Sell"), ("Sell", "Buy"), ("2", "1"), ("3", "2"), ("4", "3"), ("5", "1")],
    supports=[("1", "Sell"), ("2", "Buy"), ("4", "2"), ("5", "Buy")],
)


class TestWorkedExamples:
    def test_strength_df_quad_rago_edemocracy(self):
        # P2: Fa = 1 - 0.8*0.4*0.5 = 0.84, so 0.5 - 0.5*0.84 = 0.08;
        # A1: Fs = 1 - 0.3*0.92 = 0.724, so 0.5 + 0.5*0.724 = 0.862;
        # A2: Fa = 0.2 < Fs = 0.9, so 0.5 + 0.5*0.7 = 0.85 (Uncertainpy prints the same).
        r = strength(RAGO, RAGO_BASE, semantics="df-quad")
        assert r.strength["P2"] == pytest.approx(0.08, abs=1e-12)
        assert r.strength["A1"] == pytest.approx(0.862, abs=1e-12)
        assert r.strength["A2"] == pytest.approx(0.85, abs=1e-12)
        assert r.converged and r.iterations == 3

    def test_strength_quadratic_energy_rago_edemocracy(self):
        p2 = 0.5 - 0.5 * h(-1.3)  # E = -(0.2 + 0.6 + 0.5)
        r = strength(RAGO, RAGO_BASE)
        assert r.strength["P2"] == pytest.approx(p2, abs=1e-12)
        assert r.strength["P2"] == pytest.approx(0.185874, abs=1e-6)
        assert r.strength["A1"] == pytest.approx(0.5 + 0.5 * h(0.7 + p2), abs=1e-12)
        assert r.strength["A1"] == pytest.approx(0.719852, abs=1e-6)
        assert r.strength["A2"] == pytest.approx(0.5 + 0.5 * h(0.9 - 0.2), abs=1e-12)

    def test_strength_h_categorizer_rago_edemocracy_ignores_supports(self):
        r = strength(RAGO, RAGO_BASE, semantics="h-categorizer")
        assert r.strength["P2"] == pytest.approx(0.5 / 2.3, abs=1e-12)
        assert r.strength["A1"] == 0.5  # only supported
        assert r.strength["A2"] == pytest.approx(0.5 / 1.2, abs=1e-12)

    def test_strength_quadratic_energy_stock_example_matches_uncertainpy(self):
        # Uncertainpy's RK4 run (delta 0.1, epsilon 1e-3) prints these values.
        published = {"Buy": 0.8208, "Sell": 0.3635, "1": 0.2049, "2": 0.8050, "3": 0.1658}
        r = strength(STOCK, STOCK_BASE)
        assert r.converged
        for node, value in published.items():
            assert r.strength[node] == pytest.approx(value, abs=2e-3)

    def test_strength_quadratic_energy_stock_example_acyclic_part_is_exact(self):
        r = strength(STOCK, STOCK_BASE)
        s3 = 0.3 - 0.3 * h(0.9)
        s2 = 0.7 + 0.3 * h(0.9 - s3)
        s1 = 0.8 - 0.8 * h(s2 + 0.9)
        assert (r.strength["3"], r.strength["2"], r.strength["1"]) == pytest.approx(
            (s3, s2, s1), abs=1e-12
        )

    def test_strength_quadratic_energy_stock_example_is_a_fixed_point(self):
        r = strength(STOCK, STOCK_BASE)
        for v in ("Buy", "Sell"):
            assert reference_update(STOCK, r.strength, STOCK_BASE, v, "quadratic-energy") == (
                pytest.approx(r.strength[v], abs=1e-11)
            )

    @pytest.mark.parametrize("n", [2, 3, 5])
    def test_strength_h_categorizer_attack_cycle_is_golden_ratio(self, n):
        # Besnard & Hunter's h-categorizer: s = 1 / (1 + s) on a cycle of unit weights.
        G = bag({i: 1.0 for i in range(n)}, attacks=[(i, (i + 1) % n) for i in range(n)])
        r = strength(G, {str(i): 1.0 for i in range(n)}, semantics="h-categorizer")
        assert r.converged
        assert all(v == pytest.approx(GOLDEN, abs=1e-11) for v in r.strength.values())

    def test_strength_h_categorizer_attack_chain(self):
        G = bag({"a": 1, "b": 1, "c": 1}, attacks=[("c", "b"), ("b", "a")])
        r = strength(G, {"a": 1.0, "b": 1.0, "c": 1.0}, semantics="h-categorizer")
        assert r.strength == pytest.approx({"a": 2 / 3, "b": 0.5, "c": 1.0}, abs=1e-15)

    @pytest.mark.parametrize(
        ("semantics", "expected"),
        [("quadratic-energy", 0.5 - 0.5 * h(0.6)), ("df-quad", 0.2), ("h-categorizer", 0.5 / 1.9)],
    )
    def test_strength_one_attacker_one_supporter(self, semantics, expected):
        G = bag({"a": 0, "b": 0, "c": 0}, attacks=[("b", "a")], supports=[("c", "a")])
        r = strength(G, {"a": 0.5, "b": 0.9, "c": 0.3}, semantics=semantics)
        assert r.strength["a"] == pytest.approx(expected, abs=1e-15)

    @pytest.mark.parametrize(
        ("semantics", "expected"),
        [("quadratic-energy", 0.4 + 0.6 * h(0.5)), ("df-quad", 0.4 + 0.6 * 0.5)],
    )
    def test_strength_support_only_raises(self, semantics, expected):
        G = bag({"a": 0, "b": 0}, supports=[("b", "a")])
        r = strength(G, {"a": 0.4, "b": 0.5}, semantics=semantics)
        assert r.strength["a"] == pytest.approx(expected, abs=1e-15)


@pytest.mark.parametrize("semantics", SEMANTICS)
class TestDefinitions:
    @pytest.mark.parametrize(("n", "extra", "seed"), [(6, 4, 0), (40, 30, 1), (400, 300, 2)])
    def test_strength_acyclic_equals_definition(self, semantics, n, extra, seed):
        G, base = random_graph(n, extra, seed)
        r = strength(G, base, semantics=semantics)
        expected = reference_acyclic(G, base, semantics)
        assert r.converged
        assert r.iterations == nx.dag_longest_path_length(G) + 1
        assert max(abs(r.strength[v] - expected[v]) for v in G) <= 1e-12

    def test_strength_long_chain_equals_definition(self, semantics):
        G = nx.DiGraph()
        G.add_edges_from(((i + 1, i) for i in range(600)), relation="attack")
        G.add_edges_from(((i + 2, i) for i in range(0, 598, 7)), relation="support")
        base = {str(v): 0.3 + 0.4 * ((v * 7) % 10) / 10 for v in G}
        r = strength(G, base, semantics=semantics)
        expected = reference_acyclic(G, {v: base[str(v)] for v in G}, semantics)
        assert r.iterations == 601
        assert max(abs(r.strength[str(v)] - expected[v]) for v in G) <= 1e-12

    @pytest.mark.parametrize("seed", [3, 4, 5])
    def test_strength_cyclic_stays_in_bounds_and_is_fixed_point(self, semantics, seed):
        G, base = random_graph(60, 60, seed, acyclic=False)
        assert not nx.is_directed_acyclic_graph(G)
        r = strength(G, base, semantics=semantics, damping=0.3, max_iter=5000)
        assert all(0.0 <= x <= 1.0 for x in r.strength.values())
        assert r.converged
        for v in G:
            assert reference_update(G, r.strength, base, v, semantics) == pytest.approx(
                r.strength[v], abs=1e-9
            )

    @pytest.mark.parametrize("base_value", [0.0, 1.0])
    def test_strength_extreme_bases_stay_in_bounds(self, semantics, base_value):
        G, _ = random_graph(50, 50, 7, acyclic=False)
        r = strength(G, dict.fromkeys(G, base_value), semantics=semantics)
        assert all(0.0 <= x <= 1.0 for x in r.strength.values())

    def test_strength_does_not_depend_on_node_order(self, semantics):
        G, base = random_graph(30, 20, 8)
        H = nx.DiGraph()
        H.add_nodes_from(reversed(list(G)))
        H.add_edges_from(reversed(list(G.edges(data=True))))
        assert strength(H, base, semantics=semantics).strength == pytest.approx(
            strength(G, base, semantics=semantics).strength, abs=1e-15
        )

    def test_strength_isolated_node_keeps_base(self, semantics):
        G = nx.DiGraph()
        G.add_node("x")
        r = strength(G, {"x": 0.37}, semantics=semantics)
        assert r == StrengthResult({"x": 0.37}, semantics, True, 1)


class TestCycles:
    def test_strength_undamped_oscillation_reports_non_convergence(self):
        # DF-QuAD on two mutual attackers of base 1 flips between 1 and 0 without damping.
        G = bag({"x": 1, "y": 1}, attacks=[("x", "y"), ("y", "x")])
        r = strength(G, {"x": 1.0, "y": 1.0}, semantics="df-quad", damping=1.0, max_iter=50)
        assert not r.converged
        assert r.iterations == 50

    def test_strength_damping_settles_the_oscillation(self):
        G = bag({"x": 1, "y": 1}, attacks=[("x", "y"), ("y", "x")])
        r = strength(G, {"x": 1.0, "y": 1.0}, semantics="df-quad", damping=0.5)
        assert r.converged
        assert r.strength == pytest.approx({"x": 0.5, "y": 0.5}, abs=1e-12)

    def test_strength_iterations_count_generations_and_sweeps(self):
        # a <- b (cycle b <-> c) <- d: generations {d}, {b, c}, {a}.
        G = bag({"a": 0, "b": 0, "c": 0, "d": 0},
                attacks=[("b", "a"), ("b", "c"), ("c", "b"), ("d", "c")])  # fmt: skip
        r = strength(G, dict.fromkeys("abcd", 0.5), semantics="h-categorizer")
        assert r.converged
        assert 3 < r.iterations < 200
        sb, sc = r.strength["b"], r.strength["c"]
        assert sb == pytest.approx(0.5 / (1 + sc), abs=1e-11)
        assert sc == pytest.approx(0.5 / (1 + sb + 0.5), abs=1e-11)
        assert r.strength["a"] == pytest.approx(0.5 / (1 + sb), abs=1e-11)


class TestErrors:
    G = bag({"a": 0, "b": 0}, attacks=[("b", "a")])

    def test_strength_empty_graph(self):
        assert strength(nx.DiGraph(), {}) == StrengthResult({}, "quadratic-energy", True, 0)

    @pytest.mark.parametrize(
        ("options", "message"),
        [
            ({"semantics": "grounded"}, "unknown semantics 'grounded'"),
            ({"damping": 0.0}, "damping must be in"),
            ({"damping": 1.5}, "damping must be in"),
            ({"tol": 0.0}, "tol must be positive"),
            ({"max_iter": 0}, "max_iter must be a positive integer"),
        ],
    )
    def test_strength_rejects_bad_options(self, options, message):
        with pytest.raises(InputError, match=message):
            strength(self.G, {"a": 0.5, "b": 0.5}, **options)

    def test_strength_requires_every_base(self):
        with pytest.raises(InputError, match="no base score for 'b'"):
            strength(self.G, {"a": 0.5})

    @pytest.mark.parametrize("value", [1.01, -0.5, math.nan, "high", None])
    def test_strength_rejects_bad_base(self, value):
        with pytest.raises(InputError, match="base score of 'b' must be a number in"):
            strength(self.G, {"a": 0.5, "b": value})

    def test_strength_rejects_unknown_relation(self):
        G = nx.DiGraph()
        G.add_edge("a", "b", relation="undercut")
        with pytest.raises(GraphError, match="unknown relation 'undercut'"):
            strength(G, {"a": 0.5, "b": 0.5})

    def test_strength_rejects_self_loop(self):
        G = nx.DiGraph()
        G.add_edge("a", "a", relation="attack")
        with pytest.raises(GraphError, match="self-link on 'a'"):
            strength(G, {"a": 0.5})


def test_strength_large_cyclic_graph_converges_in_bounds():
    # Speed is measured in bench/, not here; this checks behaviour at size.
    G, base = random_graph(20_000, 1_000, 9, acyclic=False)
    r = strength(G, base)
    assert r.converged
    assert len(r.strength) == 20_000
    assert all(0.0 <= v <= 1.0 for v in r.strength.values())


class TestCli:
    def test_cli_strength_prints_result_json(self, tmp_path, capsys):
        path = tmp_path / "graph.json"
        path.write_text(
            json.dumps(
                {
                    "nodes": {"a": {"base": 0.5}, "b": {"base": 0.9}, "c": {}},
                    "edges": [
                        {"source": "b", "target": "a", "relation": "attack"},
                        {"source": "c", "target": "b", "relation": "support"},
                    ],
                }
            )
        )
        assert main(["strength", str(path)]) == 0
        out = json.loads(capsys.readouterr().out)
        b = 0.9 + 0.1 * h(0.5)  # c has the default base 0.5
        assert out == {
            "strength": pytest.approx({"a": 0.5 - 0.5 * h(b), "b": b, "c": 0.5}, abs=1e-15),
            "semantics": "quadratic-energy",
            "converged": True,
            "iterations": 3,
        }

    @pytest.mark.parametrize("semantics", SEMANTICS)
    def test_cli_strength_semantics_option(self, tmp_path, capsys, semantics):
        path = tmp_path / "graph.json"
        path.write_text('{"nodes": {"a": {"base": 0.5}}, "edges": []}')
        assert main(["strength", str(path), "--semantics", semantics]) == 0
        assert json.loads(capsys.readouterr().out)["semantics"] == semantics

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            ('{"nodes": {"a": {}},\n "edges": [}', r"graph.json:2: invalid JSON"),
            ('{"nodes": {"a": {"base": 3}}, "edges": []}', r"graph.json: node 'a': base"),
            ('{"nodes": {}, "edges": [{"source": "a", "target": "b"}]}', "unknown claim 'a'"),
        ],
    )
    def test_cli_strength_bad_file_exits_2(self, tmp_path, capsys, content, message):
        path = tmp_path / "graph.json"
        path.write_text(content)
        assert main(["strength", str(path)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1
        assert __import__("re").search(message, err)

    def test_cli_strength_missing_file_exits_2(self, tmp_path, capsys):
        assert main(["strength", str(tmp_path / "none.json")]) == 2
        assert "none.json: no such file" in capsys.readouterr().err


def test_python_m_debate_strength(tmp_path):
    path = tmp_path / "graph.json"
    path.write_text(
        '{"nodes": {"a": {"base": 0.5}, "b": {"base": 0.9}},'
        ' "edges": [{"source": "b", "target": "a", "relation": "attack"}]}'
    )
    done = subprocess.run(
        [sys.executable, "-m", "debate", "strength", str(path), "--semantics", "h-categorizer"],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "strength": {"a": pytest.approx(0.5 / 1.9), "b": 0.9},
        "semantics": "h-categorizer",
        "converged": True,
        "iterations": 2,
    }
