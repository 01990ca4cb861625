"""A bare Flask "hello": the ceiling bench/web.py compares the app with (same gunicorn setup)."""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    """Answer a constant string."""
    return "Hello, World!"
