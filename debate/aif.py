"""Argument Interchange Format (AIF) in the JSON shape used by AIFdb and OVA.

An AIF graph has information nodes (``type`` ``"I"``, the statements) and scheme nodes: rule
applications (``"RA"``, inference) and conflict applications (``"CA"``, conflict). A support
``u -> v`` is written ``I(u) -> RA -> I(v)`` and an attack ``I(u) -> CA -> I(v)``; each link gets
its own scheme node. Nodes are ``{"nodeID", "text", "type"}`` and edges
``{"edgeID", "fromID", "toID"}``; ``"locutions"`` is empty (no dialogue is recorded).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx

from debate.errors import InputError
from debate.graph import _add_link, relation_kind
from debate.types import RelationKind

__all__ = ["aif_json", "graph_from_aif"]

_SCHEME_TEXT = {"RA": "Default Inference", "CA": "Default Conflict"}


def aif_json(G: nx.DiGraph) -> dict[str, Any]:
    """Return an argument graph in AIF JSON.

    Parameters
    ----------
    G : networkx.DiGraph
        An argument graph. Node ids become the I-nodes' ``nodeID``; scheme nodes get ids
        ``"RA1"``, ``"CA2"``, ... (skipping any that a statement already uses).

    Returns
    -------
    dict
        ``{"nodes": [...], "edges": [...], "locutions": []}``: first the I-nodes in node order,
        then one scheme node per link in edge order; edges are numbered ``"1"``, ``"2"``, ...

    References
    ----------
    .. [1] C. Chesñevar et al., "Towards an argument interchange format", The Knowledge
       Engineering Review 21(4), 2006, pp. 293-316.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_node("p", text="Build the tram")
    >>> G.add_node("a", text="Less traffic")
    >>> G.add_edge("a", "p", relation="support")
    >>> data = aif_json(G)
    >>> [(n["nodeID"], n["type"]) for n in data["nodes"]]
    [('p', 'I'), ('a', 'I'), ('RA1', 'RA')]
    >>> [(e["fromID"], e["toID"]) for e in data["edges"]]
    [('a', 'RA1'), ('RA1', 'p')]
    """
    used = {str(n) for n in G}
    nodes: list[dict[str, Any]] = [
        {"nodeID": str(n), "text": str(G.nodes[n].get("text", "") or ""), "type": "I"} for n in G
    ]
    edges: list[dict[str, Any]] = []
    counter = 0
    for u, v, rel in G.edges(data="relation", default="support"):
        scheme = "RA" if relation_kind(rel) is RelationKind.SUPPORT else "CA"
        counter += 1
        while f"{scheme}{counter}" in used:
            counter += 1
        scheme_id = f"{scheme}{counter}"
        used.add(scheme_id)
        nodes.append({"nodeID": scheme_id, "text": _SCHEME_TEXT[scheme], "type": scheme})
        for from_id, to_id in ((str(u), scheme_id), (scheme_id, str(v))):
            edges.append({"edgeID": str(len(edges) + 1), "fromID": from_id, "toID": to_id})
    return {"nodes": nodes, "edges": edges, "locutions": []}


def graph_from_aif(data: object, *, source: str | None = None) -> nx.DiGraph:
    """Build an argument graph from AIF JSON.

    Every RA node makes each of its premise I-nodes support each of its conclusion I-nodes,
    and every CA node makes its attacking I-nodes attack its target I-nodes. Other node types
    (``L``, ``MA``, ``PA``, ``YA``, ``TA``...) and scheme nodes that target scheme nodes
    (undercuts) are ignored. I-nodes that support or attack something are ``argument`` nodes,
    the others ``position`` nodes.

    Parameters
    ----------
    data : dict
        ``{"nodes": [{"nodeID", "text", "type"}], "edges": [{"fromID", "toID"}]}``.
    source : str, optional
        File name used in error messages.

    Returns
    -------
    networkx.DiGraph
        Node ids are the I-nodes' ``nodeID`` as strings.

    Raises
    ------
    InputError
        If the JSON does not have this shape or an edge names an unknown node.
    GraphError
        If an I-node would support and attack the same node, or itself.

    Examples
    --------
    >>> G = graph_from_aif({
    ...     "nodes": [{"nodeID": 1, "text": "Tax sugar", "type": "I"},
    ...               {"nodeID": 2, "text": "It hits the poor", "type": "I"},
    ...               {"nodeID": 3, "text": "Default Conflict", "type": "CA"}],
    ...     "edges": [{"edgeID": 1, "fromID": 2, "toID": 3}, {"edgeID": 2, "fromID": 3, "toID": 1}],
    ... })
    >>> list(G.edges(data="relation")), G.nodes["2"]["kind"]
    ([('2', '1', 'attack')], 'argument')
    """
    if not isinstance(data, Mapping):
        raise InputError("expected an AIF JSON object with 'nodes' and 'edges'", source=source)
    nodes = data.get("nodes")
    edges = data.get("edges")
    if not isinstance(nodes, list) or not isinstance(edges, list):
        raise InputError("AIF JSON needs 'nodes' and 'edges' lists", source=source)
    types: dict[str, str] = {}
    G = nx.DiGraph()
    for node in nodes:
        if not isinstance(node, Mapping) or "nodeID" not in node:
            raise InputError("every AIF node needs a 'nodeID'", source=source)
        node_id = str(node["nodeID"])
        if node_id in types:
            raise InputError(f"duplicate nodeID {node_id!r}", source=source)
        types[node_id] = str(node.get("type", "")).upper()
        if types[node_id] == "I":
            G.add_node(node_id, text=str(node.get("text") or ""), kind="position")
    incoming: dict[str, list[str]] = {}
    outgoing: dict[str, list[str]] = {}
    for edge in edges:
        if not isinstance(edge, Mapping) or "fromID" not in edge or "toID" not in edge:
            raise InputError("every AIF edge needs 'fromID' and 'toID'", source=source)
        u, v = str(edge["fromID"]), str(edge["toID"])
        for end in (u, v):
            if end not in types:
                raise InputError(f"edge names unknown node {end!r}", source=source)
        outgoing.setdefault(u, []).append(v)
        incoming.setdefault(v, []).append(u)
    for scheme_id, scheme in types.items():
        if scheme not in ("RA", "CA"):
            continue
        kind = RelationKind.SUPPORT if scheme == "RA" else RelationKind.ATTACK
        premises = [u for u in incoming.get(scheme_id, []) if types[u] == "I"]
        targets = [v for v in outgoing.get(scheme_id, []) if types[v] == "I"]
        for u in premises:
            for v in targets:
                _add_link(G, u, v, kind)
                G.nodes[u]["kind"] = "argument"
    return G
