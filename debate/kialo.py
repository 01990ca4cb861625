"""Kialo discussions: read Kialo's text export into an argument graph, and write one back.

Kialo exports a discussion as plain text::

    Discussion Title: Should the city build a tram?

    1. The city should build a tram.
    1.1. Pro: Trams cut car traffic.
    1.1.1. Con: Only if the network is dense.
    1.2. Con: It is too expensive.
    1.3. Con: -> See 1.1.1.

Each claim has a number label; ``1.`` is the thesis, ``1.1.`` a reply to it, ``1.1.2.`` a reply
to ``1.1.``. ``Pro:`` claims support their parent and ``Con:`` claims attack it. A claim whose
text is ``-> See <label>`` is a cross-link: it is not a new statement but makes the referenced
claim support (or attack) this parent as well. Lines that carry no label continue the text of
the claim above them (multi-line claims).

In the graph, claim ids are the labels without the trailing dot (``"1.1.2"``), the thesis is a
``position`` and every other claim an ``argument``; ``G.graph["title"]`` holds the title.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

import networkx as nx

from debate.errors import InputError, read_input_text
from debate.graph import argument_graph, relation_kind
from debate.types import Claim, Relation, RelationKind

__all__ = [
    "KialoDiscussion",
    "argument_outline",
    "kialo_discussion",
    "kialo_graph",
    "kialo_text",
    "read_kialo",
]

_TITLE = re.compile(r"^\s*Discussion Title:\s*(.*?)\s*$", re.IGNORECASE)
_LABEL = re.compile(r"^\s*((?:\d+\.)+)(?:\s+(.*?))?\s*$")
_STANCE = re.compile(r"^(Pro|Con)\s*:\s*(.*)$", re.IGNORECASE | re.DOTALL)
_LINK = re.compile(r"^->\s*See\s+((?:\d+\.)*\d+\.?)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class KialoDiscussion:
    """A parsed Kialo discussion.

    Attributes
    ----------
    title : str
        The discussion title (empty when the export has none).
    claims : tuple of Claim
        Every claim in file order; ids are Kialo labels without the trailing dot.
    relations : tuple of Relation
        Pro (support) and Con (attack) links in file order, followed by those that
        cross-links add, in file order.
    """

    title: str
    claims: tuple[Claim, ...]
    relations: tuple[Relation, ...]

    def graph(self) -> nx.DiGraph:
        """Return the argument graph of the discussion (title in ``G.graph["title"]``).

        Examples
        --------
        >>> d = kialo_discussion("1. Tax sugar\\n1.1. Con: It hits the poor")
        >>> list(d.graph().edges(data="relation"))
        [('1.1', '1', 'attack')]
        """
        G = argument_graph(self.claims, self.relations)
        G.graph["title"] = self.title
        return G


@dataclass
class _Entry:
    label: str  # without the trailing dot
    stance: RelationKind | None  # None for a thesis
    lines: list[str]
    row: int
    link: str | None = None


def kialo_discussion(text: str, *, source: str | None = None) -> KialoDiscussion:
    """Parse the text of a Kialo discussion export.

    Parameters
    ----------
    text : str
        The export: an optional ``Discussion Title: ...`` line, then one labelled line per
        claim (see the module documentation).
    source : str, optional
        File name used in error messages.

    Returns
    -------
    KialoDiscussion
        Title, claims and relations.

    Raises
    ------
    InputError
        With the 1-based line number, on text before the first claim, a reply without
        ``Pro:``/``Con:``, a thesis with one, a duplicate label, a reply whose parent is
        missing, an empty claim, a cross-link to an unknown claim, to itself or in a loop,
        and a claim that would both support and attack the same parent.

    Examples
    --------
    >>> d = kialo_discussion('''Discussion Title: Tram?
    ...
    ... 1. Build the tram.
    ... 1.1. Pro: Less traffic.
    ... 1.1.1. Con: Only if the network is dense
    ... enough to matter.
    ... 1.2. Con: -> See 1.1.1.''')
    >>> d.title, [c.id for c in d.claims]
    ('Tram?', ['1', '1.1', '1.1.1'])
    >>> d.claims[2].text
    'Only if the network is dense\\nenough to matter.'
    >>> [(r.source, r.target, r.relation.value) for r in d.relations]
    [('1.1', '1', 'support'), ('1.1.1', '1.1', 'attack'), ('1.1.1', '1', 'attack')]
    >>> kialo_discussion("1. A\\n1.2.1. Pro: B", source="d.txt")
    Traceback (most recent call last):
    ...
    debate.errors.InputError: d.txt:2: claim 1.2.1 replies to 1.2, which does not exist
    """
    if source is None:
        source = "<kialo>"
    title, entries = _entries(text, source)
    if not entries:
        raise InputError("no claims found (expected a line such as '1. Thesis')", source=source)
    by_label: dict[str, _Entry] = {}
    for entry in entries:
        if entry.label in by_label:
            raise InputError(f"duplicate claim {entry.label}", source=source, row=entry.row)
        by_label[entry.label] = entry
    claims: list[Claim] = []
    for entry in entries:
        if entry.link is None:
            body = "\n".join(entry.lines).strip()
            if not body:
                raise InputError(f"claim {entry.label} is empty", source=source, row=entry.row)
            kind = "position" if entry.stance is None else "argument"
            claims.append(Claim(entry.label, body, kind))
        elif entry.lines:
            raise InputError(
                f"text after the cross-link of {entry.label}", source=source, row=entry.row
            )
    relations: list[Relation] = []
    seen: dict[tuple[str, str], RelationKind] = {}
    # Tree links first, then cross-links, so that every claim's first out-edge goes to the
    # claim it was written under (which is where kialo_text writes it back).
    ordered = [e for e in entries if e.link is None] + [e for e in entries if e.link is not None]
    for entry in ordered:
        if entry.stance is None:
            continue
        parent = entry.label.rsplit(".", 1)[0]
        if parent not in by_label:
            raise InputError(
                f"claim {entry.label} replies to {parent}, which does not exist",
                source=source,
                row=entry.row,
            )
        src = _resolve(entry, by_label, source)
        dst = _resolve(by_label[parent], by_label, source)
        if src == dst:
            raise InputError(
                f"claim {entry.label} links {src} to itself", source=source, row=entry.row
            )
        previous = seen.get((src, dst))
        if previous is not None:
            if previous is not entry.stance:
                raise InputError(
                    f"{src} would both support and attack {dst}", source=source, row=entry.row
                )
            continue
        seen[(src, dst)] = entry.stance
        relations.append(Relation(src, dst, entry.stance))
    return KialoDiscussion(title, tuple(claims), tuple(relations))


def _entries(text: str, source: str | None) -> tuple[str, list[_Entry]]:
    title = ""
    entries: list[_Entry] = []
    for row, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = raw.strip()
        if not entries and not title and not line:
            continue
        if not entries and not title:
            match = _TITLE.match(line)
            if match:
                title = match.group(1)
                continue
        label_match = _LABEL.match(line)
        if label_match is None:
            if entries:
                entries[-1].lines.append(line)
                continue
            if line:
                raise InputError(
                    "expected 'Discussion Title:' or a numbered claim such as '1. Thesis'",
                    source=source,
                    row=row,
                )
            continue
        entries.append(_entry(label_match.group(1), label_match.group(2) or "", row, source))
    for entry in entries:
        while entry.lines and not entry.lines[-1]:
            entry.lines.pop()
    return title, entries


def _entry(label_text: str, rest: str, row: int, source: str | None) -> _Entry:
    label = label_text.rstrip(".")
    depth = label.count(".") + 1
    stance_match = _STANCE.match(rest)
    if depth == 1:
        if stance_match:
            raise InputError(
                f"the thesis {label} cannot be a {stance_match.group(1)}", source=source, row=row
            )
        stance = None
        body = rest
    else:
        if stance_match is None:
            raise InputError(f"claim {label} needs 'Pro:' or 'Con:'", source=source, row=row)
        stance = (
            RelationKind.SUPPORT if stance_match.group(1).lower() == "pro" else RelationKind.ATTACK
        )
        body = stance_match.group(2).strip()
    link_match = _LINK.match(body)
    if link_match:
        if stance is None:
            raise InputError(f"the thesis {label} cannot be a cross-link", source=source, row=row)
        return _Entry(label, stance, [], row, link=link_match.group(1).rstrip("."))
    return _Entry(label, stance, [body] if body else [], row)


def _resolve(entry: _Entry, by_label: dict[str, _Entry], source: str | None) -> str:
    """The claim an entry stands for, following cross-links."""
    visited = {entry.label}
    current = entry
    while current.link is not None:
        target = by_label.get(current.link)
        if target is None:
            raise InputError(
                f"cross-link to unknown claim {current.link}", source=source, row=current.row
            )
        if target.label in visited:
            raise InputError(f"cross-links of {entry.label} loop", source=source, row=entry.row)
        visited.add(target.label)
        current = target
    return current.label


def kialo_graph(text: str, *, source: str | None = None) -> nx.DiGraph:
    """Parse a Kialo text export straight into an argument graph.

    Parameters
    ----------
    text : str
        The export (see :func:`kialo_discussion`).
    source : str, optional
        File name used in error messages.

    Returns
    -------
    networkx.DiGraph
        The argument graph, with the title in ``G.graph["title"]``.

    Raises
    ------
    InputError
        On malformed input (see :func:`kialo_discussion`).

    Examples
    --------
    >>> G = kialo_graph("1. Ban cars downtown\\n1.1. Pro: Cleaner air\\n1.2. Con: Shops suffer")
    >>> sorted(G.edges(data="relation"))
    [('1.1', '1', 'support'), ('1.2', '1', 'attack')]
    """
    return kialo_discussion(text, source=source).graph()


def read_kialo(path: str | os.PathLike[str]) -> KialoDiscussion:
    """Read a Kialo text export from a file.

    Parameters
    ----------
    path : path
        A ``.txt`` file exported from Kialo (UTF-8).

    Returns
    -------
    KialoDiscussion

    Raises
    ------
    InputError
        If the file cannot be read, is not UTF-8 or is malformed (with the line number).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     file = Path(folder) / "tram.txt"
    ...     _ = file.write_text("1. Build it\\n1.1. Pro: Fast", encoding="utf-8")
    ...     [c.id for c in read_kialo(file).claims]
    ['1', '1.1']
    """
    return kialo_discussion(read_input_text(path), source=os.fspath(path))


@dataclass
class _Placement:
    """A spanning forest of the argument graph: where each node is written in full."""

    label: dict[object, str]
    roots: list[object]
    children: dict[object, list[tuple[object, bool]]]  # (source, placed here?) per target


def _placement(G: nx.DiGraph) -> _Placement:
    """Write each node under its first target (its first out-edge); nodes that target nothing
    are top-level claims, and a cycle of first targets is broken at its first node."""
    first_target = {u: next(iter(G.succ[u]), None) for u in G}
    label: dict[object, str] = {}
    roots: list[object] = []
    children: dict[object, list[tuple[object, bool]]] = {}
    candidates = [n for n in G if first_target[n] is None] + list(G)
    for root in candidates:
        if root in label:
            continue
        roots.append(root)
        label[root] = str(len(roots))
        stack = [root]
        while stack:
            v = stack.pop()
            row: list[tuple[object, bool]] = []
            fresh: list[object] = []
            for k, u in enumerate(G.pred[v], start=1):
                placed_here = u not in label and first_target[u] == v
                if placed_here:
                    label[u] = f"{label[v]}.{k}"
                    fresh.append(u)
                row.append((u, placed_here))
            children[v] = row
            stack.extend(reversed(fresh))
    return _Placement(label, roots, children)


def _walk(placement: _Placement) -> Iterator[tuple[int, object, object | None, bool]]:
    """Yield (depth, node, target, is_cross_link) in pre-order; ``target`` is None at roots."""
    stack: list[tuple[int, object, object | None, bool]] = [
        (0, root, None, False) for root in reversed(placement.roots)
    ]
    while stack:
        depth, node, target, is_link = stack.pop()
        yield depth, node, target, is_link
        if is_link:
            continue
        for u, placed_here in reversed(placement.children[node]):
            stack.append((depth + 1, u, node, not placed_here))


def kialo_text(G: nx.DiGraph, *, title: str | None = None) -> str:
    """Write an argument graph as a Kialo text export.

    Every node is written once in full under its first target (its first out-edge); its other
    links become ``-> See`` cross-links. Nodes that target nothing are theses (``1.``, ``2.``,
    ...); where first targets form a cycle, its first node becomes a further thesis. Reading
    the result back with :func:`kialo_graph` gives the same graph up to renaming the nodes to
    their labels.

    Parameters
    ----------
    G : networkx.DiGraph
        An argument graph (edges with ``relation`` ``"support"`` or ``"attack"``; node
        ``text``).
    title : str, optional
        Discussion title; defaults to ``G.graph["title"]`` (no title line when empty).

    Returns
    -------
    str
        The export, one claim per line (multi-line texts continue on following lines), ending
        with a newline.

    Examples
    --------
    >>> G = nx.DiGraph(title="Tram?")
    >>> G.add_node("t", text="Build the tram")
    >>> G.add_node("a", text="Less traffic")
    >>> G.add_node("b", text="Too expensive")
    >>> G.add_edge("a", "t", relation="support")
    >>> G.add_edge("b", "a", relation="attack")  # b is written under a, its first target
    >>> G.add_edge("b", "t", relation="attack")
    >>> print(kialo_text(G), end="")
    Discussion Title: Tram?
    <BLANKLINE>
    1. Build the tram
    1.1. Pro: Less traffic
    1.1.1. Con: Too expensive
    1.2. Con: -> See 1.1.1.
    """
    if title is None:
        title = str(G.graph.get("title", "") or "")
    placement = _placement(G)
    lines: list[str] = []
    if title:
        lines += [f"Discussion Title: {title}", ""]
    for _, node, target, is_link in _walk(placement):
        label = placement.label[node]
        if target is None:
            lines.append(f"{label}. {_text(G, node)}")
            continue
        own = _own_label(placement, node, target)
        stance = "Pro" if _relation(G, node, target) is RelationKind.SUPPORT else "Con"
        body = f"-> See {label}." if is_link else _text(G, node)
        lines.append(f"{own}. {stance}: {body}")
    return "\n".join(lines) + "\n"


def _own_label(placement: _Placement, node: object, target: object) -> str:
    """Label of the line for ``node`` under ``target`` (its own label or a link's slot)."""
    for k, (u, _) in enumerate(placement.children[target], start=1):
        if u == node:
            return f"{placement.label[target]}.{k}"
    raise AssertionError("node is not a child of target")  # pragma: no cover


def _relation(G: nx.DiGraph, source: object, target: object) -> RelationKind:
    return relation_kind(G.edges[source, target].get("relation", "support"))


def _text(G: nx.DiGraph, node: object) -> str:
    text = str(G.nodes[node].get("text", "") or "").strip()
    return text or str(node)


def argument_outline(G: nx.DiGraph, *, title: str | None = None) -> str:
    """Return a human-readable indented outline of an argument graph.

    Each node appears once in full (``+`` supports, ``-`` attacks its parent, ids in
    brackets); further links of a node appear as ``(see [id])`` lines.

    Parameters
    ----------
    G : networkx.DiGraph
        An argument graph.
    title : str, optional
        Heading; defaults to ``G.graph["title"]``.

    Returns
    -------
    str
        The outline followed by a count of statements and links, ending with a newline.

    Examples
    --------
    >>> G = kialo_graph("1. Tram\\n1.1. Pro: Fast\\n1.2. Con: Costly\\n1.1.1. Con: -> See 1.2.")
    >>> print(argument_outline(G), end="")
    [1] Tram
      + [1.1] Fast
        - (see [1.2])
      - [1.2] Costly
    3 statements, 3 links (1 cross-link)
    """
    if title is None:
        title = str(G.graph.get("title", "") or "")
    placement = _placement(G)
    lines = [title] if title else []
    cross = 0
    for depth, node, target, is_link in _walk(placement):
        indent = "  " * depth
        sign = ""
        if target is not None:
            sign = "+ " if _relation(G, node, target) is RelationKind.SUPPORT else "- "
        body = _text(G, node).replace("\n", " ")
        if is_link:
            cross += 1
            lines.append(f"{indent}{sign}(see [{node}])")
        else:
            lines.append(f"{indent}{sign}[{node}] {body}")
    n, m = G.number_of_nodes(), G.number_of_edges()
    summary = f"{n} statement{'s' * (n != 1)}, {m} link{'s' * (m != 1)}"
    if cross:
        summary += f" ({cross} cross-link{'s' * (cross != 1)})"
    lines.append(summary)
    return "\n".join(lines) + "\n"
