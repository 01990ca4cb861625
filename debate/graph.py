"""The argument graph: statements as nodes, support and attack links as edges.

An argument graph is a :class:`networkx.DiGraph` whose nodes are claim ids (strings) carrying
``text`` and ``kind`` (``"position"`` or ``"argument"``) attributes, and whose edges point from
an argument to the statement it supports or attacks, with ``relation`` set to ``"support"`` or
``"attack"``. An argument may target several statements (several out-edges). Nodes may also
carry a ``base`` score in [0, 1] (the starting strength used by :mod:`debate.semantics`).

The JSON form read by ``python -m debate strength`` is::

    {"nodes": {"a": {"base": 0.5, "text": "..."}, ...},
     "edges": [{"source": "b", "target": "a", "relation": "support"}, ...]}
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx

from debate.errors import GraphError, InputError
from debate.types import Claim, Relation, RelationKind

__all__ = [
    "KINDS",
    "RELATIONS",
    "argument_graph",
    "base_scores",
    "graph_from_json",
    "graph_to_json",
    "relation_kind",
]

RELATIONS = tuple(kind.value for kind in RelationKind)
KINDS = ("position", "argument")


def relation_kind(value: object) -> RelationKind:
    """Return the :class:`~debate.types.RelationKind` named by ``value``.

    Parameters
    ----------
    value : RelationKind or str
        ``"support"`` or ``"attack"`` (any case), or a ``RelationKind``.

    Returns
    -------
    RelationKind

    Raises
    ------
    GraphError
        If ``value`` names no relation.

    Examples
    --------
    >>> relation_kind("Attack")
    <RelationKind.ATTACK: 'attack'>
    >>> relation_kind("rebuts")
    Traceback (most recent call last):
    ...
    debate.errors.GraphError: unknown relation 'rebuts' (expected 'support' or 'attack')
    """
    if isinstance(value, RelationKind):
        return value
    if isinstance(value, str):
        try:
            return RelationKind(value.strip().lower())
        except ValueError:
            pass
    raise GraphError(f"unknown relation {value!r} (expected 'support' or 'attack')")


def argument_graph(claims: Iterable[Claim], relations: Iterable[Relation]) -> nx.DiGraph:
    """Build the argument graph of a debate.

    Parameters
    ----------
    claims : iterable of Claim
        The statements; each becomes a node with ``text`` and ``kind`` attributes. A claim
        listed twice must be identical both times.
    relations : iterable of Relation
        ``source`` supports or attacks ``target``; each becomes an edge ``source -> target``
        with a ``relation`` attribute (``"support"`` or ``"attack"``). Listing the same link
        twice is harmless; an argument may target several statements.

    Returns
    -------
    networkx.DiGraph
        Nodes in the order of ``claims``, edges in the order of ``relations``.

    Raises
    ------
    GraphError
        On a link to or from an unknown claim, a self-link, a pair of claims linked both as
        support and as attack, an unknown relation or conflicting duplicate claims.

    Examples
    --------
    >>> from debate.types import Claim, Relation, RelationKind
    >>> G = argument_graph(
    ...     [Claim("p", "Build the tram"), Claim("a", "It is cheap", kind="argument")],
    ...     [Relation("a", "p", RelationKind.SUPPORT)],
    ... )
    >>> list(G.nodes(data="kind")), list(G.edges(data="relation"))
    ([('p', 'position'), ('a', 'argument')], [('a', 'p', 'support')])
    >>> argument_graph([Claim("p")], [Relation("p", "p", RelationKind.ATTACK)])
    Traceback (most recent call last):
    ...
    debate.errors.GraphError: self-link on 'p'
    """
    # Checked in plain dicts, then handed to networkx in two bulk calls: a hundred thousand
    # claims and links build in a fraction of the time of one add_node / add_edge call each.
    nodes: dict[str, dict[str, Any]] = {}
    for claim in claims:
        attrs = {"text": claim.text, "kind": claim.kind}
        known = nodes.setdefault(claim.id, attrs)
        if known is not attrs and known != attrs:
            raise GraphError(f"claim {claim.id!r} is listed twice with different contents")
    links: dict[tuple[str, str], str] = {}
    for rel in relations:
        source, target = rel.source, rel.target
        kind = relation_kind(rel.relation).value
        for end in (source, target):
            if end not in nodes:
                raise GraphError(f"link {source!r} -> {target!r} names unknown claim {end!r}")
        if source == target:
            raise GraphError(f"self-link on {source!r}")
        if links.setdefault((source, target), kind) != kind:
            raise GraphError(f"{source!r} both supports and attacks {target!r}")
    G = nx.DiGraph()
    G.add_nodes_from(nodes.items())
    G.add_edges_from((u, v, {"relation": kind}) for (u, v), kind in links.items())
    return G


def _add_link(G: nx.DiGraph, source: Any, target: Any, relation: object) -> None:
    kind = relation_kind(relation).value
    for end in (source, target):
        if end not in G:
            raise GraphError(f"link {source!r} -> {target!r} names unknown claim {end!r}")
    if source == target:
        raise GraphError(f"self-link on {source!r}")
    existing = G.get_edge_data(source, target)
    if existing is not None and existing.get("relation") != kind:
        raise GraphError(f"{source!r} both supports and attacks {target!r}")
    G.add_edge(source, target, relation=kind)


def base_scores(G: nx.DiGraph, *, default: float = 0.5) -> dict[str, float]:
    """Return each node's ``base`` attribute, ``default`` where it has none.

    Parameters
    ----------
    G : networkx.DiGraph
        An argument graph.
    default : float, default 0.5
        Base score of nodes without a ``base`` attribute.

    Returns
    -------
    dict of str to float
        Node id to base score, in node order.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_node("a", base=0.8)
    >>> G.add_node("b")
    >>> base_scores(G)
    {'a': 0.8, 'b': 0.5}
    """
    return {str(n): float(G.nodes[n].get("base", default)) for n in G}


def graph_from_json(data: object, *, source: str | None = None) -> nx.DiGraph:
    """Build an argument graph from its JSON form.

    Parameters
    ----------
    data : dict
        ``{"nodes": {id: {attribute: value}}, "edges": [{"source", "target", "relation"}]}``.
        ``nodes`` may also be a list of ids or of objects with an ``"id"``. Node attributes are
        kept (``base`` must be a number in [0, 1]); an edge's ``relation`` defaults to
        ``"support"``.
    source : str, optional
        File name used in error messages.

    Returns
    -------
    networkx.DiGraph

    Raises
    ------
    InputError
        If the JSON does not have this shape or a base score is not in [0, 1].
    GraphError
        If an edge names an unknown node, links a node to itself or contradicts another edge.

    Examples
    --------
    >>> G = graph_from_json({
    ...     "nodes": {"a": {"base": 0.5}, "b": {"base": 0.9}},
    ...     "edges": [{"source": "b", "target": "a", "relation": "attack"}],
    ... })
    >>> dict(G.nodes(data="base")), list(G.edges(data="relation"))
    ({'a': 0.5, 'b': 0.9}, [('b', 'a', 'attack')])
    >>> graph_from_json({"nodes": {"a": {"base": 2}}, "edges": []})
    Traceback (most recent call last):
    ...
    debate.errors.InputError: node 'a': base must be a number in [0, 1], got 2
    """
    if not isinstance(data, Mapping):
        raise InputError("expected a JSON object with 'nodes' and 'edges'", source=source)
    nodes = data.get("nodes", {})
    edges = data.get("edges", [])
    G = nx.DiGraph()
    for node_id, attrs in _json_nodes(nodes, source):
        if node_id in G:
            raise InputError(f"duplicate node {node_id!r}", source=source)
        if "base" in attrs:
            attrs["base"] = _checked_base(node_id, attrs["base"], source)
        G.add_node(node_id, **attrs)
    if not isinstance(edges, list):
        raise InputError("'edges' must be a list", source=source)
    for i, edge in enumerate(edges):
        if not isinstance(edge, Mapping) or "source" not in edge or "target" not in edge:
            raise InputError(f"edge {i} needs 'source' and 'target'", source=source)
        _add_link(
            G,
            _node_id(edge["source"], source),
            _node_id(edge["target"], source),
            edge.get("relation", "support"),
        )
    return G


def _json_nodes(nodes: object, source: str | None) -> list[tuple[str, dict[str, Any]]]:
    if isinstance(nodes, Mapping):
        out = []
        for key, attrs in nodes.items():
            if attrs is None:
                attrs = {}
            if not isinstance(attrs, Mapping):
                raise InputError(f"node {key!r}: attributes must be an object", source=source)
            out.append((_node_id(key, source), dict(attrs)))
        return out
    if isinstance(nodes, list):
        out = []
        for item in nodes:
            if isinstance(item, Mapping):
                if "id" not in item:
                    raise InputError("a node object needs an 'id'", source=source)
                attrs = {k: v for k, v in item.items() if k != "id"}
                out.append((_node_id(item["id"], source), attrs))
            else:
                out.append((_node_id(item, source), {}))
        return out
    raise InputError("'nodes' must be an object or a list", source=source)


def _node_id(value: object, source: str | None) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InputError(f"node ids must be strings, got {value!r}", source=source)
    return str(value)


def _checked_base(node: str, value: object, source: str | None) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not 0.0 <= value <= 1.0
    ):
        raise InputError(
            f"node {node!r}: base must be a number in [0, 1], got {value!r}", source=source
        )
    return float(value)


def graph_to_json(G: nx.DiGraph, *, base: Mapping[str, float] | None = None) -> dict[str, Any]:
    """Return the JSON form of an argument graph (the inverse of :func:`graph_from_json`).

    Parameters
    ----------
    G : networkx.DiGraph
        An argument graph.
    base : mapping of str to float, optional
        Base scores to write as each node's ``base`` (overriding node attributes).

    Returns
    -------
    dict
        ``{"nodes": {id: attributes}, "edges": [{"source", "target", "relation"}]}``.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_edge("b", "a", relation="attack")
    >>> graph_to_json(G, base={"a": 0.5, "b": 0.9})
    {'nodes': {'b': {'base': 0.9}, 'a': {'base': 0.5}}, 'edges': [{'source': 'b', 'target': 'a', 'relation': 'attack'}]}
    """  # noqa: E501
    nodes: dict[str, dict[str, Any]] = {}
    for n, attrs in G.nodes(data=True):
        entry = dict(attrs)
        if base is not None and str(n) in base:
            entry["base"] = float(base[str(n)])
        nodes[str(n)] = entry
    edges = [
        {"source": str(u), "target": str(v), "relation": relation_kind(r).value}
        for u, v, r in G.edges(data="relation", default="support")
    ]
    return {"nodes": nodes, "edges": edges}
