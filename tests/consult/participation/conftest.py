"""Reuse the responses tests' debate (two camps voting on positions and arguments)."""

from tests.consult.responses.conftest import make_debate  # noqa: F401
