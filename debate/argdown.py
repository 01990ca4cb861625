"""Argdown interchange: the JSON shape of ``argdown json`` (argdown-cli), and Argdown source.

``argdown json`` writes an object with ``"statements"`` (equivalence classes by title, each with
``members`` holding the statement texts), ``"arguments"`` (by title, with description
``members``) and ``"relations"`` (``{"type": "relation", "relationType": ..., "from": title,
"fromType": ..., "to": title, "toType": ...}``). Statements become ``position`` nodes and
arguments ``argument`` nodes. Argdown's logical relations are read the way Argdown itself maps
them onto dialectical ones: ``entails`` is a support; ``contrary`` and ``contradictory`` are
attacks (in both directions, being symmetric) and ``undercut`` is an attack.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import networkx as nx

from debate.errors import InputError
from debate.graph import _add_link, relation_kind
from debate.types import RelationKind

__all__ = ["argdown_json", "argdown_text", "graph_from_argdown"]

_RELATION_TYPES = {
    "support": (RelationKind.SUPPORT, False),
    "entails": (RelationKind.SUPPORT, False),
    "attack": (RelationKind.ATTACK, False),
    "undercut": (RelationKind.ATTACK, False),
    "contrary": (RelationKind.ATTACK, True),
    "contradictory": (RelationKind.ATTACK, True),
}
_STATEMENT = "equivalence-class"
_ARGUMENT = "argument"


def argdown_json(G: nx.DiGraph) -> dict[str, Any]:
    """Return an argument graph in the JSON shape of ``argdown json``.

    Parameters
    ----------
    G : networkx.DiGraph
        An argument graph; nodes of kind ``"argument"`` become Argdown arguments, all others
        statements. Node ids are used as titles, node ``text`` as the statement text or argument
        description.

    Returns
    -------
    dict
        ``{"arguments": {...}, "statements": {...}, "relations": [...]}``; each argument and
        statement also lists its own relations, as Argdown does.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_node("p", text="Build the tram", kind="position")
    >>> G.add_node("a", text="Less traffic", kind="argument")
    >>> G.add_edge("a", "p", relation="support")
    >>> data = argdown_json(G)
    >>> data["statements"]["p"]["members"][0]["text"], list(data["arguments"])
    ('Build the tram', ['a'])
    >>> data["relations"][0]["relationType"], data["relations"][0]["fromType"]
    ('support', 'argument')
    """
    types = {str(n): (_ARGUMENT if G.nodes[n].get("kind") == "argument" else _STATEMENT) for n in G}
    relations: list[dict[str, Any]] = []
    own: dict[str, list[dict[str, Any]]] = {str(n): [] for n in G}
    for u, v, rel in G.edges(data="relation", default="support"):
        entry = {
            "type": "relation",
            "relationType": relation_kind(rel).value,
            "from": str(u),
            "fromType": types[str(u)],
            "to": str(v),
            "toType": types[str(v)],
        }
        relations.append(entry)
        own[str(u)].append(entry)
        own[str(v)].append(entry)
    statements: dict[str, Any] = {}
    arguments: dict[str, Any] = {}
    for n in G:
        title = str(n)
        text = str(G.nodes[n].get("text", "") or "")
        if types[title] == _ARGUMENT:
            arguments[title] = {
                "type": _ARGUMENT,
                "title": title,
                "relations": own[title],
                "members": [
                    {
                        "type": "statement",
                        "role": "argument-description",
                        "title": title,
                        "text": text,
                    }
                ],
                "pcs": [],
            }
        else:
            statements[title] = {
                "type": _STATEMENT,
                "title": title,
                "relations": own[title],
                "members": [
                    {
                        "type": "statement",
                        "role": "top-level-statement",
                        "title": title,
                        "text": text,
                        "isTopLevel": True,
                    }
                ],
                "isUsedAsTopLevelStatement": True,
            }
    return {"arguments": arguments, "statements": statements, "relations": relations}


def graph_from_argdown(data: object, *, source: str | None = None) -> nx.DiGraph:
    """Build an argument graph from the JSON written by ``argdown json``.

    Parameters
    ----------
    data : dict
        Parsed JSON with ``"statements"``, ``"arguments"`` and ``"relations"`` (when the
        top-level ``relations`` list is missing, the relations embedded in statements and
        arguments are used).
    source : str, optional
        File name used in error messages.

    Returns
    -------
    networkx.DiGraph
        Node ids are Argdown titles (an argument whose title is also a statement's becomes
        ``"<title>"``); statements are ``position`` nodes, arguments ``argument`` nodes; a
        node's text is its first non-empty statement text or description.

    Raises
    ------
    InputError
        If the JSON does not have this shape, or a relation names an unknown title or an
        unknown relation type.
    GraphError
        If a relation links a node to itself or contradicts another one.

    Examples
    --------
    >>> data = {
    ...     "statements": {"T": {"type": "equivalence-class", "title": "T",
    ...                          "members": [{"text": "Tax sugar"}]}},
    ...     "arguments": {"Poor": {"type": "argument", "title": "Poor",
    ...                            "members": [{"text": "It hits the poor"}]}},
    ...     "relations": [{"type": "relation", "relationType": "attack", "from": "Poor",
    ...                    "fromType": "argument", "to": "T", "toType": "equivalence-class"}],
    ... }
    >>> G = graph_from_argdown(data)
    >>> dict(G.nodes(data="kind")), list(G.edges(data="relation"))
    ({'T': 'position', 'Poor': 'argument'}, [('Poor', 'T', 'attack')])
    """
    if not isinstance(data, Mapping):
        raise InputError("expected the JSON object written by 'argdown json'", source=source)
    statements = _section(data, "statements", source)
    arguments = _section(data, "arguments", source)
    G = nx.DiGraph()
    statement_ids: dict[str, str] = {}
    argument_ids: dict[str, str] = {}
    for title, body in statements.items():
        statement_ids[title] = title
        G.add_node(title, text=_member_text(body), kind="position")
    for title, body in arguments.items():
        node = f"<{title}>" if title in statement_ids else title
        argument_ids[title] = node
        G.add_node(node, text=_member_text(body), kind="argument")
    for rel in _relations(data, statements, arguments, source):
        kind, symmetric = _relation_type(rel, source)
        u = _endpoint(rel, "from", statement_ids, argument_ids, source)
        v = _endpoint(rel, "to", statement_ids, argument_ids, source)
        _add_link(G, u, v, kind)
        if symmetric:
            _add_link(G, v, u, kind)
    return G


def _section(data: Mapping[str, Any], key: str, source: str | None) -> dict[str, Any]:
    section = data.get(key, {})
    if section is None:
        return {}
    if not isinstance(section, Mapping) or not all(
        isinstance(body, Mapping) for body in section.values()
    ):
        raise InputError(f"'{key}' must map titles to objects", source=source)
    return {str(title): body for title, body in section.items()}


def _member_text(body: Mapping[str, Any]) -> str:
    members = body.get("members") or []
    if isinstance(members, list):
        for member in members:
            if isinstance(member, Mapping):
                text = str(member.get("text") or "").strip()
                if text:
                    return text
    return str(body.get("text") or "").strip()


def _relations(
    data: Mapping[str, Any],
    statements: dict[str, Any],
    arguments: dict[str, Any],
    source: str | None,
) -> list[Mapping[str, Any]]:
    top = data.get("relations")
    if top is not None:
        if not isinstance(top, list) or not all(isinstance(r, Mapping) for r in top):
            raise InputError("'relations' must be a list of objects", source=source)
        return top
    seen: set[tuple[str, str, str]] = set()
    out: list[Mapping[str, Any]] = []
    for body in [*statements.values(), *arguments.values()]:
        for rel in body.get("relations") or []:
            if not isinstance(rel, Mapping):
                raise InputError("a relation must be an object", source=source)
            key = (str(rel.get("from")), str(rel.get("to")), str(rel.get("relationType")))
            if key not in seen:
                seen.add(key)
                out.append(rel)
    return out


def _relation_type(rel: Mapping[str, Any], source: str | None) -> tuple[RelationKind, bool]:
    name = str(rel.get("relationType", "")).lower()
    if name not in _RELATION_TYPES:
        raise InputError(f"unknown relationType {rel.get('relationType')!r}", source=source)
    return _RELATION_TYPES[name]


def _endpoint(
    rel: Mapping[str, Any],
    end: str,
    statement_ids: dict[str, str],
    argument_ids: dict[str, str],
    source: str | None,
) -> str:
    if end not in rel:
        raise InputError(f"a relation has no '{end}'", source=source)
    title = str(rel[end])
    kind = str(rel.get(f"{end}Type", ""))
    if kind == _ARGUMENT or kind == "inference":
        order = (argument_ids, statement_ids)
    else:
        order = (statement_ids, argument_ids)
    for ids in order:
        if title in ids:
            return ids[title]
    raise InputError(f"relation {end} unknown title {title!r}", source=source)


_ESCAPE = re.compile(r"([\[\]<>#@\\*_])")
_BACKSLASHED = r"\\\1"


def argdown_text(G: nx.DiGraph, *, title: str | None = None) -> str:
    """Write an argument graph as Argdown source.

    Statements are written as ``[id]: text`` and arguments as ``<id>: text``; then, for every
    node with incoming links, a block lists its supporters (``+``) and attackers (``-``).
    Argdown's special characters in texts are escaped with a backslash and line breaks are
    replaced by spaces.

    Parameters
    ----------
    G : networkx.DiGraph
        An argument graph.
    title : str, optional
        Document title for the front matter; defaults to ``G.graph["title"]`` (none if empty).

    Returns
    -------
    str
        Argdown source ending with a newline.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_node("p", text="Build the tram", kind="position")
    >>> G.add_node("a", text="Less traffic", kind="argument")
    >>> G.add_edge("a", "p", relation="support")
    >>> print(argdown_text(G), end="")
    [p]: Build the tram
    <BLANKLINE>
    <a>: Less traffic
    <BLANKLINE>
    [p]
        + <a>
    """
    if title is None:
        title = str(G.graph.get("title", "") or "")
    blocks: list[str] = []
    if title:
        blocks.append(f"===\ntitle: {_yaml_string(title)}\n===")
    for n in G:
        text = " ".join(str(G.nodes[n].get("text", "") or "").split())
        ref = _reference(G, n)
        blocks.append(f"{ref}: {_ESCAPE.sub(_BACKSLASHED, text)}" if text else ref)
    for v in G:
        if G.in_degree(v) == 0:
            continue
        lines = [_reference(G, v)]
        for u in G.pred[v]:
            sign = (
                "+"
                if relation_kind(G.edges[u, v].get("relation", "support")) is (RelationKind.SUPPORT)
                else "-"
            )
            lines.append(f"    {sign} {_reference(G, u)}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def _reference(G: nx.DiGraph, node: object) -> str:
    name = " ".join(
        str(node).replace("[", "(").replace("]", ")").replace("<", "(").replace(">", ")").split()
    )
    return f"<{name}>" if G.nodes[node].get("kind") == "argument" else f"[{name}]"


def _yaml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'
