"""Every setting the app reads is declared, with its default, in consult/config.py."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from consult import MissingSetting, create_app
from consult.cli import main
from consult.config import ROOT, Config
from consult.ratelimits import LIMITS

#: config["NAME"], config.get("NAME" ...), config.setdefault("NAME" ...) in Python and templates,
#: and config.NAME in templates.
_READ = re.compile(r"""config(?:\[\s*|\.(?:get|setdefault)\(\s*)["']([A-Z][A-Z0-9_]*)["']""")
_TEMPLATE_ATTR = re.compile(r"\bconfig\.([A-Z][A-Z0-9_]*)\b")


def _declared(key: str) -> bool:
    """Declared by Config, or one of Flask's own settings (Flask declares those itself)."""
    return hasattr(Config, key) or key in Flask.default_config


def settings_read() -> dict[str, set[str]]:
    """Return {setting: files that read it} over consult/ and templates/."""
    found: dict[str, set[str]] = {}
    files = [
        *sorted((ROOT / "consult").rglob("*.py")),
        *sorted((ROOT / "templates").rglob("*.html")),
    ]
    for path in files:
        text = path.read_text(encoding="utf-8")
        keys = set(_READ.findall(text))
        if path.suffix == ".html":
            keys |= set(_TEMPLATE_ATTR.findall(text))
        for key in keys:
            found.setdefault(key, set()).add(str(path.relative_to(ROOT)))
    return found


def test_the_scan_finds_settings_in_code_and_templates() -> None:
    found = settings_read()
    assert "consult/audit/views.py" in found["AUDIT_CSV_MAX"]
    assert "BRIGADE_MIN_SHARED" in found
    assert "templates/responses/dashboard.html" in found["RESPONSE_WORKING_DAYS"]


def test_every_setting_read_is_declared_in_config() -> None:
    undeclared = {key: files for key, files in settings_read().items() if not _declared(key)}
    assert undeclared == {}


def test_every_rate_limit_setting_is_declared() -> None:
    for limit in LIMITS.values():
        assert hasattr(Config, limit.setting), limit.setting
        if limit.new_account_default is not None:
            assert getattr(Config, f"{limit.setting}_NEW_ACCOUNT") == limit.new_account_default


def test_scanner_reports_an_undeclared_setting() -> None:
    text = 'x = app.config.get("NOT_A_SETTING", 1) + current_app.config["AUDIT_CSV_MAX"]'
    assert set(_READ.findall(text)) == {"NOT_A_SETTING", "AUDIT_CSV_MAX"}
    assert not _declared("NOT_A_SETTING")


def _production_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [n for n in os.environ if n.startswith("KENES_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("KENES_SECRET_KEY", "a-session-secret")
    monkeypatch.setenv("KENES_DATABASE_URL", f"sqlite:///{tmp_path / 'kenes.sqlite3'}")


def test_production_refuses_to_start_without_the_analysis_id_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _production_env(monkeypatch, tmp_path)
    with pytest.raises(MissingSetting, match="KENES_ANALYSIS_ID_KEY must be set"):
        create_app()
    monkeypatch.setenv("KENES_ANALYSIS_ID_KEY", "an-analysis-key")
    app = create_app()
    assert app.config["ANALYSIS_ID_KEY"] == "an-analysis-key"
    assert app.config["SECRET_KEY"] == "a-session-secret"


def test_the_cli_reports_the_missing_key_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _production_env(monkeypatch, tmp_path)
    result = CliRunner().invoke(main, ["routes"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "Error: KENES_ANALYSIS_ID_KEY must be set outside debug mode and tests "
        "(make run keeps one in instance/analysis_id_key)"
    ]


def test_tests_and_debug_derive_the_analysis_key_from_the_secret() -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "s", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["ANALYSIS_ID_KEY"] == "s"
