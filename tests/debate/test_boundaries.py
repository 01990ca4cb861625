"""debate/ stays a pure analysis core: no web, database or app imports (STYLE.md section 2)."""

import ast
from pathlib import Path

import pytest

DEBATE = Path(__file__).resolve().parents[2] / "debate"
FORBIDDEN = ("flask", "sqlalchemy", "marshmallow", "consult", "werkzeug", "jinja2", "alembic")
# threadpoolctl is scikit-learn's own dependency (same maintainers); the analysis uses it to hold
# BLAS to one thread, which is faster for its many small products.
ALLOWED_THIRD_PARTY = {"numpy", "scipy", "sklearn", "networkx", "threadpoolctl"}
MODULES = sorted(DEBATE.rglob("*.py"))


def imported_modules(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value


def test_boundaries_scan_finds_the_package():
    assert DEBATE / "__init__.py" in MODULES
    assert len(MODULES) > 5


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(DEBATE)))
def test_boundaries_debate_imports_no_web_or_app_code(path):
    for name in imported_modules(path):
        top = name.split(".")[0]
        assert top not in FORBIDDEN and not top.startswith("flask_"), f"{path.name}: {name}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(DEBATE)))
def test_boundaries_debate_imports_only_stdlib_and_the_numeric_stack(path):
    import sys

    for name in imported_modules(path):
        top = name.split(".")[0]
        assert top in sys.stdlib_module_names or top in ALLOWED_THIRD_PARTY or top == "debate", (
            f"{path.name} imports {name}"
        )


def test_boundaries_detects_forbidden_imports(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import flask_login\nfrom consult.models import User\nimport numpy\n")
    assert list(imported_modules(bad)) == ["flask_login", "consult.models", "numpy"]
