"""The lock files pin every dependency pyproject.toml declares, within its declared bounds."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _pins(name: str) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / name).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        package, sep, version = line.partition("==")
        assert sep, f"{name}: {line!r} is not pinned with =="
        pins[canonicalize_name(package)] = version
    return pins


@pytest.mark.parametrize(
    ("declared", "lock"),
    [
        (PROJECT["dependencies"], "requirements.lock"),
        (PROJECT["optional-dependencies"]["dev"], "requirements-dev.lock"),
    ],
)
def test_every_declared_dependency_is_pinned_within_its_bounds(
    declared: list[str], lock: str
) -> None:
    pins = _pins(lock)
    for line in declared:
        req = Requirement(line)
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not pinned in {lock} (make lock)"
        assert req.specifier.contains(Version(pins[name]), prereleases=True), (
            f"{lock} pins {req.name}=={pins[name]}, outside {req.specifier}"
        )


def test_runtime_lock_holds_no_dev_package() -> None:
    runtime = _pins("requirements.lock")
    dev = _pins("requirements-dev.lock")
    assert not set(runtime) & set(dev)
    for line in PROJECT["optional-dependencies"]["dev"]:
        assert canonicalize_name(Requirement(line).name) not in runtime


def test_pre_commit_runs_the_locked_ruff() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    (ruff,) = [r for r in config["repos"] if r["repo"].endswith("/ruff-pre-commit")]
    assert ruff["rev"] == "v" + _pins("requirements-dev.lock")["ruff"]
    assert {hook["id"] for hook in ruff["hooks"]} == {"ruff-check", "ruff-format"}
