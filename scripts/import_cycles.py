"""Count import cycles between the modules of consult/ and debate/, and list function-level imports.

    python scripts/import_cycles.py            # summary; exit status 1 if there is a cycle
    python scripts/import_cycles.py --verbose  # also every function-level import of consult

Every ``import`` statement counts, wherever it stands: at the top of a module, inside a function
(executed when the function runs), or under ``if TYPE_CHECKING:``. ``from package import name``
counts as an import of ``package.name`` when that is a module, else of ``package``. A cycle is a
strongly connected component of more than one module of this graph (or a module importing
itself); it is reported with its modules. Package-level cycles (between the top-level packages
of consult/, e.g. consult.auth <-> consult.audit) are listed separately, for information: the
import-linter contract (pyproject.toml) decides which of those are allowed.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("consult", "debate")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[module_name(path)] = path
    return found


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def imports(
    name: str, path: Path, known: dict[str, Path]
) -> tuple[set[str], list[tuple[int, str]]]:
    """(modules imported anywhere in the module, function-level imports of consult modules)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    inner: list[tuple[int, str]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            found: list[str] = []
            if isinstance(child, ast.Import):
                found = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - child.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                found = [f"{base}.{alias.name}" for alias in child.names] or [base]
                found = [f if f in known else base for f in found]
            for target in found:
                resolved = _resolve(target, known)
                if resolved and resolved != name:
                    targets.add(resolved)
                    if in_function and resolved.startswith("consult"):
                        if (child.lineno, resolved) not in inner:
                            inner.append((child.lineno, resolved))
            visit(child, nested)

    visit(tree, False)
    return targets, inner


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1 or node in graph.get(node, ()):
                        found.append(sorted(component))
    return found


def package_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "consult" and len(parts) > 1 else parts[0]


def main(argv: list[str]) -> int:
    known = modules()
    graph: dict[str, set[str]] = {}
    inner: dict[str, list[tuple[int, str]]] = {}
    for name, path in known.items():
        graph[name], inner[name] = imports(name, path, known)
    module_cycles = cycles(graph)
    packages: dict[str, set[str]] = defaultdict(set)
    for name, targets in graph.items():
        for target in targets:
            if package_of(target) != package_of(name):
                packages[package_of(name)].add(package_of(target))
    package_cycles = cycles(dict(packages))
    n_inner = sum(len(v) for v in inner.values())
    print(f"modules: {len(known)}, import edges: {sum(len(t) for t in graph.values())}")
    print(f"module import cycles (function-level imports included): {len(module_cycles)}")
    for component in module_cycles:
        print("  " + " <-> ".join(component))
    print(f"function-level imports of consult modules: {n_inner}")
    if "--verbose" in argv:
        for name in sorted(inner):
            for line, target in inner[name]:
                print(f"  {known[name].relative_to(ROOT)}:{line} imports {target}")
    print(f"package-level cycles among consult's top-level packages: {len(package_cycles)}")
    for component in package_cycles:
        print("  " + " <-> ".join(component))
    return 1 if module_cycles else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
