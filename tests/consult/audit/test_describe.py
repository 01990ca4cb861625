"""An audit entry's change in words."""

from __future__ import annotations

from flask import Flask
from flask_babel import force_locale

from consult.audit.describe import ChangeLine, describe_change, value_text


def test_describe_change_status_in_words(app: Flask) -> None:
    with app.test_request_context():
        lines = describe_change(
            {"status": "visible", "auto_hidden": False, "open_flags": 2},
            {"status": "pending", "auto_hidden": True, "open_flags": 2},
        )
    assert lines == [
        ChangeLine("Status", "Visible", "Awaiting approval"),
        ChangeLine("Hidden by flags", "no", "yes"),
        ChangeLine("Open flags", "2", "2"),
    ]
    assert [line.changed for line in lines] == [True, True, False]


def test_describe_change_nested_and_one_sided(app: Flask) -> None:
    with app.test_request_context():
        lines = describe_change(
            {"status": "visible"},
            {"source": {"status": "merged"}, "restored_statements": [3, 4]},
        )
    assert lines == [
        ChangeLine("Status", "Visible", None),
        ChangeLine("Merged statement · Status", None, "Merged"),
        ChangeLine("Statements restored", None, "#3, #4"),
    ]


def test_value_text_dates_unknown_keys_and_long_text(app: Flask) -> None:
    with app.test_request_context(), force_locale("en"):
        assert value_text("2026-12-02") == "Dec 2, 2026"
        assert value_text("2026-12-02T10:35:00+00:00") == "Dec 2, 2026, 10:35 UTC"
        assert value_text("x" * 500).endswith("…") and len(value_text("x" * 500)) == 120
        assert value_text(None) == "—"
        assert describe_change(None, {"some_new_field": 1}) == [
            ChangeLine("Some new field", None, "1")
        ]
