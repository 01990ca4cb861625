"""Fixtures of the report tests (the debate builder is shared with the responses tests)."""

from __future__ import annotations

from tests.consult.responses.conftest import make_debate  # noqa: F401  (fixture)
